//! File types charla reads, told apart by extension.

use crate::record::Kind;
use std::path::Path;

/// The type of a source file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma- (or semicolon-) separated values: `.csv`.
    Csv,
    /// Tab-separated values: `.tsv`, `.tab`.
    Tsv,
    /// One JSON document: `.json`.
    Json,
    /// One JSON object per line: `.jsonl`, `.ndjson`.
    Jsonl,
    /// Markdown: `.md`, `.markdown`.
    Markdown,
    /// Plain text: `.txt`, `.text`.
    Text,
    /// HTML: `.html`, `.htm`.
    Html,
}

impl Format {
    /// The extensions charla reads, for messages.
    pub const SUPPORTED: &'static str =
        ".csv, .tsv, .json, .jsonl, .ndjson, .md, .markdown, .txt, .html, .htm";

    /// The format of a file with this extension (any case, without the dot).
    pub fn from_extension(extension: &str) -> Option<Format> {
        Some(match extension.to_ascii_lowercase().as_str() {
            "csv" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "md" | "markdown" => Format::Markdown,
            "txt" | "text" => Format::Text,
            "html" | "htm" => Format::Html,
            _ => return None,
        })
    }

    /// The format of the file at `path`, from its extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        path.extension()
            .and_then(|extension| extension.to_str())
            .and_then(Format::from_extension)
    }

    /// Whether a file of this format can hold knowledge of `kind`.
    pub fn can_hold(self, kind: Kind) -> bool {
        match kind {
            Kind::Catalog => matches!(
                self,
                Format::Csv | Format::Tsv | Format::Json | Format::Jsonl
            ),
            Kind::Faq => true,
            Kind::Policy => matches!(self, Format::Markdown | Format::Text | Format::Html),
        }
    }

    /// The extensions that can hold `kind`, for messages.
    pub fn supported_for(kind: Kind) -> String {
        match kind {
            Kind::Catalog => ".csv, .tsv, .json, .jsonl, .ndjson",
            Kind::Faq => Format::SUPPORTED,
            Kind::Policy => ".md, .markdown, .txt, .html, .htm",
        }
        .to_string()
    }

    /// Why a file with this extension (lowercase, no dot) is not read, for messages.
    pub fn unsupported_reason(extension: &str) -> String {
        match extension {
            "pdf" => "PDF is not supported: export it as text, Markdown or HTML".to_string(),
            "" => format!(
                "files without an extension are not read (supported: {})",
                Format::SUPPORTED
            ),
            other => format!(
                "unsupported file type .{other} (supported: {})",
                Format::SUPPORTED
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_recognised_in_any_case() {
        assert_eq!(Format::from_extension("CSV"), Some(Format::Csv));
        assert_eq!(
            Format::from_path(Path::new("a/b/faq.Markdown")),
            Some(Format::Markdown)
        );
        assert_eq!(Format::from_path(Path::new("menu.pdf")), None);
        assert_eq!(Format::from_path(Path::new("README")), None);
    }

    #[test]
    fn catalogs_are_tables_and_policies_are_documents() {
        assert!(Format::Jsonl.can_hold(Kind::Catalog));
        assert!(!Format::Markdown.can_hold(Kind::Catalog));
        assert!(!Format::Csv.can_hold(Kind::Policy));
        assert!(Format::Html.can_hold(Kind::Faq));
    }
}
