//! The doors for other AI agents, as `charla serve` and `charla mcp --http` mount them: MCP
//! over Streamable HTTP at `/mcp` (when `CHARLA_MCP_TOKENS` names who may call) and WebMCP for
//! browser agents (always: anonymous browser sessions get the read-only tools).
//!
//! Environment:
//! - `CHARLA_MCP_TOKENS`: `name:token:scopes[:customer],...` (see [`McpTokens`]);
//! - `CHARLA_PUBLIC_URL`: the origin clients reach charla at, e.g. `https://shop.example.com`;
//!   its host is accepted in `Host` besides loopback, and it names the resource in discovery;
//! - `CHARLA_MCP_ALLOWED_HOSTS`: more `Host` values to accept (comma-separated);
//! - `CHARLA_MCP_ALLOWED_ORIGINS`: browser `Origin`s accepted on `/mcp` (comma-separated);
//! - `CHARLA_MCP_CALLS_PER_MINUTE`: each token's tool-call budget (default 600, bursts of a
//!   sixth of it); `CHARLA_WEBMCP_CALLS_PER_MINUTE`: each browser client's (default 60).

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::http::Uri;
use charla_agent::runtime::Runtime;
use charla_mcp::{
    CallBudget, CharlaMcp, McpHttpConfig, McpTokens, RateLimits, ServerIdentity, WebMcpConfig,
    mcp_router, webmcp_router,
};
use tokio_util::sync::CancellationToken;

/// The name clients are shown: the business's own, else its configured id.
pub fn business_name(runtime: &Runtime, fallback: &str) -> String {
    runtime
        .business
        .as_ref()
        .map(|b| b.name.clone())
        .unwrap_or_else(|| fallback.to_string())
}

/// The MCP server over the runtime's tool registry (the one the agent uses).
pub fn server(runtime: &Runtime, business: &str) -> CharlaMcp {
    CharlaMcp::new(
        runtime.tools.clone(),
        ServerIdentity::for_business(business),
    )
}

/// The MCP and WebMCP routers, configured from the environment. `shutdown` ends open MCP
/// sessions and streams when the server stops.
pub fn doors(server: CharlaMcp, business: &str, shutdown: CancellationToken) -> Result<Router> {
    let tokens = match env("CHARLA_MCP_TOKENS") {
        Some(list) => Some(McpTokens::parse(&list).context("CHARLA_MCP_TOKENS")?),
        None => None,
    };
    let mut webmcp = WebMcpConfig::new(business);
    webmcp.tokens = tokens.clone();
    if let Some(per_minute) = calls_per_minute("CHARLA_WEBMCP_CALLS_PER_MINUTE")? {
        webmcp.limits = RateLimits::per_minute(per_minute);
    }
    let router = webmcp_router(server.clone(), webmcp);
    let Some(tokens) = tokens else {
        eprintln!(
            "note: CHARLA_MCP_TOKENS is not set: MCP over HTTP (/mcp) is off; WebMCP serves the read-only tools"
        );
        return Ok(router);
    };
    let limits = calls_per_minute("CHARLA_MCP_CALLS_PER_MINUTE")?
        .map_or(RateLimits::MCP, RateLimits::per_minute);
    let server = server.with_budget(CallBudget::new(limits));
    let mut config = McpHttpConfig::new(tokens);
    config.shutdown = shutdown;
    if let Some(url) = env("CHARLA_PUBLIC_URL") {
        let uri: Uri = url
            .parse()
            .with_context(|| format!("CHARLA_PUBLIC_URL={url:?} is not a URL"))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            bail!(
                "CHARLA_PUBLIC_URL={url:?} must be an origin with scheme and host, like https://shop.example.com"
            );
        };
        config.allowed_hosts.push(authority.host().to_string());
        config.allowed_hosts.push(authority.as_str().to_string());
        config.public_url = Some(format!("{scheme}://{authority}"));
    }
    config
        .allowed_hosts
        .extend(list("CHARLA_MCP_ALLOWED_HOSTS"));
    config.allowed_origins = list("CHARLA_MCP_ALLOWED_ORIGINS");
    Ok(router.merge(mcp_router(server, business, config)))
}

fn calls_per_minute(name: &str) -> Result<Option<u32>> {
    env(name)
        .map(|v| match v.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!("{name}={v:?} must be a whole number of calls per minute, at least 1"),
        })
        .transpose()
}

fn list(name: &str) -> Vec<String> {
    env(name)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
