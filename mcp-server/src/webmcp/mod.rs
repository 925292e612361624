//! WebMCP: the same tools for AI agents working in a browser on the business's site.
//!
//! - `GET /.well-known/webmcp.json`: the manifest of the tools a browser agent may use (see
//!   [`manifest`]); no standard defines this file yet, so it mirrors MCP's tool fields.
//! - `POST /webmcp/tools/{name}`: runs a tool for the browser session (see [`endpoint`]).
//! - `GET /webmcp.js`: the script a shop page includes; it registers every manifest tool with
//!   `document.modelContext.registerTool` (or `navigator.modelContext` from a polyfill).
//! - `GET /shop`: a small example shop page that uses it.
//!
//! A browser session is an anonymous customer with the read-only tools, unless it signs in
//! with a bearer token (the MCP tokens), which then decides its tools like over MCP.

pub mod endpoint;
pub mod manifest;

use crate::handler::CharlaMcp;
use crate::headers::with_headers;
use crate::rate_limit::{CallBudget, RateLimits};
use crate::tokens::McpTokens;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

/// The page script, embedded so the binary serves it without files next to it.
pub const WEBMCP_JS: &str = include_str!("../../assets/webmcp.js");
/// The example shop page.
pub const SHOP_HTML: &str = include_str!("../../assets/shop.html");

/// The largest tool-call body accepted: arguments are small objects.
pub const MAX_CALL_BODY_BYTES: usize = 64 * 1024;

/// How the WebMCP door is set up.
#[derive(Debug, Clone)]
pub struct WebMcpConfig {
    /// The business's name, for the manifest.
    pub business: String,
    /// Tokens a browser session may sign in with (the MCP tokens); none: anonymous only.
    pub tokens: Option<McpTokens>,
    /// Calls per browser client (by address, or by token once signed in).
    pub limits: RateLimits,
}

impl WebMcpConfig {
    /// Anonymous browser sessions for `business`, with the default browser limits.
    pub fn new(business: impl Into<String>) -> Self {
        Self {
            business: business.into(),
            tokens: None,
            limits: RateLimits::BROWSER,
        }
    }
}

/// What the WebMCP handlers share.
#[derive(Clone)]
pub(crate) struct WebMcpState {
    pub(crate) server: CharlaMcp,
    pub(crate) business: String,
    pub(crate) tokens: Option<McpTokens>,
    pub(crate) budget: CallBudget,
}

/// The router of the WebMCP door.
pub fn webmcp_router(server: CharlaMcp, config: WebMcpConfig) -> Router {
    let state = WebMcpState {
        server,
        business: config.business,
        tokens: config.tokens,
        budget: CallBudget::new(config.limits),
    };
    Router::new()
        .route("/.well-known/webmcp.json", get(manifest::serve))
        .route(
            "/webmcp/tools/{name}",
            post(endpoint::call).layer(DefaultBodyLimit::max(MAX_CALL_BODY_BYTES)),
        )
        .route("/webmcp.js", get(script))
        .route("/shop", get(shop))
        .with_state(state)
}

async fn script() -> Response {
    with_headers(
        WEBMCP_JS.into_response(),
        &[
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
    )
}

async fn shop() -> Html<&'static str> {
    Html(SHOP_HTML)
}
