//! Where the public datasets are: `--datasets DIR`, else `CHARLA_DATASETS`, else the
//! `shared/datasets` folder beside the repository (where CI and the team keep them; their
//! licences do not all allow copying them into the repository).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Finds the datasets folder.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(dir) => vec![dir.to_path_buf()],
        None => std::env::var_os("CHARLA_DATASETS")
            .map(PathBuf::from)
            .into_iter()
            .chain([
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets"),
                PathBuf::from("../shared/datasets"),
            ])
            .collect(),
    };
    for dir in &candidates {
        if dir.is_dir() {
            return dir
                .canonicalize()
                .with_context(|| format!("datasets folder {}", dir.display()));
        }
    }
    bail!(
        "no datasets folder found (looked in {}); pass --datasets DIR or set CHARLA_DATASETS",
        candidates
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Reads a JSON Lines file into values of `T`, naming the file and line of a bad record.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: invalid record", path.display(), i + 1))
        })
        .collect()
}
