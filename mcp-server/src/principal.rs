//! [`Principal`]: who calls charla's tools over MCP or WebMCP. Which tools a principal sees
//! and may call follows from its scopes and whether it acts for a customer; tools then
//! authorize each call from the [`Caller`] it becomes, never from arguments.

use charla_tools::{Caller, Scope, ToolSpec};

/// An MCP token's holder, a stdio client, or a browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who it is, for logs and rate limits (a token's name, `stdio`, `webmcp:<session>`).
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// The customer it acts for, if its credentials name one.
    pub acts_for: Option<String>,
}

impl Principal {
    /// A principal that may only search (the default for browser sessions and `charla mcp`).
    pub fn read_only(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            scopes: vec![Scope::Read],
            acts_for: None,
        }
    }

    /// Whether this principal may see and call the tool `spec` describes: it needs the tool's
    /// scope, and a customer to act for when the tool touches a customer's own data. Tools of
    /// the [`Scope::Conversation`] scope (handoff) belong to a WhatsApp conversation and are
    /// never offered here.
    pub fn may_use(&self, spec: &ToolSpec) -> bool {
        spec.scope != Scope::Conversation
            && self.scopes.contains(&spec.scope)
            && (!spec.acts_for_customer || self.acts_for.is_some())
    }

    /// The caller tools see.
    pub fn caller(&self) -> Caller {
        Caller::Agent {
            principal: self.name.clone(),
            acts_for: self.acts_for.clone(),
        }
    }
}
