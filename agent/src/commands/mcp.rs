//! `charla mcp`: the business's tools for another AI agent, over stdio (the default: an MCP
//! client starts `charla mcp` as its subprocess) or, with `--http`, over Streamable HTTP at
//! `/mcp` with WebMCP beside it, without the WhatsApp webhook.
//!
//! Over stdio, stdout carries only the protocol; logs and notes go to stderr. Whoever starts
//! the process decides what it may do: read-only by default, `--scopes` and `--customer` to
//! widen it.

use crate::agent_setup;
use crate::mcp_setup;
use crate::settings::Settings;
use anyhow::{Context, Result, bail};
use charla_mcp::{Principal, parse_scopes, stdio::serve_stdio};
use std::net::SocketAddr;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

/// Arguments of `charla mcp`.
#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// What the stdio client may do: `read` (search tools), `write` (tickets and bookings
    /// too) or `read+write`.
    #[arg(long, default_value = "read", value_name = "SCOPES")]
    scopes: String,
    /// The customer (contact id) the stdio client acts for; tools on one customer's tickets
    /// and bookings are offered only with one.
    #[arg(long, value_name = "CONTACT_ID")]
    customer: Option<String>,
    /// Serve Streamable HTTP (and WebMCP) on this address instead of stdio; who may call
    /// comes from CHARLA_MCP_TOKENS.
    #[arg(long, value_name = "HOST:PORT")]
    http: Option<SocketAddr>,
}

/// Serves MCP until the client closes stdin (stdio) or Ctrl-C (HTTP).
pub async fn run(settings: &Settings, args: McpArgs) -> Result<ExitCode> {
    let runtime = agent_setup::open(settings).await?;
    let business = mcp_setup::business_name(&runtime, &settings.business);
    let server = mcp_setup::server(&runtime, &business);
    match args.http {
        Some(addr) => {
            if args.customer.is_some() || args.scopes != "read" {
                bail!(
                    "--scopes and --customer are for stdio; over HTTP each token of CHARLA_MCP_TOKENS carries its own"
                );
            }
            if std::env::var_os("CHARLA_MCP_TOKENS").is_none() {
                bail!(
                    "charla mcp --http needs CHARLA_MCP_TOKENS (`name:token:scopes[:customer],...`): without tokens nobody could call /mcp"
                );
            }
            serve_http(server, &business, addr).await
        }
        None => {
            let scopes = parse_scopes(&args.scopes).map_err(|unknown| {
                anyhow::anyhow!(
                    "--scopes {:?}: unknown scope {unknown:?}; use read, write or read+write",
                    args.scopes
                )
            })?;
            if args
                .customer
                .as_deref()
                .is_some_and(|c| c.trim().is_empty())
            {
                bail!("--customer is empty; leave it out to act for no customer");
            }
            let principal = Principal {
                name: "stdio".into(),
                scopes,
                acts_for: args.customer,
            };
            serve_stdio(server.with_local_principal(principal))
                .await
                .context("MCP over stdio")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve_http(
    server: charla_mcp::CharlaMcp,
    business: &str,
    addr: SocketAddr,
) -> Result<ExitCode> {
    let shutdown = CancellationToken::new();
    let router = mcp_setup::doors(server, business, shutdown.clone())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    // Scripts and tests read this line to find the port.
    eprintln!(
        "charla MCP listening on http://{}/mcp",
        listener.local_addr()?
    );
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = tokio::signal::ctrl_c().await;
        shutdown.cancel();
    })
    .await
    .context("serving MCP")?;
    Ok(ExitCode::SUCCESS)
}
