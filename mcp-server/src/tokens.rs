//! [`McpTokens`]: the bearer tokens MCP clients present, each naming a principal with scopes
//! and, optionally, the one customer it acts for. The list comes from `CHARLA_MCP_TOKENS` (or
//! the config file) in the form
//!
//! ```text
//! name:token:scopes[:customer],...
//! ```
//!
//! where `scopes` is `read`, `write` or `read+write` (`write` includes `read`), for example
//! `shop-assistant:<token>:read,crm:<token>:write:34600111222`.
//!
//! Tokens are kept only as SHA-256 digests and a presented token is compared with all of them
//! in constant time, so neither timing nor length reveals how much of a guess was right.

use crate::principal::Principal;
use charla_tools::Scope;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// The shortest token accepted: anything shorter can be guessed online.
pub const MIN_TOKEN_LENGTH: usize = 16;

/// Why a token list was refused. Messages name the entry (1-based) and the token's name,
/// never the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McpTokensError {
    /// The list has no entries.
    #[error("no MCP tokens: expected `name:token:scopes[:customer]` entries separated by commas")]
    Empty,
    /// An entry lacks a part.
    #[error(
        "MCP token entry {entry} must be `name:token:scopes[:customer]` (scopes: read, write or read+write)"
    )]
    Malformed {
        /// The entry's position, from 1.
        entry: usize,
    },
    /// A name is empty, too long or has characters other than letters, digits, `.`, `_`, `-`, `@`.
    #[error(
        "the name of MCP token entry {entry} must be 1 to 64 letters, digits, `.`, `_`, `-` or `@`"
    )]
    InvalidName {
        /// The entry's position, from 1.
        entry: usize,
    },
    /// A token is too short or has characters a header cannot carry.
    #[error(
        "the token of `{name}` must have at least {MIN_TOKEN_LENGTH} visible ASCII characters (for example the output of `openssl rand -hex 32`)"
    )]
    WeakToken {
        /// Whose token.
        name: String,
    },
    /// An unknown scope.
    #[error("MCP token `{name}` has an unknown scope {scope:?}: use read, write or read+write")]
    UnknownScope {
        /// Whose token.
        name: String,
        /// The scope given.
        scope: String,
    },
    /// An empty customer after the last `:`.
    #[error("MCP token `{name}` names an empty customer; leave the `:customer` part out instead")]
    EmptyCustomer {
        /// Whose token.
        name: String,
    },
    /// Two entries share a token, so it would not say who is calling.
    #[error("MCP tokens `{first}` and `{second}` are the same token; give each its own")]
    DuplicateToken {
        /// The first entry with it.
        first: String,
        /// The second.
        second: String,
    },
}

struct Entry {
    digest: [u8; 32],
    principal: Principal,
}

/// The MCP clients allowed over HTTP, by bearer token. `Debug` shows names, never tokens.
#[derive(Clone, Default)]
pub struct McpTokens {
    entries: std::sync::Arc<Vec<Entry>>,
}

impl McpTokens {
    /// Parses the `name:token:scopes[:customer],...` list.
    pub fn parse(list: &str) -> Result<Self, McpTokensError> {
        let mut entries: Vec<Entry> = Vec::new();
        for (index, raw) in list
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            let entry = parse_entry(index + 1, raw)?;
            if let Some(other) = entries
                .iter()
                .find(|e| bool::from(e.digest.ct_eq(&entry.digest)))
            {
                return Err(McpTokensError::DuplicateToken {
                    first: other.principal.name.clone(),
                    second: entry.principal.name,
                });
            }
            entries.push(entry);
        }
        if entries.is_empty() {
            return Err(McpTokensError::Empty);
        }
        Ok(Self {
            entries: std::sync::Arc::new(entries),
        })
    }

    /// Whether no token is configured (the HTTP door then refuses every call).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The principal a presented token names, if any. Every entry is compared, in constant
    /// time, whatever matches.
    pub fn authenticate(&self, presented: &str) -> Option<Principal> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for entry in self.entries.iter() {
            if bool::from(entry.digest.ct_eq(&digest)) {
                found = Some(entry.principal.clone());
            }
        }
        found
    }
}

/// Parses `read`, `write` or `read+write` (`write` includes `read`) into sorted scopes; the
/// error is the unknown part. Shared by token entries and `charla mcp --scopes`.
pub fn parse_scopes(scopes: &str) -> Result<Vec<Scope>, String> {
    let mut granted = Vec::new();
    for scope in scopes.split('+').map(str::trim) {
        match scope {
            "read" => granted.push(Scope::Read),
            "write" => granted.extend([Scope::Read, Scope::Write]),
            other => return Err(other.to_string()),
        }
    }
    granted.sort();
    granted.dedup();
    Ok(granted)
}

fn parse_entry(entry: usize, raw: &str) -> Result<Entry, McpTokensError> {
    let mut parts = raw.splitn(4, ':');
    let (Some(name), Some(token), Some(scopes)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(McpTokensError::Malformed { entry });
    };
    let customer = parts.next();
    let valid_name = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !valid_name {
        return Err(McpTokensError::InvalidName { entry });
    }
    if token.len() < MIN_TOKEN_LENGTH || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(McpTokensError::WeakToken { name: name.into() });
    }
    let granted = parse_scopes(scopes).map_err(|scope| McpTokensError::UnknownScope {
        name: name.into(),
        scope,
    })?;
    let acts_for = match customer.map(str::trim) {
        Some("") => return Err(McpTokensError::EmptyCustomer { name: name.into() }),
        Some(customer) => Some(customer.to_string()),
        None => None,
    };
    Ok(Entry {
        digest: Sha256::digest(token.as_bytes()).into(),
        principal: Principal {
            name: name.to_string(),
            scopes: granted,
            acts_for,
        },
    })
}

impl fmt::Debug for McpTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| &e.principal.name))
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TOKEN_A: &str = "aaaaaaaaaaaaaaaaaaaa";
    const TOKEN_B: &str = "bbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn a_token_names_its_principal_with_scopes_and_customer() {
        let tokens = McpTokens::parse(&format!(
            "search:{TOKEN_A}:read, crm:{TOKEN_B}:read+write:34600111222"
        ))
        .unwrap();
        let search = tokens.authenticate(TOKEN_A);
        assert_eq!(search, Some(Principal::read_only("search")));
        let crm = tokens.authenticate(TOKEN_B).map(|p| (p.scopes, p.acts_for));
        assert_eq!(
            crm,
            Some((vec![Scope::Read, Scope::Write], Some("34600111222".into())))
        );
        assert_eq!(tokens.authenticate("cccccccccccccccccccc"), None);
        assert_eq!(tokens.authenticate(""), None);
    }

    #[test]
    fn bad_lists_are_refused_naming_the_entry_not_the_token() {
        let cases = [
            ("", McpTokensError::Empty),
            ("a:b", McpTokensError::Malformed { entry: 1 }),
            (
                "ok:short:read",
                McpTokensError::WeakToken { name: "ok".into() },
            ),
            (
                &format!("ok:{TOKEN_A}:admin"),
                McpTokensError::UnknownScope {
                    name: "ok".into(),
                    scope: "admin".into(),
                },
            ),
            (
                &format!("a:{TOKEN_A}:read,b:{TOKEN_A}:write"),
                McpTokensError::DuplicateToken {
                    first: "a".into(),
                    second: "b".into(),
                },
            ),
            (
                &format!("sp ace:{TOKEN_A}:read"),
                McpTokensError::InvalidName { entry: 1 },
            ),
        ];
        for (list, expected) in cases {
            let error = McpTokens::parse(list).err();
            assert_eq!(error.as_ref(), Some(&expected), "{list}");
            let message = expected.to_string();
            assert!(!message.contains(TOKEN_A), "{message}");
        }
    }

    #[test]
    fn debug_output_shows_names_only() {
        let tokens = McpTokens::parse(&format!("search:{TOKEN_A}:read")).unwrap();
        let shown = format!("{tokens:?}");
        assert!(
            shown.contains("search") && !shown.contains(TOKEN_A),
            "{shown}"
        );
    }
}
