//! The units of knowledge: a [`Record`] parsed from a source, a [`Chunk`] ready for the index.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// What a piece of knowledge is: decides how its file is parsed and how it is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A product of the catalog (one record per product).
    Catalog,
    /// A question with its answer.
    Faq,
    /// A policy document (returns, shipping, privacy...), split by its sections.
    Policy,
}

impl Kind {
    /// All kinds, in a stable order.
    pub const ALL: [Kind; 3] = [Kind::Catalog, Kind::Faq, Kind::Policy];

    /// The lowercase name used in payloads, filters and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Catalog => "catalog",
            Kind::Faq => "faq",
            Kind::Policy => "policy",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Kind`] from text.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown kind `{0}`: expected catalog, faq or policy")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "catalog" | "catalogue" | "products" | "product" => Ok(Kind::Catalog),
            "faq" | "faqs" => Ok(Kind::Faq),
            "policy" | "policies" => Ok(Kind::Policy),
            other => Err(UnknownKind(other.to_string())),
        }
    }
}

/// One logical entry of a source file, before chunking: a product, an FAQ entry, or a policy
/// section.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// What the record is.
    pub kind: Kind,
    /// A key unique within its source and stable across edits of *other* records: the SKU of a
    /// product, the id of an FAQ entry that has one (else its question), the heading path of a
    /// policy section. Point ids derive from it, so reordering a file re-embeds nothing.
    pub key: String,
    /// The 1-based line where the record starts in its file (for messages).
    pub line: usize,
    /// Product name, FAQ question or section heading.
    pub title: String,
    /// The text to embed and show (Markdown allowed).
    pub text: String,
    /// Structured fields: `sku`, `price`, `currency`, `stock`, `category`, `url`, ... and every
    /// other column the source had.
    pub fields: Map<String, Value>,
}

/// A piece of a record, ready to be embedded and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Deterministic id from source, record key and part number.
    pub id: ChunkId,
    /// What the chunk is.
    pub kind: Kind,
    /// The source's name as the user knows it (the file name, relative to the ingested folder).
    pub source: String,
    /// The source file's absolute path, used to find chunks of files that were removed.
    pub origin: String,
    /// Product name, FAQ question or section heading.
    pub title: String,
    /// The chunk's text.
    pub text: String,
    /// Detected language (ISO 639-1, e.g. `en`, `es`), or `und` when unknown.
    pub locale: String,
    /// The record's structured fields.
    pub fields: Map<String, Value>,
    /// Hash of everything that goes into the index for this chunk (hex SHA-256): equal hashes
    /// mean nothing needs embedding again.
    pub hash: String,
}

impl Chunk {
    /// The text given to the embedder and to BM25: the title carries meaning too.
    pub fn embedding_text(&self) -> String {
        if self.text.starts_with(&self.title) || self.title.is_empty() {
            self.text.clone()
        } else {
            format!("{}\n{}", self.title, self.text)
        }
    }

    /// The text given to BM25: [`Chunk::embedding_text`] plus the record's identifiers (a
    /// product's `sku`) when the text does not already hold them. A customer, an operator or
    /// another agent who types a SKU expects its product; the embedding model gets no such
    /// codes, whose tokens would only blur the meaning of the text.
    pub fn keyword_text(&self) -> String {
        let text = self.embedding_text();
        match self.fields.get("sku").and_then(Value::as_str) {
            Some(sku) if !sku.trim().is_empty() && !text.contains(sku) => {
                format!(
                    "{text}
{sku}"
                )
            }
            _ => text,
        }
    }

    /// The product category, if the record has one.
    pub fn category(&self) -> Option<&str> {
        self.fields.get("category").and_then(Value::as_str)
    }

    /// The price as a number, if the record has one.
    pub fn price(&self) -> Option<f64> {
        self.fields.get("price").and_then(Value::as_f64)
    }

    /// Whether the product is in stock: a positive `stock` or an `availability` that says so.
    pub fn in_stock(&self) -> Option<bool> {
        self.fields.get("in_stock").and_then(Value::as_bool)
    }
}

/// A chunk's id: a UUID (v5) derived from what identifies it, so re-ingesting yields the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChunkId(pub uuid::Uuid);

impl ChunkId {
    /// The id of part `part` of the record `key` in `source`.
    pub fn derive(source: &str, key: &str, part: usize) -> Self {
        const NAMESPACE: uuid::Uuid =
            uuid::Uuid::from_u128(0x6368_6172_6c61_4b6e_6f77_6c65_6467_6531);
        let name = format!("{source}\u{0}{key}\u{0}{part}");
        ChunkId(uuid::Uuid::new_v5(&NAMESPACE, name.as_bytes()))
    }
}

impl fmt::Display for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_ids_are_stable_and_distinct() {
        let a = ChunkId::derive("faq.md", "How long is shipping?", 0);
        assert_eq!(a, ChunkId::derive("faq.md", "How long is shipping?", 0));
        assert_ne!(a, ChunkId::derive("faq.md", "How long is shipping?", 1));
        assert_ne!(a, ChunkId::derive("other.md", "How long is shipping?", 0));
    }

    #[test]
    fn kinds_parse_from_user_spellings() {
        assert_eq!("FAQs".parse::<Kind>().ok(), Some(Kind::Faq));
        assert_eq!("catalogue".parse::<Kind>().ok(), Some(Kind::Catalog));
        assert!("manual".parse::<Kind>().is_err());
    }
}
