//! Reading catalogs, FAQs and policies from files, good and broken, through the public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charla_knowledge::source::{self, Parsed, SourceError, SourceFile};
use charla_knowledge::{ChunkId, Kind, Record};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

fn file(relative: &str) -> SourceFile {
    SourceFile::from_path(&data(relative)).unwrap()
}

fn parse(relative: &str, kind: Kind) -> Parsed {
    source::parse(&file(relative), kind).unwrap_or_else(|error| panic!("{relative}: {error}"))
}

fn keys(parsed: &Parsed) -> Vec<&str> {
    parsed
        .records
        .iter()
        .map(|record| record.key.as_str())
        .collect()
}

fn rejections(parsed: &Parsed) -> Vec<(usize, String)> {
    parsed
        .rejected
        .iter()
        .map(|rejection| (rejection.line, rejection.reason.clone()))
        .collect()
}

fn record<'a>(parsed: &'a Parsed, key: &str) -> &'a Record {
    parsed
        .records
        .iter()
        .find(|record| record.key == key)
        .unwrap_or_else(|| panic!("no record {key} in {:?}", keys(parsed)))
}

fn written(dir: &Path, name: &str, content: &[u8]) -> SourceFile {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, content).unwrap();
    SourceFile::from_path(&path).unwrap()
}

// --- catalogs ---------------------------------------------------------------------------------

#[test]
fn catalog_csv_spanish_columns_are_recognised_and_normalised() {
    let parsed = parse("catalog/productos.csv", Kind::Catalog);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(keys(&parsed), vec!["ZT-001", "ZT-002", "MO-010"]);
    let shoe = record(&parsed, "ZT-001");
    assert_eq!(shoe.title, "Zapatillas trail Aneto");
    assert_eq!(shoe.line, 2);
    assert_eq!(
        Value::Object(shoe.fields.clone()),
        json!({
            "sku": "ZT-001", "name": "Zapatillas trail Aneto", "price": 89.95, "currency": "EUR",
            "stock": 12, "in_stock": true, "category": "calzado",
            "url": "https://tienda.example/zt-001", "image": "https://tienda.example/img/zt-001.jpg",
            "marca": "Pirineo"
        })
    );
    assert!(
        shoe.text
            .starts_with("Zapatillas trail Aneto\nZapatillas de montaña"),
        "{}",
        shoe.text
    );
    assert!(
        shoe.text.contains("Category: calzado") && shoe.text.contains("Price: 89.95 EUR"),
        "{}",
        shoe.text
    );
    let sold_out = record(&parsed, "ZT-002");
    assert_eq!(sold_out.fields.get("in_stock"), Some(&json!(false)));
    assert_eq!(
        record(&parsed, "MO-010").fields.get("price"),
        Some(&json!(1049.0))
    );
}

#[test]
fn catalog_csv_bad_price_is_rejected_with_its_line_and_the_rest_is_kept() {
    let parsed = parse("broken/catalog_bad_rows.csv", Kind::Catalog);
    assert_eq!(keys(&parsed), vec!["A-1", "A-3", "A-5"]);
    let rejected = rejections(&parsed);
    assert_eq!(rejected[0], (3, "price `abc` is not a number".to_string()));
}

#[test]
fn catalog_row_without_sku_or_name_is_rejected_with_its_line() {
    let parsed = parse("broken/catalog_bad_rows.csv", Kind::Catalog);
    let (line, reason) = &rejections(&parsed)[1];
    assert_eq!(*line, 4);
    assert!(reason.contains("neither a sku nor a name"), "{reason}");
}

#[test]
fn catalog_duplicate_sku_is_rejected_and_the_first_is_kept() {
    let parsed = parse("broken/catalog_bad_rows.csv", Kind::Catalog);
    assert_eq!(
        rejections(&parsed)[2],
        (6, "duplicate sku `A-1` (first on line 2)".to_string())
    );
    assert_eq!(record(&parsed, "A-1").title, "Trail shoe");
}

#[test]
fn catalog_row_with_an_unquoted_decimal_comma_is_rejected_with_a_hint() {
    let parsed = parse("broken/catalog_bad_rows.csv", Kind::Catalog);
    let (line, reason) = &rejections(&parsed)[3];
    assert_eq!(*line, 7);
    assert!(
        reason.contains("5 values but the header has 4 columns")
            && reason.contains("double quotes"),
        "{reason}"
    );
    assert_eq!(parsed.rejected.len(), 4);
}

#[test]
fn catalog_row_without_price_or_stock_is_kept_without_them() {
    let parsed = parse("broken/catalog_bad_rows.csv", Kind::Catalog);
    let beanie = record(&parsed, "A-5");
    assert_eq!(beanie.fields.get("price"), None);
    assert_eq!(beanie.fields.get("in_stock"), None);
}

#[test]
fn catalog_json_object_with_products_is_read_with_item_lines() {
    let parsed = parse("catalog/products.json", Kind::Catalog);
    assert_eq!(keys(&parsed), vec!["101", "103"]);
    let shoe = record(&parsed, "101");
    assert_eq!(shoe.line, 4);
    assert_eq!(shoe.title, "Trail running shoe");
    assert_eq!(
        Value::Object(shoe.fields.clone()),
        json!({
            "sku": "101", "name": "Trail running shoe", "price": 89.95, "currency": "EUR",
            "in_stock": true, "availability": "in stock", "category": "shoes",
            "image": "https://shop.example/101.jpg", "colour": "red"
        })
    );
    let socks = record(&parsed, "103");
    assert_eq!(socks.fields.get("currency"), Some(&json!("USD")));
    assert_eq!(socks.fields.get("in_stock"), Some(&json!(false)));
}

#[test]
fn catalog_json_item_with_bad_price_is_rejected_on_the_line_it_starts() {
    let parsed = parse("catalog/products.json", Kind::Catalog);
    assert_eq!(
        rejections(&parsed),
        vec![(14, "price `call us` is not a number".to_string())]
    );
}

#[test]
fn catalog_jsonl_invalid_line_is_rejected_and_the_rest_is_kept() {
    let parsed = parse("catalog/products.jsonl", Kind::Catalog);
    assert_eq!(keys(&parsed), vec!["CAP-1", "CAP-2", "CAP-4"]);
    let rejected = rejections(&parsed);
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0].0, 4);
    assert!(
        rejected[0].1.starts_with("invalid JSON at column"),
        "{}",
        rejected[0].1
    );
    assert_eq!(rejected[1], (5, "line is not a JSON object".to_string()));
    let cap = record(&parsed, "CAP-1");
    assert_eq!(cap.fields.get("stock"), Some(&json!(5)));
    assert_eq!(cap.fields.get("currency"), Some(&json!("EUR")));
    assert_eq!(
        record(&parsed, "CAP-2").fields.get("in_stock"),
        Some(&json!(false))
    );
    assert_eq!(record(&parsed, "CAP-4").line, 6);
}

#[test]
fn invalid_json_catalog_is_one_rejection_naming_line_and_column() {
    let parsed = parse("broken/catalog_invalid.json", Kind::Catalog);
    assert!(parsed.records.is_empty());
    let rejection = &parsed.rejected[0];
    assert_eq!(parsed.rejected.len(), 1);
    assert_eq!(rejection.line, 3);
    assert!(
        rejection
            .reason
            .starts_with("invalid JSON at column 35: expected `,` or `}`"),
        "{}",
        rejection.reason
    );
    assert_eq!(
        rejection.to_string(),
        format!("catalog_invalid.json:3: {}", rejection.reason)
    );
}

#[test]
fn catalog_csv_saved_as_windows_1252_is_read() {
    let parsed = parse("broken/catalog_windows1252.csv", Kind::Catalog);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(record(&parsed, "W-1").title, "Café con leche");
    assert_eq!(record(&parsed, "W-2").title, "Crème brûlée €");
    assert_eq!(
        record(&parsed, "W-1").fields.get("price"),
        Some(&json!(2.5))
    );
}

#[test]
fn catalog_in_markdown_is_an_unsupported_format_naming_the_file() {
    let error = source::parse(&file("faq/faq.md"), Kind::Catalog).unwrap_err();
    assert!(matches!(error, SourceError::UnsupportedFormat { .. }));
    let message = error.to_string();
    assert!(
        message.starts_with("faq.md: .md files cannot be read as catalog"),
        "{message}"
    );
}

#[test]
fn empty_catalog_files_have_no_records_and_no_rejections() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["empty.csv", "empty.json", "empty.jsonl"] {
        let parsed = source::parse(&written(dir.path(), name, b""), Kind::Catalog).unwrap();
        assert_eq!(parsed, Parsed::default(), "{name}");
    }
}

// --- FAQs -------------------------------------------------------------------------------------

#[test]
fn faq_markdown_question_headings_become_entries_with_their_category() {
    let parsed = parse("faq/faq.md", Kind::Faq);
    assert_eq!(
        keys(&parsed),
        vec![
            "How long does delivery take?",
            "Can I track my order?",
            "Which payment methods do you accept?"
        ]
    );
    let delivery = record(&parsed, "How long does delivery take?");
    assert_eq!(delivery.title, "How long does delivery take?");
    assert_eq!(delivery.line, 7);
    assert_eq!(delivery.fields.get("category"), Some(&json!("shipping")));
    assert!(
        delivery
            .text
            .starts_with("How long does delivery take?\n\nOrders arrive"),
        "{}",
        delivery.text
    );
    assert!(
        delivery.text.contains("Balearic and Canary Islands"),
        "{}",
        delivery.text
    );
    assert!(
        !delivery.text.contains("tracking link"),
        "{}",
        delivery.text
    );
}

#[test]
fn faq_markdown_question_without_answer_is_rejected_with_its_line() {
    let parsed = parse("faq/faq.md", Kind::Faq);
    assert_eq!(
        rejections(&parsed),
        vec![(
            25,
            "question `Do you accept cash on delivery?` has an empty answer".to_string()
        )]
    );
}

#[test]
fn faq_csv_spanish_columns_are_read_and_empty_answer_rejected() {
    let parsed = parse("faq/preguntas.csv", Kind::Faq);
    assert_eq!(
        keys(&parsed),
        vec!["¿Hacen envíos a Portugal?", "¿Puedo cambiar la talla?"]
    );
    assert_eq!(
        record(&parsed, "¿Puedo cambiar la talla?")
            .fields
            .get("category"),
        Some(&json!("devoluciones"))
    );
    assert_eq!(
        rejections(&parsed),
        vec![(
            4,
            "question `¿Tienen tienda física?` has an empty answer".to_string()
        )]
    );
}

#[test]
fn faq_csv_without_answer_column_is_rejected_once() {
    let parsed = parse("broken/faq_no_answer_column.csv", Kind::Faq);
    assert!(parsed.records.is_empty());
    let rejected = rejections(&parsed);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].0, 1);
    assert!(
        rejected[0]
            .1
            .starts_with("no answer column (expected one of: answer"),
        "{}",
        rejected[0].1
    );
}

#[test]
fn faq_json_q_and_a_items_are_read_and_a_missing_answer_is_rejected_on_its_line() {
    let parsed = parse("faq/faqs.json", Kind::Faq);
    assert_eq!(
        keys(&parsed),
        vec!["Do you ship to the UK?", "Can I pick up in store?"]
    );
    assert_eq!(record(&parsed, "Can I pick up in store?").line, 5);
    assert_eq!(
        record(&parsed, "Can I pick up in store?")
            .fields
            .get("category"),
        Some(&json!("delivery"))
    );
    assert_eq!(
        rejections(&parsed),
        vec![(
            4,
            "question `Is gift wrapping available?` has an empty answer".to_string()
        )]
    );
}

#[test]
fn faq_invalid_json_is_one_rejection_naming_line_and_column() {
    let parsed = parse("broken/faq_invalid.json", Kind::Faq);
    assert!(parsed.records.is_empty());
    assert_eq!(parsed.rejected.len(), 1);
    assert_eq!(
        parsed.rejected[0].line, 3,
        "the end of the file, where the array is still open"
    );
    assert!(
        parsed.rejected[0]
            .reason
            .starts_with("invalid JSON at column"),
        "{}",
        parsed.rejected[0].reason
    );
}

#[test]
fn faq_duplicate_question_is_rejected_with_the_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let faq = written(
        dir.path(),
        "faq.md",
        b"## Do you ship?\nYes.\n\n## do you  ship?\nStill yes.\n",
    );
    let parsed = source::parse(&faq, Kind::Faq).unwrap();
    assert_eq!(keys(&parsed), vec!["Do you ship?"]);
    assert_eq!(
        rejections(&parsed),
        vec![(
            4,
            "duplicate question `do you ship?` (first on line 1)".to_string()
        )]
    );
}

#[test]
fn faq_json_items_with_ids_are_keyed_by_id_and_one_question_may_have_several_answers() {
    let dir = tempfile::tempdir().unwrap();
    let faq = written(
        dir.path(),
        "faq.json",
        br#"[
  {"id": "t0_a0", "question": "Strikethrough with GitHub Markdown", "answer": "Use ~~tildes~~."},
  {"id": "t0_a1", "question": "Strikethrough with GitHub Markdown", "answer": "Use <del>."},
  {"qid": 7, "question": "How do I delete my account?", "answer": "From the settings page."},
  {"FAQ ID": "f-9", "question": "Can I rename a repository?", "answer": "Yes, in Settings."}
]"#,
    );
    let parsed = source::parse(&faq, Kind::Faq).unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(keys(&parsed), vec!["t0_a0", "t0_a1", "7", "f-9"]);
    let ids: Vec<_> = parsed
        .records
        .iter()
        .map(|record| record.fields.get("id").cloned())
        .collect();
    assert_eq!(
        ids,
        vec![
            Some(json!("t0_a0")),
            Some(json!("t0_a1")),
            Some(json!("7")),
            Some(json!("f-9"))
        ],
        "the id is kept under `id`, as text, whatever the column was called"
    );
    let second = record(&parsed, "t0_a1");
    assert_eq!(second.title, "Strikethrough with GitHub Markdown");
    assert_eq!(second.line, 3);
    assert_eq!(
        second.text,
        "Strikethrough with GitHub Markdown\n\nUse <del>."
    );
}

#[test]
fn faq_point_ids_derive_from_the_faq_id_not_the_question() {
    let dir = tempfile::tempdir().unwrap();
    let faq = written(
        dir.path(),
        "faq.json",
        br#"[{"id": "a", "question": "Same?", "answer": "One."},
            {"id": "b", "question": "Same?", "answer": "Two."}]"#,
    );
    let parsed = source::parse(&faq, Kind::Faq).unwrap();
    let chunker = charla_knowledge::chunk::Chunker::default();
    let chunk_ids: Vec<ChunkId> = parsed
        .records
        .iter()
        .flat_map(|record| chunker.chunk(&faq, Kind::Faq, record))
        .map(|chunk| chunk.id)
        .collect();
    assert_eq!(
        chunk_ids,
        vec![
            ChunkId::derive("faq.json", "a", 0),
            ChunkId::derive("faq.json", "b", 0)
        ]
    );
    // Reworded questions keep their point: the id, not the wording, names the entry.
    let reworded = written(
        dir.path(),
        "faq.json",
        br#"[{"id": "a", "question": "Same, reworded?", "answer": "One."}]"#,
    );
    let parsed = source::parse(&reworded, Kind::Faq).unwrap();
    let chunks = chunker.chunk(&reworded, Kind::Faq, &parsed.records[0]);
    assert_eq!(chunks[0].id, ChunkId::derive("faq.json", "a", 0));
    assert_eq!(chunks[0].fields.get("id"), Some(&json!("a")));
}

#[test]
fn faq_json_duplicate_id_is_rejected_with_its_line_and_the_first_kept() {
    let dir = tempfile::tempdir().unwrap();
    let faq = written(
        dir.path(),
        "faq.json",
        br#"{"faqs": [
  {"id": "ship", "question": "Do you ship?", "answer": "Yes."},
  {"id": "pay", "question": "Can I pay by card?", "answer": "Yes."},
  {"id": "ship", "question": "Do you ship abroad?", "answer": "To the EU."}
]}"#,
    );
    let parsed = source::parse(&faq, Kind::Faq).unwrap();
    assert_eq!(keys(&parsed), vec!["ship", "pay"]);
    assert_eq!(record(&parsed, "ship").title, "Do you ship?");
    assert_eq!(
        rejections(&parsed),
        vec![(
            4,
            "item 3: duplicate id `ship` (first used by item 1 on line 2)".to_string()
        )]
    );
    assert_eq!(
        parsed.rejected[0].to_string(),
        "faq.json:4: item 3: duplicate id `ship` (first used by item 1 on line 2)"
    );
}

#[test]
fn faq_minified_json_duplicate_id_is_told_apart_by_its_item_number() {
    let dir = tempfile::tempdir().unwrap();
    let faq = written(
        dir.path(),
        "faq.json",
        br#"[{"id":"x","question":"A?","answer":"1"},{"id":"y","question":"B?","answer":"2"},{"id":"x","question":"C?","answer":"3"}]"#,
    );
    let parsed = source::parse(&faq, Kind::Faq).unwrap();
    assert_eq!(keys(&parsed), vec!["x", "y"]);
    assert_eq!(
        rejections(&parsed),
        vec![(
            1,
            "item 3: duplicate id `x` (first used by item 1 on line 1)".to_string()
        )]
    );
}

#[test]
fn faq_jsonl_duplicate_id_is_rejected_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let faq = written(
        dir.path(),
        "faq.jsonl",
        b"{\"faq_id\": 1, \"q\": \"A?\", \"a\": \"1\"}\n\n{\"faq_id\": 1, \"q\": \"B?\", \"a\": \"2\"}\n",
    );
    let parsed = source::parse(&faq, Kind::Faq).unwrap();
    assert_eq!(keys(&parsed), vec!["1"]);
    assert_eq!(
        rejections(&parsed),
        vec![(3, "duplicate id `1` (first used on line 1)".to_string())]
    );
}

#[test]
fn faq_id_that_is_not_text_or_a_number_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let faq = written(
        dir.path(),
        "faq.json",
        br#"[{"id": {"n": 1}, "question": "A?", "answer": "1"},
 {"id": true, "question": "B?", "answer": "2"},
 {"id": "", "question": "C?", "answer": "3"}]"#,
    );
    let parsed = source::parse(&faq, Kind::Faq).unwrap();
    assert_eq!(
        keys(&parsed),
        vec!["C?"],
        "an empty id is no id: the question keys the entry"
    );
    assert_eq!(record(&parsed, "C?").fields.get("id"), None);
    assert_eq!(
        rejections(&parsed),
        vec![
            (
                1,
                "item 1: id `{\"n\":1}` is not a string or a number".to_string()
            ),
            (
                2,
                "item 2: id `true` is not a string or a number".to_string()
            )
        ]
    );
}

#[test]
fn faq_json_items_without_id_still_reject_a_repeated_question() {
    let dir = tempfile::tempdir().unwrap();
    let faq = written(
        dir.path(),
        "faq.json",
        br#"[{"question": "Do you ship?", "answer": "Yes."},
 {"question": "do you  SHIP?", "answer": "Still yes."}]"#,
    );
    let parsed = source::parse(&faq, Kind::Faq).unwrap();
    assert_eq!(keys(&parsed), vec!["Do you ship?"]);
    assert_eq!(record(&parsed, "Do you ship?").fields.get("id"), None);
    assert_eq!(
        rejections(&parsed),
        vec![(
            2,
            "duplicate question `do you SHIP?` (first on line 1)".to_string()
        )]
    );
}

#[test]
fn faq_csv_optional_id_column_keys_entries_and_a_duplicate_id_is_rejected_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let faq = written(
        dir.path(),
        "faq.csv",
        "ID,Pregunta,Respuesta\n\
         e-1,¿Hacen envíos?,Sí.\n\
         e-2,¿Hacen envíos?,\"Sí, también a Portugal.\"\n\
         ,¿Puedo pagar en efectivo?,No.\n\
         e-1,¿Puedo devolverlo?,En 30 días.\n"
            .as_bytes(),
    );
    let parsed = source::parse(&faq, Kind::Faq).unwrap();
    assert_eq!(
        keys(&parsed),
        vec!["e-1", "e-2", "¿Puedo pagar en efectivo?"],
        "a row with an empty id cell is keyed by its question"
    );
    assert_eq!(record(&parsed, "e-2").fields.get("id"), Some(&json!("e-2")));
    assert_eq!(
        rejections(&parsed),
        vec![(5, "duplicate id `e-1` (first used on line 2)".to_string())]
    );
}

// --- policies ---------------------------------------------------------------------------------

#[test]
fn policy_markdown_sections_are_titled_by_heading_path() {
    let parsed = parse("policies/returns.md", Kind::Policy);
    let titles: Vec<(&str, usize)> = parsed
        .records
        .iter()
        .map(|record| (record.title.as_str(), record.line))
        .collect();
    assert_eq!(
        titles,
        vec![
            ("Returns", 5),
            ("Returns > Damaged items", 9),
            ("Returns > Refunds", 13),
            ("Returns > Refunds > Damaged items", 17),
        ]
    );
    assert_eq!(keys(&parsed)[1], "Returns > Damaged items#1");
    assert!(
        parsed.records[1]
            .text
            .starts_with("If an item arrives damaged"),
        "{}",
        parsed.records[1].text
    );
    assert!(
        parsed
            .records
            .iter()
            .all(|record| record.kind == Kind::Policy)
    );
}

#[test]
fn text_policy_title_comes_from_its_first_line_and_short_lines_are_sections() {
    let parsed = parse("policies/shipping.txt", Kind::Policy);
    let titles: Vec<(&str, usize)> = parsed
        .records
        .iter()
        .map(|record| (record.title.as_str(), record.line))
        .collect();
    assert_eq!(
        titles,
        vec![
            ("Shipping policy", 1),
            ("Shipping policy > Costs", 5),
            ("Shipping policy > International", 9)
        ]
    );
    assert_eq!(
        parsed.records[1].text,
        "Shipping is free for orders over 50 euros. Below that, it costs 4.95 euros."
    );
}

#[test]
fn html_policy_drops_scripts_and_keeps_sections() {
    let parsed = parse("policies/terms.html", Kind::Policy);
    let all_text: String = parsed
        .records
        .iter()
        .map(|record| format!("{}\n{}\n", record.title, record.text))
        .collect();
    for noise in [
        "tracking-pixel",
        "injected-by-script",
        "font-family",
        "Shop catalogue",
    ] {
        assert!(
            !all_text.contains(noise),
            "{noise} leaked into:\n{all_text}"
        );
    }
    let titles: Vec<&str> = parsed
        .records
        .iter()
        .map(|record| record.title.as_str())
        .collect();
    assert_eq!(
        titles,
        vec![
            "Terms of sale",
            "Terms of sale > Prices",
            "Terms of sale > Warranty"
        ]
    );
    assert!(parsed.records[1].text.contains("VAT"));
    assert!(
        parsed.records[2].text.contains("Keep your receipt."),
        "{}",
        parsed.records[2].text
    );
    assert_eq!(parsed.records[1].line, 13, "line of the <h2> in the file");
}

#[test]
fn html_page_without_headings_is_titled_by_its_title_element() {
    let dir = tempfile::tempdir().unwrap();
    let page = written(
        dir.path(),
        "privacy.html",
        b"<title>Privacy &amp; cookies</title><p>We never sell your data.</p>",
    );
    let parsed = source::parse(&page, Kind::Policy).unwrap();
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].title, "Privacy & cookies");
    assert_eq!(parsed.records[0].text, "We never sell your data.");
}

#[test]
fn pdf_is_reported_as_unsupported_naming_the_file() {
    let error = source::parse(&file("policies/handbook.pdf"), Kind::Policy).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("handbook.pdf: .pdf files cannot be read as policy"),
        "{error}"
    );
    let error = source::scan(&[data("policies/handbook.pdf")]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("handbook.pdf: PDF is not supported"),
        "{error}"
    );
}

// --- reading files ----------------------------------------------------------------------------

#[test]
fn file_that_is_not_utf8_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = written(dir.path(), "returns.md", b"Devoluci\xf3n en 30 d\xedas\n");
    let error = source::parse(&policy, Kind::Policy).unwrap_err();
    assert!(matches!(error, SourceError::NotUtf8 { .. }));
    assert!(
        error
            .to_string()
            .starts_with("returns.md is not UTF-8 text"),
        "{error}"
    );
}

#[test]
fn utf8_bom_does_not_end_up_in_the_first_column_name() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = written(dir.path(), "p.csv", b"\xEF\xBB\xBFsku,name\nK-1,Kettle\n");
    let parsed = source::parse(&catalog, Kind::Catalog).unwrap();
    assert_eq!(keys(&parsed), vec!["K-1"]);
}

#[test]
fn unreadable_file_is_an_error_naming_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = SourceFile::from_path(&dir.path().join("gone.csv")).unwrap();
    let error = source::parse(&missing, Kind::Catalog).unwrap_err();
    assert!(matches!(error, SourceError::Unreadable { .. }));
    assert!(error.to_string().contains("gone.csv"), "{error}");
}

#[test]
fn garbage_in_any_format_and_kind_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let garbage: &[&[u8]] = &[
        b"",
        b"\n\n\n",
        b"{",
        b"[1, 2, \"x\"]",
        b"{\"products\": 3}",
        b"\"\"\"\n,,,,\n\"",
        b"# \n## ?\n###### \n```\n# x",
        b"<html><body><script>",
        b"---\ntitle:\n---",
        b"sku\n\xff\xfe\x00",
        b"q,a\n?,\n",
    ];
    for (index, bytes) in garbage.iter().enumerate() {
        for extension in ["csv", "tsv", "json", "jsonl", "md", "txt", "html"] {
            let file = written(dir.path(), &format!("g{index}.{extension}"), bytes);
            for kind in Kind::ALL {
                let _ = source::parse(&file, kind);
            }
            let _ = source::detect_kind(&file.path);
        }
    }
}

// --- finding files and their kind -------------------------------------------------------------

#[test]
fn detect_kind_reads_names_then_content() {
    assert_eq!(
        source::detect_kind(&data("catalog/productos.csv")),
        Some(Kind::Catalog)
    );
    assert_eq!(
        source::detect_kind(&data("faq/preguntas.csv")),
        Some(Kind::Faq)
    );
    assert_eq!(
        source::detect_kind(&data("policies/returns.md")),
        Some(Kind::Policy)
    );
    assert_eq!(source::detect_kind(&data("policies/handbook.pdf")), None);

    let dir = tempfile::tempdir().unwrap();
    let table = written(dir.path(), "list.csv", b"SKU,Title,Price\nA,B,1\n");
    assert_eq!(source::detect_kind(&table.path), Some(Kind::Catalog));
    let questions = written(
        dir.path(),
        "list.json",
        br#"[{"q": "Why?", "a": "Because."}]"#,
    );
    assert_eq!(source::detect_kind(&questions.path), Some(Kind::Faq));
    let help = written(
        dir.path(),
        "help.md",
        b"# Help\n## Do you ship?\nYes.\n## Is it free?\nNo.\n",
    );
    assert_eq!(source::detect_kind(&help.path), Some(Kind::Faq));
    let about = written(dir.path(), "about.md", b"# About us\nWe sell shoes.\n");
    assert_eq!(source::detect_kind(&about.path), Some(Kind::Policy));
    let unknown = written(dir.path(), "numbers.csv", b"date,total\n2024-01-01,3\n");
    assert_eq!(source::detect_kind(&unknown.path), None);
}

#[test]
fn discover_expands_folders_in_order_skipping_hidden_and_unsupported_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "b/faq.md",
        "a.csv",
        ".hidden.md",
        ".git/config.md",
        "b/a/terms.html",
        "logo.png",
        "manual.pdf",
    ] {
        written(dir.path(), name, b"x");
    }
    let discovery = source::scan(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<&str> = discovery
        .files
        .iter()
        .map(|file| file.name.as_str())
        .collect();
    assert_eq!(names, vec!["a.csv", "b/a/terms.html", "b/faq.md"]);
    assert!(discovery.files.iter().all(|file| file.path.is_absolute()));
    let skipped: Vec<String> = discovery
        .skipped
        .iter()
        .map(|skipped| {
            format!(
                "{}: {}",
                skipped.path.file_name().unwrap().to_string_lossy(),
                skipped.reason
            )
        })
        .collect();
    assert_eq!(skipped.len(), 2);
    assert!(
        skipped[0].starts_with("logo.png: unsupported file type .png"),
        "{skipped:?}"
    );
    assert!(
        skipped[1].starts_with("manual.pdf: PDF is not supported"),
        "{skipped:?}"
    );
    assert_eq!(
        source::discover(&[dir.path().to_path_buf()]).unwrap(),
        discovery.files
    );
}

#[test]
fn discover_names_a_file_argument_by_its_file_name() {
    let files = source::discover(&[data("faq/faq.md"), data("catalog/products.json")]).unwrap();
    let names: Vec<&str> = files.iter().map(|file| file.name.as_str()).collect();
    assert_eq!(names, vec!["faq.md", "products.json"]);
}

#[test]
fn discover_missing_path_is_an_error_naming_it() {
    let error = source::discover(&[PathBuf::from("/definitely/not/here/catalog.csv")]).unwrap_err();
    assert!(matches!(error, SourceError::Unreadable { .. }));
    assert!(
        error
            .to_string()
            .starts_with("cannot read /definitely/not/here/catalog.csv: "),
        "{error}"
    );
}

#[test]
fn discover_refuses_two_different_files_with_the_same_name() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    written(first.path(), "faq.md", b"x");
    written(second.path(), "faq.md", b"y");
    let error =
        source::discover(&[first.path().to_path_buf(), second.path().to_path_buf()]).unwrap_err();
    assert!(
        matches!(error, SourceError::DuplicateName { .. }),
        "{error}"
    );
    // The same file twice is simply read once.
    let twice = source::discover(&[first.path().to_path_buf(), first.path().join("faq.md")]);
    assert_eq!(twice.unwrap().len(), 1);
}
