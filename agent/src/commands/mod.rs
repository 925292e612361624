//! One module per `charla` subcommand.

pub mod chat;
pub mod ingest;
pub mod mcp;
pub mod search;
pub mod serve;
