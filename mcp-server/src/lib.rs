//! charla-mcp: charla's tools for other AI agents, served from the one
//! [`ToolRegistry`](charla_tools::ToolRegistry) the agent uses, so a tool is defined once and
//! served three ways (to the agent's model, over MCP, over WebMCP).
//!
//! - [`principal`]: who is calling over MCP or WebMCP, with which scopes, for which customer.
//! - [`tokens`]: the bearer tokens that name principals (`CHARLA_MCP_TOKENS`).
//! - [`handler`]: the rmcp server handler over the registry ([`CharlaMcp`]).
//! - [`convert`]: tool specs and results in MCP's shapes.
//! - [`stdio`]: the stdio transport (`charla mcp`).
//! - [`http`]: Streamable HTTP at `/mcp` with bearer authentication, Host and Origin checks,
//!   and the discovery documents (RFC 9728 protected-resource metadata, the experimental
//!   server card).
//! - [`webmcp`]: `/.well-known/webmcp.json`, `POST /webmcp/tools/{name}`, `/webmcp.js` and the
//!   example `/shop` page for browser agents.
//! - [`rate_limit`]: per-caller call budgets shared by both doors.

pub mod convert;
pub mod handler;
mod headers;
pub mod http;
pub mod principal;
pub mod rate_limit;
pub mod stdio;
pub mod tokens;
pub mod webmcp;

pub use handler::{CharlaMcp, ServerIdentity};
pub use http::{McpHttpConfig, mcp_router};
pub use principal::Principal;
pub use rate_limit::{CallBudget, RateLimits};
pub use tokens::{McpTokens, McpTokensError, parse_scopes};
pub use webmcp::{WebMcpConfig, webmcp_router};
