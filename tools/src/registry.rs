//! The [`ToolRegistry`]: the one list of tools that the agent, MCP and WebMCP all serve.
//! Calling through it enforces the deadline, cancellation and the unknown-tool error in one
//! place.

use crate::tool::{DynTool, Scope, ToolContext, ToolError, ToolErrorKind, ToolSpec};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A set of tools by name.
#[derive(Clone, Default)]
pub struct ToolRegistry {
    tools: BTreeMap<String, Arc<dyn DynTool>>,
}

impl ToolRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tool, replacing one of the same name.
    pub fn register(&mut self, tool: impl DynTool + 'static) -> &mut Self {
        let tool: Arc<dyn DynTool> = Arc::new(tool);
        self.tools.insert(tool.spec().name, tool);
        self
    }

    /// The specs of every tool, by name.
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.tools.values().map(|t| t.spec()).collect()
    }

    /// The specs of the tools whose scope is among `scopes`.
    pub fn specs_for(&self, scopes: &[Scope]) -> Vec<ToolSpec> {
        self.specs()
            .into_iter()
            .filter(|s| scopes.contains(&s.scope))
            .collect()
    }

    /// The tool called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn DynTool>> {
        self.tools.get(name)
    }

    /// The names of every tool.
    pub fn names(&self) -> Vec<&str> {
        self.tools.keys().map(String::as_str).collect()
    }

    /// Calls `name` with JSON arguments within the context's deadline and cancellation.
    /// An unknown name is an error that lists the tools there are, so a model can correct
    /// itself.
    pub async fn call(
        &self,
        ctx: &ToolContext,
        name: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, ToolError> {
        let Some(tool) = self.tools.get(name) else {
            return Err(ToolError::new(
                ToolErrorKind::UnknownTool,
                format!(
                    "there is no tool named {name:?}; the tools are: {}",
                    self.names().join(", ")
                ),
            ));
        };
        let call = tool.call_json(ctx, args);
        let timed = async {
            match ctx.deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, call)
                    .await
                    .unwrap_or_else(|_| {
                        Err(ToolError::new(
                            ToolErrorKind::Timeout,
                            format!("{name} took too long"),
                        ))
                    }),
                None => call.await,
            }
        };
        tokio::select! {
            biased;
            () = ctx.cancel.cancelled() => Err(ToolError::new(ToolErrorKind::Cancelled, format!("{name} was cancelled"))),
            result = timed => result,
        }
    }
}

impl std::fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolRegistry")
            .field("tools", &self.names())
            .finish()
    }
}
