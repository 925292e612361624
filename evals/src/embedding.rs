//! Embedders in front of the model.
//!
//! - [`MemoEmbedder`]: an in-memory memo for one suite, so that a text is embedded once
//!   however many classifiers use it (the 10-shot examples are a subset of the full training
//!   split), and so that the long embedding steps run in chunks with progress on stderr.
//! - [`CountingEmbedder`]: counts the texts the model itself embedded, so a report says how
//!   much an `--embedding-cache` saved.

use crate::progress::Progress;
use async_trait::async_trait;
use charla_knowledge::{EmbedError, EmbedRole, Embedder};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Texts per call to the model while warming: large enough for the model's own length-sorted
/// batches, small enough for the progress to move.
const CHUNK: usize = 256;

/// Remembers every vector of its inner embedder for its own lifetime.
pub struct MemoEmbedder {
    inner: Arc<dyn Embedder>,
    /// (query role?, text) -> vector.
    memo: Mutex<HashMap<(bool, String), Vec<f32>>>,
}

impl MemoEmbedder {
    /// A memo in front of `inner`.
    pub fn new(inner: Arc<dyn Embedder>) -> Self {
        Self {
            inner,
            memo: Mutex::new(HashMap::new()),
        }
    }

    /// Embeds the texts not yet remembered, in chunks, with progress named `label`; returns
    /// the seconds it took.
    ///
    /// Errors: whatever the model returns.
    pub async fn warm(
        &self,
        texts: &[String],
        role: EmbedRole,
        label: &str,
    ) -> Result<f64, EmbedError> {
        let missing = self.missing(texts, role);
        let mut progress = Progress::start(label, missing.len());
        for chunk in missing.chunks(CHUNK) {
            let vectors = self.inner.embed(chunk, role).await?;
            self.remember(chunk, role, vectors)?;
            progress.advance(chunk.len());
        }
        Ok(progress.finish())
    }

    fn missing(&self, texts: &[String], role: EmbedRole) -> Vec<String> {
        let query = role == EmbedRole::Query;
        let memo = self.lock();
        let mut seen = HashSet::new();
        texts
            .iter()
            .filter(|t| !memo.contains_key(&(query, (*t).clone())) && seen.insert(t.as_str()))
            .cloned()
            .collect()
    }

    fn remember(
        &self,
        texts: &[String],
        role: EmbedRole,
        vectors: Vec<Vec<f32>>,
    ) -> Result<(), EmbedError> {
        if vectors.len() != texts.len() {
            return Err(EmbedError::Inference(format!(
                "{} vectors for {} texts",
                vectors.len(),
                texts.len()
            )));
        }
        let query = role == EmbedRole::Query;
        let mut memo = self.lock();
        for (text, vector) in texts.iter().zip(vectors) {
            memo.insert((query, text.clone()), vector);
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(bool, String), Vec<f32>>> {
        // A panic elsewhere cannot leave a half-written entry: inserts are whole.
        self.memo.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Embedder for MemoEmbedder {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn dims(&self) -> usize {
        self.inner.dims()
    }

    async fn embed(&self, texts: &[String], role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        let missing = self.missing(texts, role);
        if !missing.is_empty() {
            let vectors = self.inner.embed(&missing, role).await?;
            self.remember(&missing, role, vectors)?;
        }
        let query = role == EmbedRole::Query;
        let memo = self.lock();
        texts
            .iter()
            .map(|text| {
                memo.get(&(query, text.clone())).cloned().ok_or_else(|| {
                    EmbedError::Inference(format!("no vector remembered for {text:?}"))
                })
            })
            .collect()
    }
}

/// Passes texts to its inner embedder and counts them.
pub struct CountingEmbedder {
    inner: Arc<dyn Embedder>,
    texts: AtomicUsize,
}

impl CountingEmbedder {
    /// A counter in front of `inner`.
    pub fn new(inner: Arc<dyn Embedder>) -> Self {
        Self {
            inner,
            texts: AtomicUsize::new(0),
        }
    }

    /// Texts embedded so far.
    pub fn texts(&self) -> usize {
        self.texts.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl Embedder for CountingEmbedder {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn dims(&self) -> usize {
        self.inner.dims()
    }

    async fn embed(&self, texts: &[String], role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.texts.fetch_add(texts.len(), Ordering::Relaxed);
        self.inner.embed(texts, role).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// Embeds a text as [its length, 1], counting the texts it is asked for.
    #[derive(Default)]
    struct Counting {
        texts: AtomicUsize,
    }

    #[async_trait]
    impl Embedder for Counting {
        fn id(&self) -> &str {
            "counting"
        }
        fn dims(&self) -> usize {
            2
        }
        async fn embed(
            &self,
            texts: &[String],
            role: EmbedRole,
        ) -> Result<Vec<Vec<f32>>, EmbedError> {
            self.texts.fetch_add(texts.len(), Ordering::SeqCst);
            let mark = if role == EmbedRole::Query { 1.0 } else { 2.0 };
            Ok(texts.iter().map(|t| vec![t.len() as f32, mark]).collect())
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn each_text_and_role_is_embedded_once() {
        let inner = Arc::new(Counting::default());
        let memo = MemoEmbedder::new(inner.clone());
        memo.warm(&strings(&["a", "bb", "a"]), EmbedRole::Query, "test")
            .await
            .unwrap();
        assert_eq!(inner.texts.load(Ordering::SeqCst), 2);
        let vectors = memo
            .embed(&strings(&["bb", "a", "ccc"]), EmbedRole::Query)
            .await
            .unwrap();
        assert_eq!(vectors, [vec![2.0, 1.0], vec![1.0, 1.0], vec![3.0, 1.0]]);
        assert_eq!(inner.texts.load(Ordering::SeqCst), 3);
        // Another role is another vector.
        let passage = memo
            .embed(&strings(&["a"]), EmbedRole::Passage)
            .await
            .unwrap();
        assert_eq!(passage, [vec![1.0, 2.0]]);
        assert_eq!(inner.texts.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn the_counter_counts_every_text_passed_on() {
        let counter = CountingEmbedder::new(Arc::new(Counting::default()));
        counter
            .embed(&strings(&["a", "b"]), EmbedRole::Query)
            .await
            .unwrap();
        counter
            .embed(&strings(&["a"]), EmbedRole::Query)
            .await
            .unwrap();
        assert_eq!(counter.texts(), 3);
    }
}
