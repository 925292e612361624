//! Errors of `business.toml` and where they are: byte spans become line, column and a field
//! path such as `locations[1].hours.friday`.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Where in the file a problem is (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line.
    pub line: usize,
    /// Column, in characters.
    pub column: usize,
}

/// Why `business.toml` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BusinessError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, has the wrong shape, or says something impossible.
    #[error("{}", describe(path, *position, field.as_deref(), message))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where, when known.
        position: Option<Position>,
        /// The field, as a path like `locations[1].workshop_hours.tuesday`, when known.
        field: Option<String>,
        /// What is wrong, and how to fix it.
        message: String,
    },
}

fn describe(path: &Path, position: Option<Position>, field: Option<&str>, message: &str) -> String {
    let mut out = path.display().to_string();
    if let Some(Position { line, column }) = position {
        let _ = write!(out, ":{line}:{column}");
    }
    out.push_str(": ");
    if let Some(field) = field {
        let _ = write!(out, "{field}: ");
    }
    out.push_str(message);
    out
}

/// The text being read, for turning byte spans into positions and field paths.
pub(super) struct Source<'a> {
    pub(super) text: &'a str,
    pub(super) path: &'a Path,
}

impl Source<'_> {
    pub(super) fn error(
        &self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> BusinessError {
        let position = span.as_ref().map(|span| position(self.text, span.start));
        let field = span.and_then(|span| field_at(self.text, span.start));
        BusinessError::Invalid {
            path: self.path.to_path_buf(),
            position,
            field,
            message: message.into(),
        }
    }

    pub(super) fn at<T>(&self, spanned: &Spanned<T>, message: impl Into<String>) -> BusinessError {
        self.error(Some(spanned.span()), message)
    }
}

fn position(text: &str, offset: usize) -> Position {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Position { line, column }
}

/// The path (`locations[1].hours.friday[1]`) of the smallest key or value covering
/// `offset`. Tables defined by a `[header]` carry only the header's span, so "covering" is
/// judged on every key and value rather than by descending through tables.
fn field_at(text: &str, offset: usize) -> Option<String> {
    let table = DeTable::parse(text).ok()?;
    let mut best: Option<(usize, String)> = None;
    let mut consider = |path: &str, span: Range<usize>| {
        // Children come after their parents: on equal length the deeper path wins.
        if span.contains(&offset) && best.as_ref().is_none_or(|(len, _)| span.len() <= *len) {
            best = Some((span.len(), path.to_string()));
        }
    };
    visit_table(table.get_ref(), "", &mut consider);
    best.map(|(_, path)| path)
}

fn visit_table(table: &DeTable<'_>, prefix: &str, consider: &mut impl FnMut(&str, Range<usize>)) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        consider(&path, key.span());
        consider(&path, value.span());
        visit_value(value.get_ref(), &path, consider);
    }
}

fn visit_value(value: &DeValue<'_>, path: &str, consider: &mut impl FnMut(&str, Range<usize>)) {
    match value {
        DeValue::Table(table) => visit_table(table, path, consider),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("{path}[{i}]");
                consider(&path, item.span());
                visit_value(item.get_ref(), &path, consider);
            }
        }
        _ => {}
    }
}
