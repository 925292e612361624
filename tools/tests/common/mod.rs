//! What the tool tests share: the example business, a store and an empty index in a temporary
//! folder, a clock fixed on a Monday morning in Barcelona, and callers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use charla_knowledge::index::IndexLayout;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::search::Searcher;
use charla_tools::builtin::{BuiltinDeps, builtin_registry};
use charla_tools::business::Business;
use charla_tools::clock::Clock;
use charla_tools::store::Store;
use charla_tools::{Caller, ToolContext, ToolError, ToolErrorKind, ToolRegistry};
use jiff::Timestamp;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use tempfile::TempDir;

/// Monday 30 November 2026, 09:00 in Madrid (08:00 UTC).
pub const MONDAY_MORNING: &str = "2026-11-30T08:00:00Z";

/// The example business of the repository.
pub fn velora() -> Arc<Business> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/velora/business.toml");
    Arc::new(Business::load(&path).unwrap())
}

/// The built-in tools over a fresh store and an empty BM25 index, with a fixed clock.
pub struct Shop {
    pub registry: ToolRegistry,
    pub store: Store,
    pub clock: Clock,
    pub business: Arc<Business>,
    pub dir: TempDir,
}

impl Shop {
    pub async fn new() -> Self {
        Self::at(MONDAY_MORNING).await
    }

    pub async fn at(now: &str) -> Self {
        let dir = TempDir::new().unwrap();
        let store = Store::open(&dir.path().join("data")).await.unwrap();
        let index =
            EdgeIndex::open(&dir.path().join("index"), IndexLayout { dense: None }).unwrap();
        let searcher = Searcher::new(Arc::new(index), None);
        let clock = Clock::fixed(now.parse::<Timestamp>().unwrap());
        let business = velora();
        let registry = builtin_registry(BuiltinDeps {
            searcher,
            store: store.clone(),
            business: Some(business.clone()),
            clock: clock.clone(),
        });
        Shop {
            registry,
            store,
            clock,
            business,
            dir,
        }
    }

    /// Calls `tool` as `ctx` and expects success.
    pub async fn ok(&self, ctx: &ToolContext, tool: &str, args: Value) -> Value {
        match self.registry.call(ctx, tool, args.clone()).await {
            Ok(value) => value,
            Err(err) => panic!("{tool}({args}) failed: {err}"),
        }
    }

    /// Calls `tool` as `ctx` and expects an error.
    pub async fn err(&self, ctx: &ToolContext, tool: &str, args: Value) -> ToolError {
        match self.registry.call(ctx, tool, args.clone()).await {
            Ok(value) => panic!("{tool}({args}) should have failed, returned {value}"),
            Err(err) => err,
        }
    }

    /// Sets the clock.
    pub fn set_now(&self, now: &str) {
        self.clock.set(now.parse().unwrap());
    }
}

/// A customer writing on WhatsApp, inside a conversation.
pub fn customer(id: &str) -> ToolContext {
    ToolContext::new(Caller::Customer {
        contact_id: id.into(),
    })
    .with_conversation(format!("conv-{id}"))
}

/// An operator of the business.
pub fn operator() -> ToolContext {
    ToolContext::new(Caller::Operator { id: "op-1".into() })
}

/// An MCP client whose token acts for no customer.
pub fn agent_for_nobody() -> ToolContext {
    ToolContext::new(Caller::Agent {
        principal: "token-1".into(),
        acts_for: None,
    })
}

/// An MCP client acting for `customer`.
pub fn agent_for(customer: &str) -> ToolContext {
    ToolContext::new(Caller::Agent {
        principal: "token-2".into(),
        acts_for: Some(customer.into()),
    })
}

/// Asserts the error's kind and that its message contains every fragment.
pub fn assert_error(err: &ToolError, kind: ToolErrorKind, fragments: &[&str]) {
    assert_eq!(err.kind, kind, "{err}");
    for fragment in fragments {
        assert!(
            err.message.contains(fragment),
            "`{fragment}` not in: {}",
            err.message
        );
    }
}

/// The start times of a check_availability answer, as `(location, start)`.
pub fn slot_starts(answer: &Value) -> Vec<(String, String)> {
    answer["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["location"].as_str().unwrap().to_string(),
                s["start"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
