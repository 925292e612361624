//! `charla`: the command line of the charla agent runtime.
//!
//! - `settings`: file < environment < flags.
//! - `agent_setup`: assembles the agent (first-run ingest, models, store).
//! - `knowledge_setup`: opens the index and embedder the settings ask for.
//! - `mcp_setup`: the MCP and WebMCP doors, configured from the environment.
//! - `commands`: one module per subcommand.

mod agent_setup;
mod commands;
mod knowledge_setup;
mod mcp_setup;
mod settings;

use clap::{Parser, Subcommand};
use settings::{GlobalArgs, Settings};
use std::process::ExitCode;

/// charla: an AI agent runtime for businesses that serve their customers on WhatsApp.
#[derive(Debug, Parser)]
#[command(name = "charla", version, about, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read catalogs, FAQs and policies into the business's index (idempotent).
    Ingest(commands::ingest::IngestArgs),
    /// Search the business's knowledge (hybrid: meaning + keywords).
    Search(commands::search::SearchArgs),
    /// Chat with the agent as a customer (interactive, or one --message at a time).
    Chat(commands::chat::ChatArgs),
    /// Serve the WhatsApp webhook, the operator API, MCP (/mcp) and WebMCP.
    Serve(commands::serve::ServeArgs),
    /// Serve the business's tools to another AI agent over MCP (stdio, or --http).
    Mcp(commands::mcp::McpArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let settings = Settings::load(&cli.global)?;
        match cli.command {
            Command::Ingest(args) => commands::ingest::run(&settings, args).await,
            Command::Search(args) => commands::search::run(&settings, args).await,
            Command::Chat(args) => commands::chat::run(&settings, args).await,
            Command::Serve(args) => commands::serve::run(&settings, args).await,
            Command::Mcp(args) => commands::mcp::run(&settings, args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr (stdout carries results, and the stdio MCP protocol); `RUST_LOG`
/// tunes them, warnings by default.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
