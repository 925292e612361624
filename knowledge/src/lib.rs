//! charla-knowledge: everything a business's catalog, FAQs and policies go through to be found
//! again, fast and in the customer's language.
//!
//! - [`record`]: the units of knowledge ([`Record`], [`Chunk`], [`Kind`]).
//! - [`source`]: reading catalogs, FAQs and policies from files, with line-precise rejections.
//! - [`chunk`]: splitting records into token-sized chunks, with locale and content hash.
//! - [`locale`]: language detection.
//! - [`embed`]: the [`Embedder`] seam (local candle model, OpenAI-compatible endpoint, and a
//!   cache on disk in front of either).
//! - [`index`]: the [`VectorIndex`] seam (qdrant-edge in process, Qdrant server).
//! - [`ingest`]: the idempotent ingest pipeline (add, update, unchanged, delete, reject).
//! - [`search`]: hybrid retrieval for people and tools.

pub mod chunk;
pub mod embed;
pub mod index;
pub mod ingest;
pub mod locale;
pub mod record;
pub mod search;
pub mod source;

pub use embed::{CachedEmbedder, EmbedError, EmbedRole, Embedder};
pub use index::{IndexError, VectorIndex};
pub use record::{Chunk, ChunkId, Kind, Record};
