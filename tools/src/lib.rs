//! charla-tools: the typed tools charla's agent, MCP server and WebMCP endpoint share.
//!
//! - [`tool`]: the [`Tool`] trait, its object-safe mirror [`DynTool`], context, errors, scopes.
//! - [`schema`]: JSON Schemas from the argument and result types.
//! - [`registry`]: the [`ToolRegistry`] that lists and calls tools.
//! - [`builtin`]: the built-in tools (catalog and knowledge search, tickets, availability,
//!   bookings, handoff) and [`builtin_registry`] that builds them.
//! - [`business`]: the business's configuration from `business.toml`, validated.
//! - [`schedule`]: bookable slots from workshop hours, closures, capacity and "now".
//! - [`store`]: contacts, tickets and bookings in SQLite, with embedded migrations.
//! - [`clock`]: the [`Clock`] tools read "now" from, fixable in tests and scenarios.

pub mod builtin;
pub mod business;
pub mod clock;
pub mod registry;
pub mod schedule;
pub mod schema;
pub mod store;
pub mod tool;

pub use builtin::{BuiltinDeps, builtin_registry};
pub use business::{Business, BusinessError};
pub use clock::Clock;
pub use registry::ToolRegistry;
pub use store::{Store, StoreError};
pub use tool::{
    Caller, DynTool, Scope, Tool, ToolAnnotations, ToolContext, ToolError, ToolErrorKind, ToolSpec,
};
