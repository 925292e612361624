//! Turning records into chunks: one per product or FAQ entry, long sections split under the
//! token limit, stable ids and hashes, locale detection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charla_knowledge::chunk::{self, Chunker};
use charla_knowledge::source::{self, SourceFile};
use charla_knowledge::{Chunk, ChunkId, Kind, Record};
use serde_json::{Map, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

fn chunks_of(file: &SourceFile, kind: Kind, chunker: &Chunker) -> Vec<Chunk> {
    let parsed = source::parse(file, kind).unwrap();
    parsed
        .records
        .iter()
        .flat_map(|record| chunker.chunk(file, kind, record))
        .collect()
}

fn fixture_chunks(relative: &str, kind: Kind) -> Vec<Chunk> {
    let file = SourceFile::from_path(&data(relative)).unwrap();
    chunks_of(&file, kind, &Chunker::default())
}

fn written(dir: &Path, name: &str, content: &str) -> SourceFile {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    SourceFile::from_path(&path).unwrap()
}

fn policy_record(text: String) -> Record {
    Record {
        kind: Kind::Policy,
        key: "Returns > Conditions#1".into(),
        line: 1,
        title: "Returns > Conditions".into(),
        text,
        fields: Map::new(),
    }
}

/// About 1,500 tokens of English policy text in paragraphs and a list.
fn long_policy_text() -> String {
    let mut text = String::new();
    for n in 1..=30 {
        text.push_str(&format!(
            "Condition {n}: items must be returned unused, with every label attached, in the original box, \
             together with the receipt or the order number, within thirty days of delivery to the address given.\n\n"
        ));
        if n % 10 == 0 {
            text.push_str(
                "- Keep the receipt.\n- Use a tracked service.\n- Tell us by WhatsApp first.\n\n",
            );
        }
    }
    text
}

#[test]
fn faq_markdown_questions_become_one_chunk_each() {
    let chunks = fixture_chunks("faq/faq.md", Kind::Faq);
    let titles: Vec<&str> = chunks.iter().map(|chunk| chunk.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "How long does delivery take?",
            "Can I track my order?",
            "Which payment methods do you accept?"
        ]
    );
    for chunk in &chunks {
        assert_eq!(chunk.kind, Kind::Faq);
        assert_eq!(chunk.source, "faq.md");
        assert_eq!(chunk.origin, data("faq/faq.md").to_string_lossy());
        assert_eq!(chunk.id, ChunkId::derive("faq.md", &chunk.title, 0));
        assert_eq!(chunk.locale, "en", "{}", chunk.text);
        assert!(chunk.fields.get("part").is_none());
        assert_eq!(
            chunk.embedding_text(),
            chunk.text,
            "the question already opens the text"
        );
    }
}

#[test]
fn product_is_one_chunk_with_its_fields_and_language() {
    let chunks = fixture_chunks("catalog/productos.csv", Kind::Catalog);
    assert_eq!(chunks.len(), 3);
    let shoe = &chunks[0];
    assert_eq!(shoe.id, ChunkId::derive("productos.csv", "ZT-001", 0));
    assert_eq!(shoe.title, "Zapatillas trail Aneto");
    assert_eq!(shoe.locale, "es", "{}", shoe.text);
    assert_eq!(shoe.price(), Some(89.95));
    assert_eq!(shoe.in_stock(), Some(true));
    assert_eq!(shoe.category(), Some("calzado"));
    assert_eq!(chunks[1].in_stock(), Some(false));
}

#[test]
fn spanish_faq_entries_are_detected_as_spanish() {
    let chunks = fixture_chunks("faq/preguntas.csv", Kind::Faq);
    let locales: Vec<&str> = chunks.iter().map(|chunk| chunk.locale.as_str()).collect();
    assert_eq!(locales, vec!["es", "es"]);
}

#[test]
fn text_too_short_to_tell_its_language_is_und() {
    let dir = tempfile::tempdir().unwrap();
    let file = written(dir.path(), "p.csv", "sku,name,price\nX9,Kit 42,10\n");
    let chunks = chunks_of(&file, Kind::Catalog, &Chunker::default());
    assert_eq!(chunks[0].locale, chunk::UNKNOWN_LOCALE);
}

#[test]
fn long_policy_section_is_split_under_the_token_limit() {
    let chunker = Chunker::new(128);
    let file = SourceFile::from_path(Path::new("/k/returns.md")).unwrap();
    let record = policy_record(long_policy_text());
    assert!(chunker.count_tokens(&record.text) > 1000);
    let chunks = chunker.chunk(&file, Kind::Policy, &record);
    assert!(chunks.len() >= 8, "{} chunks", chunks.len());
    for (index, chunk) in chunks.iter().enumerate() {
        let tokens = chunker.count_tokens(&chunk.embedding_text());
        assert!(tokens <= 128, "part {index} has {tokens} tokens");
        assert_eq!(chunk.title, "Returns > Conditions");
        assert_eq!(
            chunk.id,
            ChunkId::derive("returns.md", "Returns > Conditions#1", index)
        );
        assert_eq!(chunk.fields.get("part"), Some(&json!(index + 1)));
        assert_eq!(chunk.fields.get("parts"), Some(&json!(chunks.len())));
        assert_eq!(chunk.locale, "en");
    }
    // Nothing is lost: every condition appears in some part.
    let joined: String = chunks
        .iter()
        .map(|chunk| chunk.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for n in 1..=30 {
        assert!(
            joined.contains(&format!("Condition {n}:")),
            "condition {n} lost"
        );
    }
    // Markdown-aware: no part starts in the middle of a list item's words.
    assert!(
        chunks
            .iter()
            .all(|chunk| !chunk.text.starts_with("the receipt"))
    );
}

#[test]
fn long_product_description_is_split_and_every_part_keeps_the_product_fields() {
    let chunker = Chunker::new(64);
    let dir = tempfile::tempdir().unwrap();
    let description = "A warm, waterproof jacket for long days in the mountains. ".repeat(20);
    let file = written(
        dir.path(),
        "p.csv",
        &format!("sku,name,description,price\nJ-1,Storm jacket,\"{description}\",120\n"),
    );
    let chunks = chunks_of(&file, Kind::Catalog, &chunker);
    assert!(chunks.len() > 1);
    for chunk in &chunks {
        assert!(chunker.count_tokens(&chunk.embedding_text()) <= 64);
        assert_eq!(chunk.fields.get("sku"), Some(&json!("J-1")));
        assert_eq!(chunk.price(), Some(120.0));
    }
}

#[test]
fn chunk_ids_and_hashes_are_stable_across_runs() {
    let first = fixture_chunks("policies/returns.md", Kind::Policy);
    let again = fixture_chunks("policies/returns.md", Kind::Policy);
    assert_eq!(first, again);
    // Pinned values: a change here means every business re-embeds everything on upgrade.
    let file = SourceFile::from_path(Path::new("/k/faq.md")).unwrap();
    let record = Record {
        kind: Kind::Faq,
        key: "Do you ship to Italy?".into(),
        line: 1,
        title: "Do you ship to Italy?".into(),
        text: "Do you ship to Italy?\n\nYes, in four working days.".into(),
        fields: Map::from_iter([("category".to_string(), json!("shipping"))]),
    };
    let chunk = &Chunker::default().chunk(&file, Kind::Faq, &record)[0];
    assert_eq!(
        chunk.id.to_string(),
        ChunkId::derive("faq.md", "Do you ship to Italy?", 0).to_string()
    );
    assert_eq!(chunk.id.to_string(), PINNED_ID);
    assert_eq!(chunk.locale, "en");
    assert_eq!(chunk.hash, PINNED_HASH);
    assert_eq!(chunk.hash, chunk::content_hash(chunk));
}

const PINNED_ID: &str = "e3ae3505-d509-5f38-9cf1-4182f945d1e8";
// Changes only with the indexed form (`INDEXED_FORM` in src/chunk.rs), on purpose.
const PINNED_HASH: &str = "534e542a2128ffb6694f906bbe75d9717359f8348f81670b2084f94fd2dd54fd";

#[test]
fn reordering_catalog_rows_and_columns_keeps_ids_and_hashes() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let original = written(
        one.path(),
        "products.csv",
        "sku,name,price,colour,brand\nA,Red cotton t-shirt,10,red,Acme\nB,Blue wool jumper,30,blue,Acme\nC,Green linen shirt,25,green,Lino\n",
    );
    let reordered = written(
        two.path(),
        "products.csv",
        "brand,colour,price,name,sku\nLino,green,25,Green linen shirt,C\nAcme,red,10,Red cotton t-shirt,A\nAcme,blue,30,Blue wool jumper,B\n",
    );
    let by_id = |file: &SourceFile| -> BTreeMap<ChunkId, String> {
        chunks_of(file, Kind::Catalog, &Chunker::default())
            .into_iter()
            .map(|chunk| (chunk.id, chunk.hash))
            .collect()
    };
    let before = by_id(&original);
    assert_eq!(before.len(), 3);
    let after = by_id(&reordered);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    // Same content in another order: nothing needs embedding again.
    assert_eq!(before, after);
}

#[test]
fn changing_a_price_changes_only_that_products_hash() {
    let dir = tempfile::tempdir().unwrap();
    let before = chunks_of(
        &written(dir.path(), "p.csv", "sku,name,price\nA,Tee,10\nB,Cap,5\n"),
        Kind::Catalog,
        &Chunker::default(),
    );
    let after = chunks_of(
        &written(dir.path(), "p.csv", "sku,name,price\nA,Tee,12\nB,Cap,5\n"),
        Kind::Catalog,
        &Chunker::default(),
    );
    assert_eq!(before[0].id, after[0].id);
    assert_ne!(before[0].hash, after[0].hash);
    assert_eq!(before[1], after[1]);
}

#[test]
fn record_with_neither_title_nor_text_makes_no_chunk() {
    let file = SourceFile::from_path(Path::new("/k/x.md")).unwrap();
    let mut record = policy_record(String::new());
    record.title = "  ".into();
    assert!(
        Chunker::default()
            .chunk(&file, Kind::Policy, &record)
            .is_empty()
    );
}
