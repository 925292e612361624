//! The payload stored with every point, shared by both backends: the whole [`Chunk`] (so a hit
//! rebuilds it without another lookup) plus top-level copies of the filtered fields in the
//! shape the payload indexes expect (category lowercased, price as a number, stock as a bool).

use crate::index::{IndexError, StoredChunk};
use crate::record::{Chunk, ChunkId};
use serde_json::{Map, Value};

/// Payload key of the chunk kind (keyword index).
pub(crate) const KIND: &str = "kind";
/// Payload key of the lowercased category (keyword index).
pub(crate) const CATEGORY: &str = "category";
/// Payload key of the chunk locale (keyword index).
pub(crate) const LOCALE: &str = "locale";
/// Payload key of the source name (keyword index).
pub(crate) const SOURCE: &str = "source";
/// Payload key of the source path (keyword index).
pub(crate) const ORIGIN: &str = "origin";
/// Payload key of the price (float index).
pub(crate) const PRICE: &str = "price";
/// Payload key of the stock flag (bool index).
pub(crate) const IN_STOCK: &str = "in_stock";
/// Payload key of the content hash.
pub(crate) const HASH: &str = "hash";

/// Fields filtered by exact keyword.
pub(crate) const KEYWORD_FIELDS: [&str; 5] = [KIND, CATEGORY, LOCALE, SOURCE, ORIGIN];
/// Fields filtered by numeric range.
pub(crate) const FLOAT_FIELDS: [&str; 1] = [PRICE];
/// Fields filtered by boolean match.
pub(crate) const BOOL_FIELDS: [&str; 1] = [IN_STOCK];
/// What [`crate::index::IndexWriter::stored`] reads of each point.
pub(crate) const STORED_FIELDS: [&str; 3] = [SOURCE, ORIGIN, HASH];

/// The payload of `chunk`.
pub(crate) fn chunk_payload(chunk: &Chunk) -> Result<Map<String, Value>, IndexError> {
    let mut payload = match serde_json::to_value(chunk) {
        Ok(Value::Object(map)) => map,
        Ok(other) => {
            return Err(IndexError::Invalid(format!(
                "chunk {} did not serialise to an object: {other}",
                chunk.id
            )));
        }
        Err(err) => {
            return Err(IndexError::Invalid(format!(
                "chunk {} cannot be serialised: {err}",
                chunk.id
            )));
        }
    };
    if let Some(category) = chunk.category() {
        payload.insert(CATEGORY.to_owned(), Value::String(category.to_lowercase()));
    }
    // A NaN or infinite price cannot be a JSON number: such a chunk is simply not price-filterable.
    if let Some(price) = chunk.price().and_then(serde_json::Number::from_f64) {
        payload.insert(PRICE.to_owned(), Value::Number(price));
    }
    if let Some(in_stock) = chunk.in_stock() {
        payload.insert(IN_STOCK.to_owned(), Value::Bool(in_stock));
    }
    Ok(payload)
}

/// Rebuilds the chunk stored in `payload`; the top-level filter copies are ignored.
pub(crate) fn chunk_from_payload(payload: Map<String, Value>) -> Result<Chunk, IndexError> {
    serde_json::from_value(Value::Object(payload))
        .map_err(|err| IndexError::Engine(format!("a stored point is not a charla chunk: {err}")))
}

/// The [`StoredChunk`] of point `id` from a payload holding at least [`STORED_FIELDS`].
pub(crate) fn stored_from_payload(id: ChunkId, payload: &Map<String, Value>) -> StoredChunk {
    let text = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    StoredChunk {
        id,
        source: text(SOURCE),
        origin: text(ORIGIN),
        hash: text(HASH),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::record::Kind;
    use serde_json::json;

    fn product() -> Chunk {
        let fields = json!({ "sku": "B-1", "category": "Boots", "price": 89.5, "in_stock": true });
        Chunk {
            id: ChunkId::derive("catalog.csv", "B-1", 0),
            kind: Kind::Catalog,
            source: "catalog.csv".into(),
            origin: "/data/catalog.csv".into(),
            title: "Trail boots".into(),
            text: "Waterproof leather trail boots".into(),
            locale: "en".into(),
            fields: fields.as_object().cloned().unwrap(),
            hash: "abc".into(),
        }
    }

    #[test]
    fn payload_round_trips_the_chunk_and_exposes_filter_fields() {
        let chunk = product();
        let payload = chunk_payload(&chunk).unwrap();
        assert_eq!(payload[CATEGORY], json!("boots"));
        assert_eq!(payload[PRICE], json!(89.5));
        assert_eq!(payload[IN_STOCK], json!(true));
        assert_eq!(payload[KIND], json!("catalog"));
        assert_eq!(chunk_from_payload(payload).unwrap(), chunk);
    }

    #[test]
    fn chunk_without_product_fields_has_no_filter_copies() {
        let mut chunk = product();
        chunk.fields.clear();
        let payload = chunk_payload(&chunk).unwrap();
        assert!(
            !payload.contains_key(CATEGORY)
                && !payload.contains_key(PRICE)
                && !payload.contains_key(IN_STOCK)
        );
    }
}
