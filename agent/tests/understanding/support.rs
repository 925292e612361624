//! Shared pieces of the understanding tests: finding the model, a word-hashing fake embedder,
//! an embedding cache for evaluations, and metrics.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use charla_knowledge::embed::bert::LocalEmbedder;
use charla_knowledge::embed::locate::find_local_model;
use charla_knowledge::{EmbedError, EmbedRole, Embedder};

/// The workspace root (agent's parent).
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("agent has a parent")
        .to_path_buf()
}

/// The local model, loaded once per test binary; `None` (after printing why) when it is
/// absent, unless CHARLA_REQUIRE_MODEL=1, which makes its absence a failure.
pub fn local_model() -> Option<Arc<dyn Embedder>> {
    static MODEL: std::sync::OnceLock<Option<Arc<dyn Embedder>>> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| {
            let mut candidates = Vec::new();
            if let Some(dir) = std::env::var_os("CHARLA_MODEL_DIR") {
                candidates.push(PathBuf::from(dir));
            }
            candidates.push(workspace().join("models"));
            let found = find_local_model(&candidates);
            let required = std::env::var("CHARLA_REQUIRE_MODEL").is_ok_and(|v| v == "1");
            match found {
                Some(dir) => {
                    let model = LocalEmbedder::load(&dir).expect("model loads");
                    Some(Arc::new(model) as Arc<dyn Embedder>)
                }
                None if required => panic!("CHARLA_REQUIRE_MODEL=1 but no model in {candidates:?}"),
                None => None,
            }
        })
        .clone()
}

/// Skips the calling test, with a printed line, when the model is absent.
macro_rules! model_or_skip {
    () => {
        match support::local_model() {
            Some(model) => model,
            None => {
                eprintln!("skipped: no embedding model (set CHARLA_MODEL_DIR or fetch models/)");
                return;
            }
        }
    };
}
pub(crate) use model_or_skip;

/// A deterministic stand-in for a model: each lower-cased word is hashed into one of 256
/// dimensions, so texts that share words are similar. Counts its calls.
#[derive(Default)]
pub struct WordHashEmbedder {
    pub calls: AtomicUsize,
}

const HASH_DIMS: usize = 256;

#[async_trait]
impl Embedder for WordHashEmbedder {
    fn id(&self) -> &str {
        "word-hash"
    }

    fn dims(&self) -> usize {
        HASH_DIMS
    }

    async fn embed(&self, texts: &[String], _role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(texts
            .iter()
            .map(|text| {
                let mut vector = vec![0.0f32; HASH_DIMS];
                for word in text.to_lowercase().split(|c: char| !c.is_alphanumeric()) {
                    if word.is_empty() {
                        continue;
                    }
                    let hash = word.bytes().fold(1469598103934665603u64, |h, b| {
                        (h ^ b as u64).wrapping_mul(1099511628211)
                    });
                    vector[(hash % HASH_DIMS as u64) as usize] += 1.0;
                }
                let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                vector.iter().map(|x| x / norm).collect()
            })
            .collect())
    }
}

/// Remembers every vector its inner embedder made (in memory, and on disk under the system
/// temporary directory, so evaluation reruns skip the model). Never in the repository.
pub struct CachingEmbedder {
    inner: Arc<dyn Embedder>,
    memory: Mutex<HashMap<(bool, String), Vec<f32>>>,
    file: PathBuf,
}

impl CachingEmbedder {
    pub fn new(inner: Arc<dyn Embedder>) -> Self {
        let file = std::env::temp_dir().join(format!("charla-understanding-{}.cache", inner.id()));
        let mut memory = HashMap::new();
        if let Ok(bytes) = std::fs::read(&file) {
            let mut at = 0;
            let dims = inner.dims();
            while at + 5 <= bytes.len() {
                let query = bytes[at] == 1;
                let len = u32::from_le_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
                at += 5;
                if at + len + dims * 4 > bytes.len() {
                    break;
                }
                let text = String::from_utf8_lossy(&bytes[at..at + len]).into_owned();
                at += len;
                let vector = bytes[at..at + dims * 4]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                    .collect();
                at += dims * 4;
                memory.insert((query, text), vector);
            }
        }
        Self {
            inner,
            memory: Mutex::new(memory),
            file,
        }
    }
}

#[async_trait]
impl Embedder for CachingEmbedder {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn dims(&self) -> usize {
        self.inner.dims()
    }

    async fn embed(&self, texts: &[String], role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        let query = role == EmbedRole::Query;
        let missing: Vec<String> = {
            let memory = self.memory.lock().unwrap();
            let mut seen = std::collections::HashSet::new();
            texts
                .iter()
                .filter(|t| {
                    !memory.contains_key(&(query, (*t).clone())) && seen.insert((*t).clone())
                })
                .cloned()
                .collect()
        };
        if !missing.is_empty() {
            let vectors = self.inner.embed(&missing, role).await?;
            let mut bytes = Vec::new();
            let mut memory = self.memory.lock().unwrap();
            for (text, vector) in missing.into_iter().zip(vectors) {
                bytes.push(u8::from(query));
                bytes.extend_from_slice(&(text.len() as u32).to_le_bytes());
                bytes.extend_from_slice(text.as_bytes());
                for x in &vector {
                    bytes.extend_from_slice(&x.to_le_bytes());
                }
                memory.insert((query, text), vector);
            }
            use std::io::Write;
            if let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.file)
            {
                let _ = file.write_all(&bytes);
            }
        }
        let memory = self.memory.lock().unwrap();
        Ok(texts
            .iter()
            .map(|t| memory[&(query, t.clone())].clone())
            .collect())
    }
}

/// Macro-averaged F1 over `classes`.
pub fn macro_f1<T: PartialEq + Copy>(gold: &[T], predicted: &[T], classes: &[T]) -> f64 {
    let f1s: Vec<f64> = classes
        .iter()
        .map(|&class| {
            let tp = gold
                .iter()
                .zip(predicted)
                .filter(|(g, p)| **g == class && **p == class)
                .count() as f64;
            let fp = gold
                .iter()
                .zip(predicted)
                .filter(|(g, p)| **g != class && **p == class)
                .count() as f64;
            let fneg = gold
                .iter()
                .zip(predicted)
                .filter(|(g, p)| **g == class && **p != class)
                .count() as f64;
            if tp == 0.0 {
                0.0
            } else {
                2.0 * tp / (2.0 * tp + fp + fneg)
            }
        })
        .collect();
    f1s.iter().sum::<f64>() / f1s.len() as f64
}

/// Lines of a JSONL file as JSON values.
pub fn read_jsonl(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// The shared evaluation datasets (never copied into the repository): $CHARLA_DATASETS, else
/// ../shared/datasets next to the workspace.
pub fn datasets() -> Option<PathBuf> {
    let dir = std::env::var_os("CHARLA_DATASETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared/datasets"));
    dir.is_dir().then_some(dir)
}
