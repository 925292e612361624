//! `X-Hub-Signature-256`: Meta signs every webhook POST with HMAC-SHA256 of the exact raw body,
//! keyed with the app secret, and sends it as `sha256=<hex>`.
//!
//! The check must run on the bytes as received, before any parsing: the same JSON re-serialized
//! (different spacing, key order or escapes) has a different signature and is rejected.

use hmac::digest::KeyInit;
use hmac::digest::generic_array::GenericArray;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The prefix Meta puts before the hex digest.
const SCHEME_PREFIX: &str = "sha256=";

/// SHA-256's block size: RFC 2104 pads (or first hashes) the key to this length.
const SHA256_BLOCK_BYTES: usize = 64;

/// Why a webhook's signature was refused.
///
/// The messages say only what was wrong with the request, never anything about the expected
/// value, so they are safe to return to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header, or an empty one.
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    /// The header is not `sha256=` followed by 64 hexadecimal digits.
    #[error("malformed X-Hub-Signature-256 header")]
    Malformed,
    /// Well-formed, but not the signature of this body with this secret.
    #[error("X-Hub-Signature-256 does not match the body")]
    Mismatch,
}

/// Checks a webhook's `X-Hub-Signature-256` header against the raw request body.
///
/// `header` is the header's value as received (`None` when absent); `body` must be the exact
/// bytes of the request, not a re-serialization. The digest comparison is constant-time.
pub fn verify_signature(
    app_secret: &[u8],
    header: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let header = header
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .strip_prefix(SCHEME_PREFIX)
        .ok_or(SignatureError::Malformed)?;
    let claimed = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if claimed.len() != <Sha256 as Digest>::output_size() {
        return Err(SignatureError::Malformed);
    }
    let mut mac = keyed_mac(app_secret);
    mac.update(body);
    // `verify_slice` compares in constant time, so response timing says nothing about how many
    // leading bytes of a forged signature were right.
    mac.verify_slice(&claimed)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Hub-Signature-256` value Meta would send for `body`: `sha256=` and the lowercase hex
/// HMAC-SHA256. For tests and fake Meta servers.
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let mut mac = keyed_mac(app_secret);
    mac.update(body);
    format!(
        "{SCHEME_PREFIX}{}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// An HMAC-SHA256 keyed with `secret`, built without a fallible constructor.
///
/// `Hmac::new_from_slice` cannot actually fail (HMAC takes keys of any length) but returns a
/// `Result`, and library code may not unwrap. RFC 2104 defines the key as the secret hashed when
/// longer than a block, then zero-padded to a block; building that block ourselves lets us use
/// the infallible `new`, and gives the same MAC.
fn keyed_mac(secret: &[u8]) -> HmacSha256 {
    let mut block = [0u8; SHA256_BLOCK_BYTES];
    if secret.len() > SHA256_BLOCK_BYTES {
        let hashed = Sha256::digest(secret);
        block[..hashed.len()].copy_from_slice(&hashed);
    } else {
        block[..secret.len()].copy_from_slice(secret);
    }
    <HmacSha256 as KeyInit>::new(GenericArray::from_slice(&block))
}
