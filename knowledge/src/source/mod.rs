//! Reading a business's knowledge files into [`Record`]s.
//!
//! - [`discover`] / [`scan`]: which files a list of paths means (folders expand recursively).
//! - [`detect_kind`]: whether a file is a catalog, FAQs or a policy, from its path then content.
//! - [`parse`]: one file of a given kind into records, plus line-precise rejections for the
//!   entries that could not be read (the rest of the file is still read).
//!
//! Formats: catalogs from CSV/TSV, JSON and JSONL; FAQs from Markdown, CSV/TSV, JSON, JSONL,
//! HTML and plain text; policies from Markdown, plain text and HTML. PDF is not supported: such a
//! file is an [`SourceError::UnsupportedFormat`] naming it.
//!
//! Private modules: `format` (file types), `read` (bytes to text), `table` (rows of CSV/JSON),
//! `json_lines` (where each JSON array item starts), `columns` (column names and aliases),
//! `values` (prices, stock, availability), `markdown` (heading sections), `html`, `catalog`,
//! `faq`, `policy`, `detect`, `discover`.

mod catalog;
mod columns;
mod detect;
mod discover;
mod faq;
mod format;
mod html;
mod json_lines;
mod markdown;
mod policy;
mod read;
mod table;
mod values;

use crate::record::{Kind, Record};
use std::fmt;
use std::path::PathBuf;

pub use detect::detect_kind;
pub use discover::{Discovery, Skipped, SourceFile, discover, scan};
pub use format::Format;

/// What [`parse`] read from one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// The entries that were read, in file order.
    pub records: Vec<Record>,
    /// The entries that could not be read, each with its line and the reason.
    pub rejected: Vec<Rejection>,
}

/// An entry of a source file that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The source's name ([`SourceFile::name`]).
    pub source: String,
    /// The 1-based line where the rejected entry starts.
    pub line: usize,
    /// Why it was rejected, in words a business owner can act on.
    pub reason: String,
}

impl Rejection {
    pub(crate) fn new(source: &str, line: usize, reason: impl Into<String>) -> Self {
        Rejection {
            source: source.to_string(),
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.source, self.line, self.reason)
    }
}

/// Why a whole file (or a path given by the user) could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path does not exist or cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// The path as given or found.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file's type cannot hold this kind of knowledge (or is not supported at all).
    #[error(
        "{file}: {} files cannot be read as {kind} (supported: {supported})",
        describe_extension(extension)
    )]
    UnsupportedFormat {
        /// The source's name.
        file: String,
        /// The file's extension, lowercase, without the dot (empty when it has none).
        extension: String,
        /// The kind it was read as.
        kind: Kind,
        /// The extensions that this kind can be read from.
        supported: String,
    },
    /// A file given by name has a type charla does not read.
    #[error("{}: {}", path.display(), Format::unsupported_reason(extension))]
    UnsupportedFile {
        /// The path as given.
        path: PathBuf,
        /// The file's extension, lowercase, without the dot (empty when it has none).
        extension: String,
    },
    /// The file is not text in UTF-8 (nor UTF-16 with a byte order mark).
    #[error("{file} is not UTF-8 text: save it as UTF-8 and ingest it again")]
    NotUtf8 {
        /// The source's name.
        file: String,
    },
    /// Two different files would be known by the same name, so their chunks would collide.
    #[error("two files are both named `{name}`: {} and {}; ingest them separately or rename one", first.display(), second.display())]
    DuplicateName {
        /// The shared name.
        name: String,
        /// The first file with that name.
        first: PathBuf,
        /// The second file with that name.
        second: PathBuf,
    },
}

fn describe_extension(extension: &str) -> String {
    if extension.is_empty() {
        "extension-less".to_string()
    } else {
        format!(".{extension}")
    }
}

/// Reads `file` as knowledge of `kind`.
///
/// Entries that cannot be read (a row without SKU nor name, a price that is not a number, a
/// duplicate SKU, FAQ id or question, an FAQ without answer, a JSON line that is not JSON...) are
/// returned in [`Parsed::rejected`] with their line; the rest of the file is still read.
/// An error means the whole file could not be read.
pub fn parse(file: &SourceFile, kind: Kind) -> Result<Parsed, SourceError> {
    let format = file.format();
    let unsupported = || SourceError::UnsupportedFormat {
        file: file.name.clone(),
        extension: file.extension(),
        kind,
        supported: Format::supported_for(kind),
    };
    let format = match format {
        Some(format) if format.can_hold(kind) => format,
        _ => return Err(unsupported()),
    };
    let text = read::text(file, format)?;
    let mut parsed = match kind {
        Kind::Catalog => catalog::parse(&file.name, format, &text),
        Kind::Faq => faq::parse(&file.name, format, &text),
        Kind::Policy => policy::parse(&file.name, &file.stem(), format, &text),
    };
    // Structural problems are found before row problems; people read reports top to bottom.
    parsed.rejected.sort_by_key(|rejection| rejection.line);
    Ok(parsed)
}
