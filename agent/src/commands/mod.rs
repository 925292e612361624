//! One module per `charla` subcommand.

pub mod ingest;
pub mod search;
