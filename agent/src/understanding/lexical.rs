//! [`LexicalEmbedder`]: vectors from words and character trigrams, hashed. charla's intent
//! classifier falls back to it when no embedding model is installed, so `charla chat` still
//! understands messages that share words with the intent examples (in any language, since
//! the examples are multilingual). It is deterministic, needs no files and costs microseconds;
//! it knows nothing of meaning, so a neural model is far better where it can be installed.

use async_trait::async_trait;
use charla_knowledge::{EmbedError, EmbedRole, Embedder};

/// Vector size: large enough that hashed features rarely collide for short messages.
const DIMS: usize = 1024;

/// Words count more than trigrams: a shared word is stronger evidence than a shared piece.
const WORD_WEIGHT: f32 = 2.0;

/// Hashed word and character-trigram features, L2-normalised.
#[derive(Debug, Clone, Copy, Default)]
pub struct LexicalEmbedder;

impl LexicalEmbedder {
    /// The vector of one text.
    pub fn vector(text: &str) -> Vec<f32> {
        let mut vector = vec![0.0f32; DIMS];
        let folded = fold(text);
        for word in folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            add(&mut vector, word.as_bytes(), WORD_WEIGHT);
            let padded: Vec<char> = format!(" {word} ").chars().collect();
            for trigram in padded.windows(3) {
                let s: String = trigram.iter().collect();
                add(&mut vector, s.as_bytes(), 1.0);
            }
        }
        let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|x| *x /= norm);
        }
        vector
    }
}

/// Lower case without the accents people often leave out on phones ("revision" = "revisión").
pub(crate) fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// FNV-1a: stable across Rust versions and platforms (the std hasher is not).
fn add(vector: &mut [f32], bytes: &[u8], weight: f32) {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    let slot = (hash % DIMS as u64) as usize;
    if let Some(x) = vector.get_mut(slot) {
        *x += weight;
    }
}

#[async_trait]
impl Embedder for LexicalEmbedder {
    fn id(&self) -> &str {
        "lexical-hash-1024"
    }

    fn dims(&self) -> usize {
        DIMS
    }

    async fn embed(&self, texts: &[String], _role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(texts.iter().map(|t| Self::vector(t)).collect())
    }
}
