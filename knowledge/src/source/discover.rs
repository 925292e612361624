//! Which files a list of paths given by the user means: folders expand recursively, in sorted
//! order, without hidden entries; files of types charla does not read are listed as skipped.

use super::{Format, SourceError};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A file to ingest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceFile {
    /// The file's absolute path.
    pub path: PathBuf,
    /// The name the user knows it by: relative to the folder that was given (forward slashes),
    /// or the file name when the file itself was given. Chunk ids derive from it.
    pub name: String,
}

impl SourceFile {
    /// A file given directly: its name is its file name.
    pub fn from_path(path: &Path) -> Result<SourceFile, SourceError> {
        let absolute = std::path::absolute(path).map_err(|source| SourceError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let name = absolute
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| absolute.to_string_lossy().into_owned());
        Ok(SourceFile {
            path: absolute,
            name,
        })
    }

    /// The file's type, if charla reads it.
    pub fn format(&self) -> Option<Format> {
        Format::from_path(&self.path)
    }

    /// The file's extension, lowercase, without the dot; empty when it has none.
    pub fn extension(&self) -> String {
        self.path
            .extension()
            .map(|extension| extension.to_string_lossy().to_lowercase())
            .unwrap_or_default()
    }

    /// The file name without its extension (a fallback title).
    pub fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.name.clone())
    }
}

/// A file found in a folder and left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file's absolute path.
    pub path: PathBuf,
    /// Why it was left out.
    pub reason: String,
}

/// What [`scan`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The files to ingest, in argument order, each folder's files sorted by path.
    pub files: Vec<SourceFile>,
    /// Files inside the folders that charla does not read (hidden entries are not listed).
    pub skipped: Vec<Skipped>,
}

/// Expands `paths` into the files to ingest and logs (at `warn`) the files that were skipped.
///
/// See [`scan`] for the rules and the errors.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<SourceFile>, SourceError> {
    let discovery = scan(paths)?;
    for skipped in &discovery.skipped {
        tracing::warn!(path = %skipped.path.display(), reason = %skipped.reason, "skipped file");
    }
    Ok(discovery.files)
}

/// Expands `paths` into the files to ingest, and lists the files that were skipped.
///
/// A folder is walked recursively in sorted order, skipping hidden files and folders (names
/// starting with `.`) and listing files of unsupported types in [`Discovery::skipped`]. A file
/// given directly must be of a supported type. A missing or unreadable path is an error naming
/// it, and so are two different files that would get the same name.
pub fn scan(paths: &[PathBuf]) -> Result<Discovery, SourceError> {
    let mut discovery = Discovery::default();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|source| SourceError::Unreadable {
            path: path.clone(),
            source,
        })?;
        if metadata.is_dir() {
            let root = std::path::absolute(path).map_err(|source| SourceError::Unreadable {
                path: path.clone(),
                source,
            })?;
            let mut visited = HashSet::new();
            walk(&root, &root, &mut visited, &mut discovery)?;
        } else {
            let file = SourceFile::from_path(path)?;
            if file.format().is_none() {
                return Err(SourceError::UnsupportedFile {
                    path: path.clone(),
                    extension: file.extension(),
                });
            }
            discovery.files.push(file);
        }
    }
    discovery.files = unique(discovery.files)?;
    Ok(discovery)
}

fn walk(
    root: &Path,
    folder: &Path,
    visited: &mut HashSet<PathBuf>,
    discovery: &mut Discovery,
) -> Result<(), SourceError> {
    let unreadable = |source| SourceError::Unreadable {
        path: folder.to_path_buf(),
        source,
    };
    // A symlink back to an ancestor would otherwise walk forever.
    let canonical = std::fs::canonicalize(folder).map_err(unreadable)?;
    if !visited.insert(canonical) {
        return Ok(());
    }
    let mut entries = std::fs::read_dir(folder)
        .map_err(unreadable)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        let metadata = std::fs::metadata(&path).map_err(|source| SourceError::Unreadable {
            path: path.clone(),
            source,
        })?;
        if metadata.is_dir() {
            walk(root, &path, visited, discovery)?;
        } else if !metadata.is_file() {
            continue;
        } else if Format::from_path(&path).is_some() {
            let name = relative_name(root, &path);
            discovery.files.push(SourceFile { path, name });
        } else {
            let reason = skip_reason(&path);
            discovery.skipped.push(Skipped { path, reason });
        }
    }
    Ok(())
}

fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn skip_reason(path: &Path) -> String {
    let extension = path
        .extension()
        .map(|extension| extension.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    Format::unsupported_reason(&extension)
}

/// Drops repeats of the same file and refuses two files with one name: their chunk ids would
/// collide.
fn unique(files: Vec<SourceFile>) -> Result<Vec<SourceFile>, SourceError> {
    let mut by_name: HashMap<String, PathBuf> = HashMap::new();
    let mut kept = Vec::with_capacity(files.len());
    for file in files {
        match by_name.get(&file.name) {
            Some(first) if *first == file.path => continue,
            Some(first) => {
                return Err(SourceError::DuplicateName {
                    name: file.name,
                    first: first.clone(),
                    second: file.path,
                });
            }
            None => {
                by_name.insert(file.name.clone(), file.path.clone());
                kept.push(file);
            }
        }
    }
    Ok(kept)
}
