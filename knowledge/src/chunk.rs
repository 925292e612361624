//! Splitting [`Record`]s into [`Chunk`]s that fit an embedding model, counted in tokens with
//! tiktoken's `cl100k_base`; each chunk gets a deterministic id, a locale and a content hash.
//!
//! A product or an FAQ entry is one chunk unless its title and text together exceed the token
//! limit; a longer record is split with text-splitter (Markdown-aware for FAQs and policies),
//! leaving room in every part for the title, which [`Chunk::embedding_text`] puts in front.

use crate::locale;
use crate::record::{Chunk, ChunkId, Kind, Record};
use crate::source::SourceFile;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use text_splitter::{ChunkConfig, MarkdownSplitter, TextSplitter};
use tiktoken_rs::CoreBPE;

/// The default size limit of a chunk, in `cl100k_base` tokens: small enough for the usual
/// embedding models' windows (often 512 tokens of their own tokenizer), large enough to keep an
/// FAQ answer or a policy paragraph whole.
pub const DEFAULT_MAX_TOKENS: usize = 384;

/// The smallest limit accepted: below it every sentence would be cut.
pub const MIN_MAX_TOKENS: usize = 16;

/// The locale stored when the language cannot be told.
pub const UNKNOWN_LOCALE: &str = "und";

/// Splits records into chunks of at most `max_tokens` tokens.
#[derive(Clone)]
pub struct Chunker {
    max_tokens: usize,
    tokenizer: &'static CoreBPE,
}

impl Chunker {
    /// A chunker for chunks of at most `max_tokens` tokens (raised to [`MIN_MAX_TOKENS`]).
    ///
    /// The tokenizer is built once per process (it takes a noticeable fraction of a second) and
    /// shared by every chunker.
    pub fn new(max_tokens: usize) -> Self {
        Chunker {
            max_tokens: max_tokens.max(MIN_MAX_TOKENS),
            tokenizer: tiktoken_rs::cl100k_base_singleton(),
        }
    }

    /// The size limit of a chunk, in tokens.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// The number of `cl100k_base` tokens in `text`.
    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenizer.encode_ordinary(text).len()
    }

    /// The chunks of `record`, read from `file` as `kind`, in order. Empty only for a record
    /// with neither title nor text.
    pub fn chunk(&self, file: &SourceFile, kind: Kind, record: &Record) -> Vec<Chunk> {
        if record.title.trim().is_empty() && record.text.trim().is_empty() {
            return Vec::new();
        }
        let locale =
            locale::detect(&format!("{}\n{}", record.title, record.text)).unwrap_or(UNKNOWN_LOCALE);
        let whole = self.build(file, kind, record, record.text.clone(), locale, 0, 1);
        if self.count_tokens(&whole.embedding_text()) <= self.max_tokens {
            return vec![whole];
        }
        let parts = self.split(kind, &record.title, &record.text);
        let count = parts.len();
        parts
            .into_iter()
            .enumerate()
            .map(|(index, text)| self.build(file, kind, record, text, locale, index, count))
            .collect()
    }

    /// Splits `text` so that each part, with the title in front, stays within the limit.
    fn split(&self, kind: Kind, title: &str, text: &str) -> Vec<String> {
        let title_tokens = self.count_tokens(title) + 1;
        // A title that would eat most of the budget is not worth starving the text for.
        let budget = self
            .max_tokens
            .saturating_sub(title_tokens)
            .max(self.max_tokens / 2);
        let config = ChunkConfig::new(budget).with_sizer(self.tokenizer);
        let parts: Vec<String> = match kind {
            Kind::Catalog => TextSplitter::new(config)
                .chunks(text)
                .map(str::to_string)
                .collect(),
            Kind::Faq | Kind::Policy => MarkdownSplitter::new(config)
                .chunks(text)
                .map(str::to_string)
                .collect(),
        };
        if parts.is_empty() {
            vec![text.to_string()]
        } else {
            parts
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        file: &SourceFile,
        kind: Kind,
        record: &Record,
        text: String,
        locale: &str,
        part: usize,
        parts: usize,
    ) -> Chunk {
        let mut fields = record.fields.clone();
        if parts > 1 {
            fields.insert("part".into(), Value::from(part + 1));
            fields.insert("parts".into(), Value::from(parts));
        }
        let mut chunk = Chunk {
            id: ChunkId::derive(&file.name, &record.key, part),
            kind,
            source: file.name.clone(),
            origin: file.path.to_string_lossy().into_owned(),
            title: record.title.clone(),
            text,
            locale: locale.to_string(),
            fields,
            hash: String::new(),
        };
        chunk.hash = content_hash(&chunk);
        chunk
    }
}

impl Default for Chunker {
    fn default() -> Self {
        Chunker::new(DEFAULT_MAX_TOKENS)
    }
}

impl fmt::Debug for Chunker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chunker")
            .field("max_tokens", &self.max_tokens)
            .field("tokenizer", &"cl100k_base")
            .finish()
    }
}

/// What the index derives from a chunk, versioned: bumping it changes every hash, so the next
/// ingest rewrites the chunks indexed the old way (2: BM25 also indexes a product's SKU).
const INDEXED_FORM: &str = "2";

/// The hex SHA-256 of what the index stores for `chunk`: kind, source, title, text, locale
/// and fields (objects with sorted keys, so column order does not matter), and the
/// [`INDEXED_FORM`]. The id and the origin path are not part of it: moving the knowledge
/// folder re-embeds nothing.
pub fn content_hash(chunk: &Chunk) -> String {
    let mut fields = String::new();
    canonical_json(&Value::Object(chunk.fields.clone()), &mut fields);
    let mut hasher = Sha256::new();
    for part in [
        INDEXED_FORM,
        chunk.kind.as_str(),
        &chunk.source,
        &chunk.title,
        &chunk.text,
        &chunk.locale,
        &fields,
    ] {
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// JSON with object keys sorted at every depth, whatever order the map keeps them in.
fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(&String, &Value)> = object.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, value)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let a = json!({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": "é\""}});
        let mut out = String::new();
        canonical_json(&a, &mut out);
        assert_eq!(out, r#"{"a":{"x":"é\"","y":[1,{"c":3,"d":2}]},"b":1}"#);
    }

    #[test]
    fn tiny_limits_are_raised() {
        assert_eq!(Chunker::new(0).max_tokens(), MIN_MAX_TOKENS);
        assert_eq!(Chunker::default().max_tokens(), DEFAULT_MAX_TOKENS);
    }
}
