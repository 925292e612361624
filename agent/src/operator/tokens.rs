//! [`OperatorTokens`]: which bearer token belongs to which operator, parsed from the
//! `alice:<token>,bob:<token>` form that `CHARLA_OPERATOR_TOKENS` and the config file use.
//!
//! Tokens are kept only as SHA-256 digests and a presented token is compared with every one
//! of them in constant time, so neither the comparison's timing nor its length reveals how
//! much of a guess was right.

use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;
use subtle::ConstantTimeEq;

/// The shortest token accepted: anything shorter can be guessed online.
pub const MIN_TOKEN_LENGTH: usize = 16;

/// The longest operator id accepted.
pub const MAX_OPERATOR_ID_LENGTH: usize = 64;

/// Why an operator token list was refused. Messages name the entry (1-based) and the operator,
/// never the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperatorTokensError {
    /// The list has no entries.
    #[error(
        "no operator tokens: expected `operator:token` pairs separated by commas, for example `alice:<token>,bob:<token>`"
    )]
    Empty,
    /// An entry has no `:`.
    #[error(
        "operator token entry {entry} has no `:` between the operator id and the token (expected `operator:token`)"
    )]
    MissingSeparator {
        /// The entry's position, from 1.
        entry: usize,
    },
    /// An entry's operator id is empty, too long or has other characters than letters, digits,
    /// `.`, `_`, `-` and `@`.
    #[error(
        "the operator id of operator token entry {entry} must be 1 to {MAX_OPERATOR_ID_LENGTH} letters, digits, `.`, `_`, `-` or `@`"
    )]
    InvalidOperator {
        /// The entry's position, from 1.
        entry: usize,
    },
    /// A token is too short.
    #[error(
        "the token of operator `{operator}` has {length} characters; use at least {MIN_TOKEN_LENGTH} (for example the output of `openssl rand -hex 32`)"
    )]
    TokenTooShort {
        /// Whose token.
        operator: String,
        /// Its length.
        length: usize,
    },
    /// A token has characters an `Authorization` header cannot carry.
    #[error(
        "the token of operator `{operator}` may only have visible ASCII characters (no spaces, control or non-ASCII characters)"
    )]
    InvalidTokenCharacters {
        /// Whose token.
        operator: String,
    },
    /// Two entries share a token, so it would not say who is calling.
    #[error("operators `{first}` and `{second}` have the same token; give each operator their own")]
    DuplicateToken {
        /// The first operator with it.
        first: String,
        /// The second.
        second: String,
    },
}

/// The operators allowed to use the operator API, by bearer token. An operator may have
/// several tokens (to rotate one without locking them out). `Debug` shows the operator ids,
/// never the tokens.
#[derive(Clone)]
pub struct OperatorTokens {
    entries: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    operator: String,
    digest: [u8; 32],
}

impl OperatorTokens {
    /// Parses `alice:<token>,bob:<token>`: entries separated by commas (blank entries and
    /// spaces around entries are ignored), each an operator id, `:`, and the token (which
    /// may itself contain `:`).
    ///
    /// Errors: see [`OperatorTokensError`].
    pub fn parse(list: &str) -> Result<Self, OperatorTokensError> {
        let mut entries: Vec<Entry> = Vec::new();
        for (index, raw) in list.split(',').enumerate() {
            let entry = index + 1;
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let (operator, token) = raw
                .split_once(':')
                .ok_or(OperatorTokensError::MissingSeparator { entry })?;
            let operator = operator.trim();
            if !valid_operator_id(operator) {
                return Err(OperatorTokensError::InvalidOperator { entry });
            }
            let token = token.trim();
            if !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(OperatorTokensError::InvalidTokenCharacters {
                    operator: operator.to_string(),
                });
            }
            if token.len() < MIN_TOKEN_LENGTH {
                return Err(OperatorTokensError::TokenTooShort {
                    operator: operator.to_string(),
                    length: token.len(),
                });
            }
            let digest = digest(token);
            if let Some(other) = entries.iter().find(|e| e.digest == digest) {
                return Err(OperatorTokensError::DuplicateToken {
                    first: other.operator.clone(),
                    second: operator.to_string(),
                });
            }
            entries.push(Entry {
                operator: operator.to_string(),
                digest,
            });
        }
        if entries.is_empty() {
            return Err(OperatorTokensError::Empty);
        }
        Ok(Self { entries })
    }

    /// The operator whose token `presented` is, if any. Every known token is compared, each
    /// in constant time, whether or not an earlier one matched.
    pub fn operator_for(&self, presented: &str) -> Option<&str> {
        let presented = digest(presented);
        let mut found = None;
        for entry in &self.entries {
            if bool::from(entry.digest.ct_eq(&presented)) {
                found = Some(entry.operator.as_str());
            }
        }
        found
    }

    /// The operator ids, in the order given (an operator with two tokens appears twice).
    pub fn operators(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.operator.as_str())
    }
}

impl FromStr for OperatorTokens {
    type Err = OperatorTokensError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Debug for OperatorTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperatorTokens")
            .field("operators", &self.operators().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn valid_operator_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_OPERATOR_ID_LENGTH
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const ALICE: &str = "alice-token-0123456789";
    const BOB: &str = "bob:token:with:colons-42";

    #[test]
    fn each_token_names_its_operator() {
        let tokens = OperatorTokens::parse(&format!(" alice:{ALICE} , bob:{BOB},")).unwrap();
        assert_eq!(tokens.operator_for(ALICE), Some("alice"));
        assert_eq!(tokens.operator_for(BOB), Some("bob"));
        assert_eq!(tokens.operator_for("alice-token-012345678"), None);
        assert_eq!(tokens.operator_for(""), None);
        assert_eq!(tokens.operators().collect::<Vec<_>>(), ["alice", "bob"]);
    }

    #[test]
    fn an_operator_may_have_two_tokens() {
        let tokens = OperatorTokens::parse(&format!("alice:{ALICE},alice:{BOB}")).unwrap();
        assert_eq!(tokens.operator_for(BOB), Some("alice"));
    }

    #[test]
    fn mistakes_are_explained_without_showing_the_token() {
        let cases = [
            ("", OperatorTokensError::Empty),
            (" , ", OperatorTokensError::Empty),
            (
                &format!("alice:{ALICE},bob/x:{BOB}"),
                OperatorTokensError::InvalidOperator { entry: 2 },
            ),
            (
                &format!("alice:{ALICE},bobtoken"),
                OperatorTokensError::MissingSeparator { entry: 2 },
            ),
            (
                &format!(":{ALICE}"),
                OperatorTokensError::InvalidOperator { entry: 1 },
            ),
            (
                &format!("al ice:{ALICE}"),
                OperatorTokensError::InvalidOperator { entry: 1 },
            ),
            (
                "alice:short",
                OperatorTokensError::TokenTooShort {
                    operator: "alice".into(),
                    length: 5,
                },
            ),
            (
                "alice:",
                OperatorTokensError::TokenTooShort {
                    operator: "alice".into(),
                    length: 0,
                },
            ),
            (
                "alice:has a space in the token",
                OperatorTokensError::InvalidTokenCharacters {
                    operator: "alice".into(),
                },
            ),
            (
                &format!("alice:{ALICE},bob:{ALICE}"),
                OperatorTokensError::DuplicateToken {
                    first: "alice".into(),
                    second: "bob".into(),
                },
            ),
        ];
        for (list, expected) in cases {
            let error = OperatorTokens::parse(list).unwrap_err();
            assert_eq!(error, expected, "{list}");
            assert!(!error.to_string().contains(ALICE), "{error}");
        }
    }

    #[test]
    fn debug_shows_operators_not_tokens() {
        let tokens: OperatorTokens = format!("alice:{ALICE}").parse().unwrap();
        let shown = format!("{tokens:?}");
        assert!(shown.contains("alice") && !shown.contains(ALICE), "{shown}");
    }
}
