//! [`CachedEmbedder`] through its public API, in front of a counting fake embedder (no model
//! needed): what a second process finds, which entries are kept apart, what survives a
//! damaged or foreign file, the size cap, ordering and concurrency. The `#[ignore]`d
//! `real_model_cold_and_warm_start` measures the cache in front of the real e5 model.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use charla_knowledge::embed::cache::{DEFAULT_MAX_CACHE_BYTES, cache_file_name};
use charla_knowledge::{CachedEmbedder, EmbedError, EmbedRole, Embedder};

/// A deterministic embedder that records every text it is asked to embed.
struct CountingEmbedder {
    id: String,
    dims: usize,
    embedded: Mutex<Vec<String>>,
    calls: AtomicUsize,
}

impl CountingEmbedder {
    fn new(id: &str, dims: usize) -> Arc<Self> {
        Arc::new(Self {
            id: id.to_string(),
            dims,
            embedded: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
        })
    }

    /// The texts embedded so far, in the order asked.
    fn embedded(&self) -> Vec<String> {
        self.embedded.lock().unwrap().clone()
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The vector this fake gives `text` in `role` (role-dependent, like e5's prefixes).
    fn vector(&self, text: &str, role: EmbedRole) -> Vec<f32> {
        let salt: u64 = match role {
            EmbedRole::Query => 0x9e37_79b9,
            EmbedRole::Passage => 0x7f4a_7c15,
        };
        let mut state = text.bytes().fold(salt ^ self.id.len() as u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let mut vector: Vec<f32> = (0..self.dims)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect();
        let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
        vector.iter_mut().for_each(|v| *v /= norm);
        vector
    }
}

#[async_trait]
impl Embedder for CountingEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dims(&self) -> usize {
        self.dims
    }

    async fn embed(&self, texts: &[String], role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.embedded.lock().unwrap().extend(texts.iter().cloned());
        // Gives concurrent callers a chance to interleave, as a real model would.
        tokio::task::yield_now().await;
        Ok(texts.iter().map(|t| self.vector(t, role)).collect())
    }
}

/// An embedder that always fails.
struct BrokenEmbedder;

#[async_trait]
impl Embedder for BrokenEmbedder {
    fn id(&self) -> &str {
        "broken"
    }

    fn dims(&self) -> usize {
        4
    }

    async fn embed(&self, _: &[String], _: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        Err(EmbedError::Transient("model busy".into()))
    }
}

fn texts(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix} {i}")).collect()
}

fn open(inner: &Arc<CountingEmbedder>, dir: &Path) -> CachedEmbedder {
    CachedEmbedder::open(Arc::clone(inner) as Arc<dyn Embedder>, dir).unwrap()
}

/// The cache file of a fresh "process" with model `id`.
fn cache_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(cache_file_name(id))
}

#[tokio::test]
async fn a_new_process_embeds_nothing_the_last_one_embedded() {
    let dir = tempfile::tempdir().unwrap();
    let phrases = texts("quiero devolver mi pedido", 50);

    let first_model = CountingEmbedder::new("e5", 8);
    let first = open(&first_model, dir.path());
    let vectors = first.embed(&phrases, EmbedRole::Query).await.unwrap();
    assert_eq!(first_model.embedded().len(), 50);
    drop(first);

    let second_model = CountingEmbedder::new("e5", 8);
    let second = open(&second_model, dir.path());
    let again = second.embed(&phrases, EmbedRole::Query).await.unwrap();
    assert_eq!(second_model.calls(), 0, "the inner model was not needed");
    assert_eq!(
        again, vectors,
        "the cached vectors are exactly the ones made"
    );
    assert_eq!(second.id(), "e5");
    assert_eq!(second.dims(), 8);
}

#[tokio::test]
async fn query_and_passage_of_the_same_text_are_separate_entries() {
    let dir = tempfile::tempdir().unwrap();
    let text = vec!["¿Hacéis envíos a Canarias?".to_string()];

    let model = CountingEmbedder::new("e5", 8);
    let cache = open(&model, dir.path());
    let as_query = cache.embed(&text, EmbedRole::Query).await.unwrap();
    let as_passage = cache.embed(&text, EmbedRole::Passage).await.unwrap();
    assert_eq!(
        model.calls(),
        2,
        "the passage was not served from the query entry"
    );
    assert_ne!(as_query, as_passage);
    drop(cache);

    let model = CountingEmbedder::new("e5", 8);
    let cache = open(&model, dir.path());
    assert_eq!(
        cache.embed(&text, EmbedRole::Passage).await.unwrap(),
        as_passage
    );
    assert_eq!(
        cache.embed(&text, EmbedRole::Query).await.unwrap(),
        as_query
    );
    assert_eq!(model.calls(), 0);
}

#[tokio::test]
async fn another_model_does_not_reuse_the_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let phrases = texts("talla del casco", 5);

    let e5 = CountingEmbedder::new("multilingual-e5-small-q4", 8);
    open(&e5, dir.path())
        .embed(&phrases, EmbedRole::Query)
        .await
        .unwrap();

    let minilm = CountingEmbedder::new("all-MiniLM-L6-v2", 8);
    let vectors = open(&minilm, dir.path())
        .embed(&phrases, EmbedRole::Query)
        .await
        .unwrap();
    assert_eq!(
        minilm.embedded(),
        phrases,
        "every text went to the other model"
    );
    assert_eq!(vectors[0], minilm.vector(&phrases[0], EmbedRole::Query));

    // Each model keeps its own file: the first one's vectors are still there.
    let e5_again = CountingEmbedder::new("multilingual-e5-small-q4", 8);
    open(&e5_again, dir.path())
        .embed(&phrases, EmbedRole::Query)
        .await
        .unwrap();
    assert_eq!(e5_again.calls(), 0);
}

#[tokio::test]
async fn ids_that_escape_alike_do_not_share_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let phrases = texts("horario de la tienda", 3);

    let slash = CountingEmbedder::new("org/model", 8);
    open(&slash, dir.path())
        .embed(&phrases, EmbedRole::Query)
        .await
        .unwrap();
    let underscore = CountingEmbedder::new("org_model", 8);
    open(&underscore, dir.path())
        .embed(&phrases, EmbedRole::Query)
        .await
        .unwrap();
    assert_eq!(underscore.embedded(), phrases);
}

#[tokio::test]
async fn the_same_model_id_with_other_dims_starts_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let phrases = texts("precio", 4);

    let small = CountingEmbedder::new("custom", 4);
    open(&small, dir.path())
        .embed(&phrases, EmbedRole::Passage)
        .await
        .unwrap();

    let large = CountingEmbedder::new("custom", 16);
    let vectors = open(&large, dir.path())
        .embed(&phrases, EmbedRole::Passage)
        .await
        .unwrap();
    assert_eq!(large.embedded(), phrases);
    assert!(vectors.iter().all(|v| v.len() == 16));

    // The file now belongs to the 16-dims model and serves it.
    let large_again = CountingEmbedder::new("custom", 16);
    open(&large_again, dir.path())
        .embed(&phrases, EmbedRole::Passage)
        .await
        .unwrap();
    assert_eq!(large_again.calls(), 0);
}

#[tokio::test]
async fn a_torn_last_write_is_cut_off_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let phrases = texts("estado de mi pedido", 10);
    let model = CountingEmbedder::new("e5", 8);
    open(&model, dir.path())
        .embed(&phrases, EmbedRole::Query)
        .await
        .unwrap();
    let path = cache_path(dir.path(), "e5");
    let good_len = std::fs::metadata(&path).unwrap().len();

    // Half a record, as a crash in the middle of an append leaves it.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&[0x42; 20]);
    std::fs::write(&path, &bytes).unwrap();

    let model = CountingEmbedder::new("e5", 8);
    let cache = open(&model, dir.path());
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        good_len,
        "tail cut"
    );
    cache.embed(&phrases, EmbedRole::Query).await.unwrap();
    assert_eq!(model.calls(), 0, "the intact records still serve");

    // What is appended after the cut is readable by the next process.
    let extra = vec!["una frase nueva".to_string()];
    cache.embed(&extra, EmbedRole::Query).await.unwrap();
    drop(cache);
    let model = CountingEmbedder::new("e5", 8);
    open(&model, dir.path())
        .embed(&[phrases.clone(), extra].concat(), EmbedRole::Query)
        .await
        .unwrap();
    assert_eq!(model.calls(), 0);
}

#[tokio::test]
async fn a_damaged_record_is_re_embedded_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let phrases = texts("cambio de talla", 3);
    let model = CountingEmbedder::new("e5", 8);
    open(&model, dir.path())
        .embed(&phrases, EmbedRole::Query)
        .await
        .unwrap();

    // Flip one bit in the values of the last record.
    let path = cache_path(dir.path(), "e5");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();

    let model = CountingEmbedder::new("e5", 8);
    let vectors = open(&model, dir.path())
        .embed(&phrases, EmbedRole::Query)
        .await
        .unwrap();
    assert_eq!(model.embedded(), vec![phrases[2].clone()]);
    assert_eq!(vectors[2], model.vector(&phrases[2], EmbedRole::Query));
}

#[tokio::test]
async fn a_file_that_is_not_a_cache_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(dir.path(), "e5");
    std::fs::write(
        &path,
        b"not a cache at all, just some text someone left here",
    )
    .unwrap();

    let model = CountingEmbedder::new("e5", 8);
    let phrases = texts("garantía", 3);
    open(&model, dir.path())
        .embed(&phrases, EmbedRole::Passage)
        .await
        .unwrap();
    assert_eq!(model.calls(), 1);

    let model = CountingEmbedder::new("e5", 8);
    open(&model, dir.path())
        .embed(&phrases, EmbedRole::Passage)
        .await
        .unwrap();
    assert_eq!(model.calls(), 0);
}

#[tokio::test]
async fn a_mixed_batch_comes_back_in_input_order_and_embeds_only_the_misses_once() {
    let dir = tempfile::tempdir().unwrap();
    let model = CountingEmbedder::new("e5", 8);
    let cache = open(&model, dir.path());
    let s = |t: &str| t.to_string();
    cache
        .embed(&[s("b"), s("d")], EmbedRole::Query)
        .await
        .unwrap();

    let batch = [s("a"), s("b"), s("c"), s("d"), s("b"), s("a")];
    let vectors = cache.embed(&batch, EmbedRole::Query).await.unwrap();
    assert_eq!(model.calls(), 2, "the misses went in one batch");
    assert_eq!(model.embedded(), [s("b"), s("d"), s("a"), s("c")]);
    let expected: Vec<Vec<f32>> = batch
        .iter()
        .map(|t| model.vector(t, EmbedRole::Query))
        .collect();
    assert_eq!(vectors, expected);
    assert!(cache.embed(&[], EmbedRole::Query).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tasks_embedding_at_once_get_the_right_vectors_and_a_readable_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = CountingEmbedder::new("e5", 8);
    let cache = Arc::new(open(&model, dir.path()));
    let all = texts("pregunta", 200);

    let mut tasks = Vec::new();
    for task in 0..2 {
        let cache = Arc::clone(&cache);
        let all = all.clone();
        tasks.push(tokio::spawn(async move {
            let mut results = Vec::new();
            // Overlapping windows, walked in opposite directions, so both tasks ask for the
            // same texts at nearly the same time.
            for round in 0..20 {
                let start = if task == 0 {
                    round * 8
                } else {
                    160 - round * 8
                };
                let batch = all[start..start + 40].to_vec();
                let vectors = cache.embed(&batch, EmbedRole::Query).await.unwrap();
                results.push((batch, vectors));
            }
            results
        }));
    }
    for task in tasks {
        for (batch, vectors) in task.await.unwrap() {
            for (text, vector) in batch.iter().zip(&vectors) {
                assert_eq!(vector, &model.vector(text, EmbedRole::Query), "{text}");
            }
        }
    }
    drop(cache);

    let model = CountingEmbedder::new("e5", 8);
    let vectors = open(&model, dir.path())
        .embed(&all, EmbedRole::Query)
        .await
        .unwrap();
    assert_eq!(
        model.calls(),
        0,
        "every record written by the two tasks reads back"
    );
    assert_eq!(vectors[199], model.vector(&all[199], EmbedRole::Query));
}

#[tokio::test]
async fn at_the_size_cap_the_file_starts_over_with_what_this_process_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = cache_path(dir.path(), "e5");
    // 8 dims: a record is 8 + 4 + 8 * 4 + 4 = 48 bytes; the header is magic, version, dims,
    // id length and the id.
    let record = 48;
    let header = 8 + 4 + 4 + 4 + "e5".len() as u64;
    let cap = header + record * 40;
    let old = texts("antigua", 30);
    let model = CountingEmbedder::new("e5", 8);
    open(&model, dir.path())
        .embed(&old, EmbedRole::Query)
        .await
        .unwrap();

    // The next process uses three old texts and adds twelve new ones: 42 records, over the
    // cap of 40, so the file starts over with the 15 it used (room for 19 in half the cap).
    let model = CountingEmbedder::new("e5", 8);
    let cache = open(&model, dir.path()).with_max_bytes(cap);
    let used = old[..3].to_vec();
    cache.embed(&used, EmbedRole::Query).await.unwrap();
    let new = texts("nueva", 12);
    cache.embed(&new, EmbedRole::Query).await.unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert_eq!(size, header + record * 15, "cap {cap}");
    drop(cache);

    let model = CountingEmbedder::new("e5", 8);
    let cache = open(&model, dir.path());
    cache
        .embed(&[used.clone(), new.clone()].concat(), EmbedRole::Query)
        .await
        .unwrap();
    assert_eq!(model.calls(), 0, "what the process used was kept");
    cache.embed(&old[3..], EmbedRole::Query).await.unwrap();
    assert_eq!(model.embedded(), old[3..].to_vec(), "the rest was dropped");
    assert_eq!(DEFAULT_MAX_CACHE_BYTES, 64 << 20);
}

#[tokio::test]
async fn vectors_are_returned_when_the_file_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let model = CountingEmbedder::new("e5", 8);
    let cache = open(&model, dir.path());
    // A directory where the file should be: neither appending nor renaming over it works
    // (unlike a read-only directory, this also holds when the tests run as root).
    std::fs::create_dir(cache.path()).unwrap();

    let phrases = texts("factura", 3);
    let vectors = cache.embed(&phrases, EmbedRole::Query).await.unwrap();
    assert_eq!(vectors[1], model.vector(&phrases[1], EmbedRole::Query));
    // Still remembered in memory for this process.
    cache.embed(&phrases, EmbedRole::Query).await.unwrap();
    assert_eq!(model.calls(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
}

#[tokio::test]
async fn an_error_of_the_model_reaches_the_caller_and_nothing_is_cached() {
    let dir = tempfile::tempdir().unwrap();
    let cache = CachedEmbedder::open(Arc::new(BrokenEmbedder), dir.path()).unwrap();
    let err = cache
        .embed(&texts("hola", 2), EmbedRole::Query)
        .await
        .unwrap_err();
    assert!(matches!(err, EmbedError::Transient(_)), "{err}");
    assert!(!cache.path().exists());
}

#[test]
fn a_cache_directory_that_cannot_be_made_is_a_cache_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let model = CountingEmbedder::new("e5", 8);
    let err = CachedEmbedder::open(model as Arc<dyn Embedder>, &file.join("cache")).unwrap_err();
    assert!(
        matches!(&err, EmbedError::Cache(m) if m.contains("a-file")),
        "{err}"
    );
}

/// Times 1,000 short phrases through the cache in front of the e5 model: cold (empty cache)
/// and warm (a new `CachedEmbedder` over the file the cold run wrote, as the next
/// `charla chat` would open it).
/// `cargo test -p charla-knowledge --test embed_cache -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the e5 model (scripts/fetch-models.sh) and takes tens of seconds"]
async fn real_model_cold_and_warm_start() {
    use charla_knowledge::embed::LocalEmbedder;
    use charla_knowledge::embed::locate::E5_Q4_DIR;

    let models = std::env::var_os("CHARLA_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"));
    let started = Instant::now();
    let model: Arc<dyn Embedder> = Arc::new(LocalEmbedder::load(models.join(E5_Q4_DIR)).unwrap());
    let load = started.elapsed();

    let subjects = [
        "mi pedido",
        "el casco",
        "la bici eléctrica",
        "mi devolución",
        "la factura",
        "my order",
        "the helmet",
        "the battery",
        "a refund",
        "the invoice",
    ];
    let templates = [
        "¿dónde está {}?",
        "quiero cancelar {}",
        "tengo un problema con {}",
        "¿cuánto cuesta {}?",
        "where is {}?",
        "I want to cancel {}",
        "something is wrong with {}",
        "how much is {}?",
        "can I change {} please",
        "{} arrived broken",
    ];
    let endings = [
        "", "!", "?", "...", " hoy", " today", " ya", " now", " pls", " :(",
    ];
    let mut phrases = Vec::new();
    for ending in endings {
        for template in templates {
            for subject in subjects {
                phrases.push(format!("{}{ending}", template.replace("{}", subject)));
            }
        }
    }
    assert_eq!(phrases.len(), 1000);

    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let cold = CachedEmbedder::open(Arc::clone(&model), dir.path()).unwrap();
    let cold_vectors = cold.embed(&phrases, EmbedRole::Query).await.unwrap();
    let cold_time = started.elapsed();
    drop(cold);
    let file_size = std::fs::metadata(cache_path(dir.path(), model.id()))
        .unwrap()
        .len();

    let started = Instant::now();
    let warm = CachedEmbedder::open(Arc::clone(&model), dir.path()).unwrap();
    let opened = started.elapsed();
    let warm_vectors = warm.embed(&phrases, EmbedRole::Query).await.unwrap();
    let warm_time = started.elapsed();
    assert_eq!(warm_vectors, cold_vectors);

    println!(
        "e5 load {load:.2?}; 1,000 phrases cold {cold_time:.2?}, warm {warm_time:.2?} \
         (open {opened:.2?}); cache file {file_size} bytes"
    );
}
