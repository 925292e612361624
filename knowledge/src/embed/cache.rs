//! [`CachedEmbedder`]: a cache on disk in front of any [`Embedder`], so that a process which
//! embeds the same texts as the one before it (the intent examples and sentiment prototypes
//! that every `charla chat` start embeds) reads the vectors back instead of running the model.
//!
//! # File
//!
//! One file per model, `<dir>/<escaped model id>.cache` (see [`cache_file_name`]), all
//! numbers little-endian:
//!
//! - header: magic `CHRLEMBC`, format version `u32`, dims `u32`, id length `u32`, id bytes;
//! - then records, only ever appended: key `u64` | len `u32` | len × `f32` | check `u32`.
//!
//! The key is the first 8 bytes of SHA-256 over the role and the text, so it is the same in
//! every build and on every machine (std's `DefaultHasher` is not); with 64 bits the chance
//! that two of the ~40,000 texts a full file holds collide is about 1 in 10^10. The check is
//! the first 4 bytes of SHA-256 over the key, the length and the values, so a damaged record
//! is recognised rather than served. SHA-256 because `sha2` is already a dependency of this
//! crate and runs at well over 1 GB/s with the SHA extensions of current CPUs.
//!
//! # Robustness
//!
//! - Reading stops at the first record that is short, has the wrong length or fails its
//!   check; the file is truncated there, so later appends are readable again. A torn write
//!   (crash, full disk) costs the records after it, never a wrong vector or an error.
//! - A file with another header (another model of the same escaped name, other dims, another
//!   format version, or not a cache at all) is not read, and is replaced on the first write.
//! - Each batch is appended with one `write` on a file opened in append mode, so two
//!   processes appending at once do not interleave their records (Linux serialises writes to
//!   a regular file). Replacing the file goes through a temporary file and a rename, so a
//!   reader sees the old file or the new one. No `fsync`: losing the tail to a power cut only
//!   costs a re-embedding.
//! - Writing is best effort: a failure is logged and the vectors are still returned.
//!
//! # Size
//!
//! Appending stops at a cap ([`DEFAULT_MAX_CACHE_BYTES`], see
//! [`CachedEmbedder::with_max_bytes`]). At the cap the file starts over with only the entries
//! this process has used, most recently used first, up to half the cap, and the entries in
//! memory shrink to the same set. Why: the texts worth keeping are the ones every start
//! embeds (a few thousand examples, a few MB), and those are the ones the current process has
//! used; the texts that pile up are one-off customer messages. Half the cap leaves room to
//! grow before the next start-over, so a long-running server rewrites the file rarely. An
//! LRU on disk would need random writes or a compaction step; this keeps the file
//! append-only.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::{EmbedError, EmbedRole, Embedder};

/// The size a cache file grows to before it starts over: 64 MiB, about 43,000 vectors of
/// 384 dimensions.
pub const DEFAULT_MAX_CACHE_BYTES: u64 = 64 << 20;

const MAGIC: &[u8; 8] = b"CHRLEMBC";
const FORMAT_VERSION: u32 = 1;
/// Key, length and check around the values of a record.
const RECORD_OVERHEAD: usize = 8 + 4 + 4;
/// Escaped ids longer than this are cut and suffixed with a hash, to stay well under the
/// 255-byte file name limit of common file systems.
const MAX_ESCAPED_ID: usize = 120;

/// An [`Embedder`] that remembers every vector its inner embedder made, in memory and in a
/// file shared by every process that uses the same model and directory.
///
/// It has the inner embedder's [`id`](Embedder::id) and [`dims`](Embedder::dims), and the
/// same contract: one vector per input, in input order. A call embeds only the texts it has
/// not seen in that role, in one batch, and appends them to the file before it returns.
pub struct CachedEmbedder {
    inner: Arc<dyn Embedder>,
    shared: Arc<Shared>,
    max_bytes: u64,
}

impl std::fmt::Debug for CachedEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedEmbedder")
            .field("model", &self.inner.id())
            .field("path", &self.shared.path)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl CachedEmbedder {
    /// Puts a cache in `dir` (created if missing) in front of `inner`, and loads what an
    /// earlier process left there for this model. It reads the whole file, synchronously:
    /// call it at start-up, like the model load.
    ///
    /// A damaged tail is cut off, and a file written for another model, other dims or
    /// another format is ignored (and replaced on the first write); neither is an error.
    ///
    /// Errors: [`EmbedError::Cache`] when `dir` cannot be created or the file exists but
    /// cannot be read. The caller can go on with `inner` alone.
    pub fn open(inner: Arc<dyn Embedder>, dir: &Path) -> Result<Self, EmbedError> {
        let started = Instant::now();
        std::fs::create_dir_all(dir)
            .map_err(|e| EmbedError::Cache(format!("{}: {e}", dir.display())))?;
        let path = dir.join(cache_file_name(inner.id()));
        let dims = inner.dims();
        let header = header(inner.id(), dims);
        let entries = load(&path, &header, dims)
            .map_err(|e| EmbedError::Cache(format!("{}: {e}", path.display())))?;
        tracing::debug!(
            model = %inner.id(),
            path = %path.display(),
            vectors = entries.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "embedding cache loaded"
        );
        let entries = entries
            .into_iter()
            .map(|(key, vector)| {
                let entry = Entry {
                    vector,
                    last_used: NOT_USED,
                };
                (key, entry)
            })
            .collect();
        Ok(Self {
            inner,
            shared: Arc::new(Shared {
                path,
                header,
                dims,
                memory: Mutex::new(Memory { entries, clock: 0 }),
                writing: Mutex::new(()),
            }),
            max_bytes: DEFAULT_MAX_CACHE_BYTES,
        })
    }

    /// Sets the size at which the file starts over with only this process's entries
    /// (default [`DEFAULT_MAX_CACHE_BYTES`]).
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Writes `records` in a blocking thread, and logs rather than returns a failure: the
    /// vectors are good whether or not they reached the disk.
    async fn persist(&self, records: Vec<u8>) {
        let shared = Arc::clone(&self.shared);
        let max_bytes = self.max_bytes;
        let job = move || shared.write(&records, max_bytes);
        // Without a tokio runtime (another executor) the write runs inline.
        let written = match tokio::runtime::Handle::try_current() {
            Ok(runtime) => runtime
                .spawn_blocking(job)
                .await
                .unwrap_or_else(|e| Err(io::Error::other(e))),
            Err(_) => job(),
        };
        if let Err(error) = written {
            tracing::warn!(
                path = %self.shared.path.display(),
                %error,
                "embedding cache not written; the vectors are used anyway"
            );
        }
    }
}

#[async_trait]
impl Embedder for CachedEmbedder {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn dims(&self) -> usize {
        self.inner.dims()
    }

    #[tracing::instrument(skip_all, fields(model = %self.inner.id(), texts = texts.len(), role = ?role))]
    async fn embed(&self, texts: &[String], role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        let keys: Vec<u64> = texts.iter().map(|text| cache_key(role, text)).collect();
        let mut found: HashMap<u64, Vec<f32>> = HashMap::with_capacity(keys.len());
        // Index in `texts` of the first occurrence of each key not in the cache: a text given
        // twice is embedded once.
        let mut missing: Vec<usize> = Vec::new();
        {
            let mut memory = self.shared.memory();
            let mut pending: HashSet<u64> = HashSet::new();
            for (position, &key) in keys.iter().enumerate() {
                if found.contains_key(&key) || pending.contains(&key) {
                    continue;
                }
                match memory.touch(key) {
                    Some(vector) => {
                        found.insert(key, vector);
                    }
                    None => {
                        pending.insert(key);
                        missing.push(position);
                    }
                }
            }
        }
        tracing::debug!(
            hits = found.len(),
            misses = missing.len(),
            "embedding cache"
        );

        if !missing.is_empty() {
            let missing_texts: Vec<String> = missing.iter().map(|&i| texts[i].clone()).collect();
            let fresh = self.inner.embed(&missing_texts, role).await?;
            if fresh.len() != missing_texts.len() {
                return Err(EmbedError::Inference(format!(
                    "{} returned {} vectors for {} texts",
                    self.inner.id(),
                    fresh.len(),
                    missing_texts.len()
                )));
            }
            let mut records = Vec::new();
            {
                let mut memory = self.shared.memory();
                for (&position, vector) in missing.iter().zip(&fresh) {
                    let key = keys[position];
                    // A vector of the wrong length would be refused on loading; the caller
                    // still gets it, as the inner embedder made it.
                    if vector.len() == self.shared.dims && memory.insert(key, vector.clone()) {
                        encode_record(&mut records, key, vector);
                    }
                }
            }
            for (&position, vector) in missing.iter().zip(fresh) {
                found.insert(keys[position], vector);
            }
            if !records.is_empty() {
                self.persist(records).await;
            }
        }

        keys.iter()
            .map(|key| {
                found.get(key).cloned().ok_or_else(|| {
                    EmbedError::Inference("embedding cache lost a vector it had".into())
                })
            })
            .collect()
    }
}

/// Marks an entry loaded from the file that this process has not asked for.
const NOT_USED: u64 = 0;

/// What the processes' tasks share: the vectors in memory and the right to write the file.
struct Shared {
    path: PathBuf,
    header: Vec<u8>,
    dims: usize,
    memory: Mutex<Memory>,
    /// Held while writing, so that one process never appends and rewrites at once.
    writing: Mutex<()>,
}

struct Memory {
    entries: HashMap<u64, Entry>,
    /// Counts uses, so entries can be ordered by their last use.
    clock: u64,
}

struct Entry {
    vector: Vec<f32>,
    /// The clock at the entry's last use by this process, or [`NOT_USED`].
    last_used: u64,
}

impl Memory {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The vector for `key`, marked as used now.
    fn touch(&mut self, key: u64) -> Option<Vec<f32>> {
        let now = self.tick();
        let entry = self.entries.get_mut(&key)?;
        entry.last_used = now;
        Some(entry.vector.clone())
    }

    /// Adds a vector; false if another task added it first (then it is already written).
    fn insert(&mut self, key: u64, vector: Vec<f32>) -> bool {
        let now = self.tick();
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.last_used = now;
            return false;
        }
        self.entries.insert(
            key,
            Entry {
                vector,
                last_used: now,
            },
        );
        true
    }
}

/// Why the file is rewritten rather than appended to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rewrite {
    /// The file is missing, or is not ours: write everything in memory.
    Replace,
    /// The file reached its cap: keep only what this process used.
    StartOver,
}

impl Shared {
    fn memory(&self) -> MutexGuard<'_, Memory> {
        // A panic elsewhere cannot leave the map half-updated in a way that matters: every
        // update is a single insert or field write.
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `records`, or rewrites the file when appending is not possible or would pass
    /// `max_bytes`.
    fn write(&self, records: &[u8], max_bytes: u64) -> io::Result<()> {
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        match self.append(records, max_bytes)? {
            None => Ok(()),
            Some(reason) => self.rewrite(reason, max_bytes),
        }
    }

    /// Appends in one write if the file is ours and has room; otherwise says why not.
    fn append(&self, records: &[u8], max_bytes: u64) -> io::Result<Option<Rewrite>> {
        let mut file = match OpenOptions::new().read(true).append(true).open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Some(Rewrite::Replace)),
            Err(e) => return Err(e),
        };
        // Checked at every write, not only when opening: another process may have replaced
        // the file since.
        let mut head = vec![0; self.header.len()];
        match file.read_exact(&mut head) {
            Ok(()) if head == self.header => {}
            Ok(()) => return Ok(Some(Rewrite::Replace)),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Ok(Some(Rewrite::Replace));
            }
            Err(e) => return Err(e),
        }
        let len = file.metadata()?.len();
        if len.saturating_add(records.len() as u64) > max_bytes {
            return Ok(Some(Rewrite::StartOver));
        }
        file.write_all(records)?;
        Ok(None)
    }

    /// Writes a new file from the entries in memory (see the module docs for which) and
    /// renames it over the old one; the memory keeps the same entries.
    fn rewrite(&self, reason: Rewrite, max_bytes: u64) -> io::Result<()> {
        let record_len = (RECORD_OVERHEAD + 4 * self.dims) as u64;
        let budget = match reason {
            Rewrite::Replace => max_bytes,
            Rewrite::StartOver => max_bytes / 2,
        };
        let room = budget.saturating_sub(self.header.len() as u64) / record_len;
        let mut contents = self.header.clone();
        let kept = {
            let mut memory = self.memory();
            let mut candidates: Vec<(u64, u64)> = memory
                .entries
                .iter()
                .filter(|(_, entry)| reason == Rewrite::Replace || entry.last_used != NOT_USED)
                .map(|(&key, entry)| (entry.last_used, key))
                .collect();
            candidates.sort_unstable_by(|a, b| b.cmp(a));
            candidates.truncate(usize::try_from(room).unwrap_or(usize::MAX));
            let kept: HashSet<u64> = candidates.iter().map(|&(_, key)| key).collect();
            memory.entries.retain(|key, _| kept.contains(key));
            // Oldest first, so that the file reads in the order the entries were used.
            for &(_, key) in candidates.iter().rev() {
                if let Some(entry) = memory.entries.get(&key) {
                    encode_record(&mut contents, key, &entry.vector);
                }
            }
            kept.len()
        };

        let temporary = self.temporary_path();
        let written = File::create(&temporary)
            .and_then(|mut file| file.write_all(&contents))
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if written.is_err() {
            // Best effort: the error that matters is the one returned.
            let _ = std::fs::remove_file(&temporary);
        }
        written?;
        tracing::info!(
            path = %self.path.display(),
            ?reason,
            vectors = kept,
            bytes = contents.len(),
            "embedding cache rewritten"
        );
        Ok(())
    }

    /// A name beside the cache file that no other process, and no other cache of this
    /// process, uses at the same time.
    fn temporary_path(&self) -> PathBuf {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let serial = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}-{serial}", std::process::id()));
        self.path.with_file_name(name)
    }
}

/// The file name of the cache for model `id`: ASCII letters, digits, `-` and `.` are kept,
/// every other byte becomes `_XX` (its hex value), so two ids never share a file; an id
/// whose escaped form is very long is cut and suffixed with a hash of the whole id.
pub fn cache_file_name(id: &str) -> String {
    let mut escaped = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'.' {
            escaped.push(char::from(byte));
        } else {
            escaped.push_str(&format!("_{byte:02X}"));
        }
    }
    if escaped.len() > MAX_ESCAPED_ID {
        let digest = Sha256::digest(id.as_bytes());
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        // The escaped form is ASCII, so any byte index is a character boundary.
        escaped.truncate(MAX_ESCAPED_ID - hash.len() - 1);
        escaped.push('_');
        escaped.push_str(&hash);
    }
    escaped.push_str(".cache");
    escaped
}

/// The stable key of `text` in `role`.
fn cache_key(role: EmbedRole, text: &str) -> u64 {
    let tag: &[u8] = match role {
        EmbedRole::Query => b"q",
        EmbedRole::Passage => b"p",
    };
    let digest = Sha256::new()
        .chain_update(tag)
        .chain_update(text.as_bytes())
        .finalize();
    let mut key = [0; 8];
    key.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(key)
}

fn header(id: &str, dims: usize) -> Vec<u8> {
    let mut header = Vec::with_capacity(MAGIC.len() + 12 + id.len());
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    header.extend_from_slice(&u32::try_from(dims).unwrap_or(u32::MAX).to_le_bytes());
    header.extend_from_slice(&u32::try_from(id.len()).unwrap_or(u32::MAX).to_le_bytes());
    header.extend_from_slice(id.as_bytes());
    header
}

fn record_check(body: &[u8]) -> [u8; 4] {
    let digest = Sha256::digest(body);
    let mut check = [0; 4];
    check.copy_from_slice(&digest[..4]);
    check
}

fn encode_record(out: &mut Vec<u8>, key: u64, vector: &[f32]) {
    let start = out.len();
    out.extend_from_slice(&key.to_le_bytes());
    out.extend_from_slice(
        &u32::try_from(vector.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for value in vector {
        out.extend_from_slice(&value.to_le_bytes());
    }
    let check = record_check(&out[start..]);
    out.extend_from_slice(&check);
}

/// The vectors in the file at `path`, if it is this model's cache; a damaged tail is cut
/// off the file. Only a file that exists and cannot be read is an error.
fn load(path: &Path, header: &[u8], dims: usize) -> io::Result<HashMap<u64, Vec<f32>>> {
    // Writable so that a damaged tail can be cut off; a read-only file (a cache baked into
    // an image, say) is still read.
    let opened = match OpenOptions::new().read(true).write(true).open(path) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => File::open(path),
        opened => opened,
    };
    let mut file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let Some(records) = bytes.strip_prefix(header) else {
        if !bytes.is_empty() {
            tracing::info!(
                path = %path.display(),
                "embedding cache file is for another model or format; it will be replaced"
            );
        }
        return Ok(HashMap::new());
    };
    let (entries, valid) = decode_records(records, dims);
    if valid < records.len() {
        tracing::warn!(
            path = %path.display(),
            kept = entries.len(),
            dropped_bytes = records.len() - valid,
            "embedding cache has a damaged tail; cutting it off"
        );
        // Truncating the handle that was read, not the path: if another process has
        // renamed a new file over it meanwhile, that file is left alone.
        if let Err(error) = file.set_len((header.len() + valid) as u64) {
            tracing::warn!(path = %path.display(), %error, "embedding cache not truncated");
        }
    }
    Ok(entries)
}

/// The records of a file body up to the first damaged one, and the length of that good
/// prefix. A later record for the same key wins (it can only be the same vector again).
fn decode_records(mut rest: &[u8], dims: usize) -> (HashMap<u64, Vec<f32>>, usize) {
    let record_len = RECORD_OVERHEAD + 4 * dims;
    let total = rest.len();
    let mut entries = HashMap::new();
    while let Some(record) = rest.get(..record_len) {
        let (key, tail) = record.split_at(8);
        let (len, tail) = tail.split_at(4);
        let (values, check) = tail.split_at(4 * dims);
        let len_matches = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize == dims;
        if !len_matches || record_check(&record[..record_len - 4]) != check {
            break;
        }
        let mut key_bytes = [0; 8];
        key_bytes.copy_from_slice(key);
        let vector = values
            .chunks_exact(4)
            .map(|v| f32::from_le_bytes([v[0], v[1], v[2], v[3]]))
            .collect();
        entries.insert(u64::from_le_bytes(key_bytes), vector);
        rest = &rest[record_len..];
    }
    (entries, total - rest.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn file_names_keep_plain_ids_readable() {
        assert_eq!(
            cache_file_name("multilingual-e5-small-q4"),
            "multilingual-e5-small-q4.cache"
        );
        assert_eq!(
            cache_file_name("text-embedding-3.small"),
            "text-embedding-3.small.cache"
        );
    }

    #[test]
    fn ids_that_differ_only_in_unsafe_characters_get_different_files() {
        let names = [
            cache_file_name("org/model"),
            cache_file_name("org_model"),
            cache_file_name("org_2Fmodel"),
            cache_file_name("org model"),
            cache_file_name("../model"),
        ];
        let distinct: HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len(), "{names:?}");
        for name in &names {
            assert!(!name.contains('/') && !name.contains(' '), "{name}");
        }
    }

    #[test]
    fn very_long_ids_get_short_distinct_file_names() {
        let a = cache_file_name(&"x".repeat(300));
        let b = cache_file_name(&format!("{}y", "x".repeat(299)));
        assert!(a.len() <= MAX_ESCAPED_ID + ".cache".len(), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn keys_are_stable_across_builds() {
        // Pinned, so a change of the key function (which would orphan every cache file
        // already written) is a deliberate, visible one. The value is the first 8 bytes of
        // SHA-256("qhola"), little-endian, as any SHA-256 tool gives it.
        assert_eq!(cache_key(EmbedRole::Query, "hola"), 0x65ae_cee3_8bfd_edac);
        assert_ne!(
            cache_key(EmbedRole::Query, "hola"),
            cache_key(EmbedRole::Passage, "hola")
        );
    }

    #[test]
    fn records_decode_to_what_was_encoded_and_stop_at_damage() {
        let mut body = Vec::new();
        encode_record(&mut body, 1, &[0.5, -0.25]);
        encode_record(&mut body, 2, &[1.0, 0.0]);
        let good = body.len();
        encode_record(&mut body, 3, &[0.0, 1.0]);
        let last = body.len() - 1;
        body[last] ^= 0xff;

        let (entries, valid) = decode_records(&body, 2);
        assert_eq!(valid, good);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[&1], vec![0.5, -0.25]);
        assert_eq!(entries[&2], vec![1.0, 0.0]);
    }

    #[test]
    fn records_of_other_dims_are_refused() {
        let mut body = Vec::new();
        encode_record(&mut body, 1, &[0.5, -0.25, 0.0]);
        let (entries, valid) = decode_records(&body, 2);
        assert!(entries.is_empty());
        assert_eq!(valid, 0);
    }
}
