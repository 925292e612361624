//! BM25 sparse vectors computed in process with qdrant-edge's own BM25 (the same tokenizer,
//! stemmers and stop words as the server's `qdrant/bm25` model), one model per language.
//!
//! A chunk is embedded with the language of its locale and a query with the query's locale, so
//! "zapatos" stems the same way in a Spanish product and in a Spanish question. Languages
//! Qdrant has no stemmer or stop words for (and `und`) fall back to English.

use crate::index::IndexError;
use qdrant_edge::Language;
use qdrant_edge::SparseVector;
use qdrant_edge::bm25_embed::{EdgeBm25, EdgeBm25Config};
use qdrant_edge::external::ordered_float::NotNan;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, PoisonError, RwLock};

/// The expected chunk length in tokens that BM25 normalises document lengths against.
///
/// Qdrant's default (256) suits long documents; a product or an FAQ entry is a few dozen
/// words. It is written into the index when the index is created and read back from there, so
/// documents and queries always agree even if this default changes.
pub(crate) const DEFAULT_AVG_LEN: f64 = 60.0;

/// The language whose stemmer and stop words apply to text in `locale` (ISO 639-1, optionally
/// with a region such as `pt-BR`); `None` and unsupported languages use English.
pub(crate) fn bm25_language(locale: Option<&str>) -> Language {
    let Some(locale) = locale else {
        return Language::English;
    };
    let primary = locale
        .split(['-', '_'])
        .next()
        .unwrap_or(locale)
        .trim()
        .to_ascii_lowercase();
    let code = match primary.as_str() {
        // Qdrant spells Japanese `jp` and Norwegian Bokmål `no`.
        "ja" => "jp",
        "nb" | "nn" => "no",
        other => other,
    };
    Language::from_str(code).unwrap_or(Language::English)
}

/// BM25 models by language, built on first use and kept: building one loads a stop-word list
/// and a stemmer, which is too slow to do per query.
#[derive(Debug)]
pub(crate) struct Bm25Models {
    avg_len: NotNan<f64>,
    models: RwLock<HashMap<Language, Arc<EdgeBm25>>>,
}

impl Bm25Models {
    /// Models that normalise document lengths against `avg_len` tokens.
    pub(crate) fn new(avg_len: f64) -> Result<Self, IndexError> {
        let avg_len = NotNan::new(avg_len).map_err(|_| {
            IndexError::Invalid("the BM25 average length is not a number".to_owned())
        })?;
        let models = Self {
            avg_len,
            models: RwLock::new(HashMap::new()),
        };
        // Building the English model up front validates `avg_len` and serves most queries.
        models.model(Language::English)?;
        Ok(models)
    }

    /// The average chunk length in tokens.
    pub(crate) fn avg_len(&self) -> f64 {
        self.avg_len.into_inner()
    }

    /// The sparse vector of a chunk's text in `locale`.
    pub(crate) fn embed_document(
        &self,
        text: &str,
        locale: &str,
    ) -> Result<SparseVector, IndexError> {
        Ok(self
            .model(bm25_language(Some(locale)))?
            .embed_document(text))
    }

    /// The sparse vector of a query in `locale` (`None`: English).
    pub(crate) fn embed_query(
        &self,
        text: &str,
        locale: Option<&str>,
    ) -> Result<SparseVector, IndexError> {
        Ok(self.model(bm25_language(locale))?.embed_query(text))
    }

    fn model(&self, language: Language) -> Result<Arc<EdgeBm25>, IndexError> {
        // A panic elsewhere cannot leave the map half-written (inserts are single calls), so a
        // poisoned lock is still safe to use.
        if let Some(model) = self
            .models
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&language)
        {
            return Ok(Arc::clone(model));
        }
        let config = EdgeBm25Config {
            avg_len: self.avg_len,
            language: Some(language.to_string()),
            ..Default::default()
        };
        let model = Arc::new(
            EdgeBm25::new(config)
                .map_err(|err| IndexError::Invalid(format!("BM25 for {language}: {err}")))?,
        );
        let mut models = self.models.write().unwrap_or_else(PoisonError::into_inner);
        Ok(Arc::clone(models.entry(language).or_insert(model)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn locales_map_to_their_stemming_language() {
        assert_eq!(bm25_language(Some("es")), Language::Spanish);
        assert_eq!(bm25_language(Some("pt-BR")), Language::Portuguese);
        assert_eq!(bm25_language(Some("ja")), Language::Japanese);
        assert_eq!(bm25_language(Some("und")), Language::English);
        assert_eq!(bm25_language(None), Language::English);
    }

    #[test]
    fn spanish_plural_and_singular_share_a_term_only_with_spanish_stemming() {
        let models = Bm25Models::new(DEFAULT_AVG_LEN).unwrap();
        let doc = models.embed_document("zapatos de cuero", "es").unwrap();
        let query = models.embed_query("zapato", Some("es")).unwrap();
        assert!(
            query.indices.iter().all(|i| doc.indices.contains(i)),
            "{doc:?} vs {query:?}"
        );
        let english_query = models.embed_query("zapato", None).unwrap();
        assert!(
            !english_query
                .indices
                .iter()
                .all(|i| doc.indices.contains(i))
        );
    }
}
