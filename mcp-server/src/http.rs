//! MCP over Streamable HTTP at `/mcp`, and the documents that let clients find and
//! authenticate to it:
//!
//! - `/mcp`: rmcp's Streamable HTTP service (protocol revisions 2025-11-25 with sessions and
//!   2026-07-28 stateless), behind bearer authentication; Host and Origin are checked by
//!   rmcp against the configured lists (loopback only by default, against DNS rebinding).
//! - `/.well-known/oauth-protected-resource[/mcp]`: RFC 9728 metadata naming the resource,
//!   which the `WWW-Authenticate` header of every 401 points to.
//! - `/.well-known/ai-catalog.json` (and `/.well-known/mcp/catalog.json`) and
//!   `/mcp/server-card`: the experimental MCP server card of SEP-2127 and the catalog that
//!   points to it.

use crate::handler::CharlaMcp;
use crate::headers::with_headers;
use crate::principal::Principal;
use crate::tokens::McpTokens;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rmcp::model::ProtocolVersion;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Where the MCP endpoint is mounted.
pub const MCP_PATH: &str = "/mcp";

/// How the HTTP door is set up.
#[derive(Debug, Clone)]
pub struct McpHttpConfig {
    /// Who may call, by bearer token. With none, every request gets a 401.
    pub tokens: McpTokens,
    /// The public origin clients reach the server at (e.g. `https://shop.example.com`), used
    /// to name the resource in discovery documents; without one, the request's Host is used.
    pub public_url: Option<String>,
    /// `Host` values accepted (host or host:port). Default: loopback names only.
    pub allowed_hosts: Vec<String>,
    /// Browser `Origin`s accepted (with scheme, e.g. `https://shop.example.com`); empty
    /// accepts requests without an Origin and from any origin presenting a valid token.
    pub allowed_origins: Vec<String>,
    /// Stops open sessions and streams when the server shuts down.
    pub shutdown: CancellationToken,
}

impl McpHttpConfig {
    /// A loopback-only configuration with `tokens`.
    pub fn new(tokens: McpTokens) -> Self {
        Self {
            tokens,
            public_url: None,
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            allowed_origins: Vec::new(),
            shutdown: CancellationToken::new(),
        }
    }
}

#[derive(Clone)]
struct Discovery {
    public_url: Option<String>,
    business: String,
}

impl Discovery {
    /// The origin this request reached us at: the configured public URL, else the Host.
    fn origin(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    }

    fn resource(&self, headers: &HeaderMap) -> String {
        format!("{}{MCP_PATH}", self.origin(headers))
    }

    fn resource_metadata_url(&self, headers: &HeaderMap) -> String {
        format!(
            "{}/.well-known/oauth-protected-resource{MCP_PATH}",
            self.origin(headers)
        )
    }
}

#[derive(Clone)]
struct AuthState {
    tokens: McpTokens,
    discovery: Discovery,
}

/// The router of the MCP door: `/mcp` and its discovery documents.
pub fn mcp_router(server: CharlaMcp, business: &str, config: McpHttpConfig) -> Router {
    let mut http = StreamableHttpServerConfig::default()
        .with_allowed_hosts(config.allowed_hosts.clone())
        .with_cancellation_token(config.shutdown.clone());
    if !config.allowed_origins.is_empty() {
        http = http.with_allowed_origins(config.allowed_origins.clone());
    }
    let service: StreamableHttpService<CharlaMcp, LocalSessionManager> = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        http,
    );
    let discovery = Discovery {
        public_url: config.public_url.clone(),
        business: business.to_string(),
    };
    let auth = AuthState {
        tokens: config.tokens.clone(),
        discovery: discovery.clone(),
    };
    let mcp = Router::new()
        .route_service(MCP_PATH, service)
        .layer(middleware::from_fn_with_state(auth, require_bearer));
    let documents = Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(protected_resource),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(protected_resource),
        )
        .route("/.well-known/ai-catalog.json", get(catalog))
        .route("/.well-known/mcp/catalog.json", get(catalog))
        .route("/mcp/server-card", get(server_card))
        .with_state(discovery);
    mcp.merge(documents)
}

/// Lets a request through with its [`Principal`] when it carries a known bearer token;
/// otherwise a 401 whose `WWW-Authenticate` names the resource metadata (RFC 9728, RFC 6750)
/// and whose JSON body says what is missing without hinting at any token.
async fn require_bearer(
    State(auth): State<AuthState>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim);
    let principal: Option<Principal> = presented.and_then(|t| auth.tokens.authenticate(t));
    match principal {
        Some(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        None => {
            let metadata = auth.discovery.resource_metadata_url(request.headers());
            let (challenge, message) = match presented {
                None => (
                    format!("Bearer resource_metadata=\"{metadata}\""),
                    "this MCP server needs an `Authorization: Bearer <token>` header",
                ),
                Some(_) => (
                    format!("Bearer error=\"invalid_token\", resource_metadata=\"{metadata}\""),
                    "the bearer token is not valid for this MCP server",
                ),
            };
            let mut response = (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": {"code": "unauthorized", "message": message}})),
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
            response
        }
    }
}

/// RFC 9728 protected-resource metadata. charla issues its own static tokens, so no
/// authorization server is named.
async fn protected_resource(State(discovery): State<Discovery>, headers: HeaderMap) -> Response {
    let body = json!({
        "resource": discovery.resource(&headers),
        "resource_name": format!("{} (charla MCP server)", discovery.business),
        "bearer_methods_supported": ["header"],
        "scopes_supported": ["read", "write"],
        "resource_documentation": "https://github.com/charla-ai/charla#mcp",
    });
    public_document(Json(body).into_response(), None)
}

/// The catalog (SEP-2127's MCP Catalog, a subset of the AI Catalog) pointing to the card.
async fn catalog(State(discovery): State<Discovery>, headers: HeaderMap) -> Response {
    let origin = discovery.origin(&headers);
    let publisher = origin
        .split("://")
        .nth(1)
        .unwrap_or("localhost")
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost")
        .to_string();
    let body = json!({
        "specVersion": "draft",
        "entries": [{
            "identifier": format!("urn:air:{publisher}:charla"),
            "displayName": format!("{} (charla)", discovery.business),
            "type": "application/mcp-server-card+json",
            "url": format!("{origin}{MCP_PATH}/server-card"),
        }],
    });
    public_document(Json(body).into_response(), None)
}

/// The server card (SEP-2127, experimental: its shape may still change).
async fn server_card(State(discovery): State<Discovery>, headers: HeaderMap) -> Response {
    let versions: Vec<&str> = ProtocolVersion::KNOWN_VERSIONS
        .iter()
        .map(ProtocolVersion::as_str)
        .collect();
    let mut description = format!(
        "{}: catalog, FAQ and policy search; bookings and tickets",
        discovery.business
    );
    if description.chars().count() > 100 {
        description = description.chars().take(99).collect::<String>() + "…";
    }
    let body = json!({
        "$schema": "https://static.modelcontextprotocol.io/schemas/v2/server-card.schema.json",
        "name": "io.github.charla-ai/charla",
        "version": env!("CARGO_PKG_VERSION"),
        "title": format!("{} (charla)", discovery.business).chars().take(100).collect::<String>(),
        "description": description,
        "websiteUrl": "https://github.com/charla-ai/charla",
        "repository": {"url": "https://github.com/charla-ai/charla", "source": "github"},
        "remotes": [{
            "type": "streamable-http",
            "url": discovery.resource(&headers),
            "headers": [{
                "name": "Authorization",
                "description": "Bearer token issued by the business (scopes: read, write)",
                "isRequired": true,
                "isSecret": true,
                "value": "Bearer {token}",
            }],
            "supportedProtocolVersions": versions,
        }],
        "_meta": {"io.github.charla-ai/status": "experimental"},
    });
    public_document(
        Json(body).into_response(),
        Some("application/mcp-server-card+json"),
    )
}

/// Public, read-only metadata: any origin may read it, and it may be cached for an hour.
fn public_document(response: Response, content_type: Option<&'static str>) -> Response {
    let response = with_headers(
        response,
        &[
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::ACCESS_CONTROL_ALLOW_METHODS, "GET"),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
    );
    match content_type {
        Some(content_type) => with_headers(response, &[(header::CONTENT_TYPE, content_type)]),
        None => response,
    }
}
