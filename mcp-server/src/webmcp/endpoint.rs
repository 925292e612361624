//! `POST /webmcp/tools/{name}`: runs a tool for a browser session, with the validation,
//! authorization and call budget of the MCP door. Every answer, success or failure, is an MCP
//! `CallToolResult` (`content`, `structuredContent`, `isError`) that the page script hands to
//! the browser agent as it is; failures also carry `error: {code, message}` and an HTTP status
//! that says what went wrong (422 bad arguments, 404 unknown tool, 429 over budget...).
//!
//! Requests must be `application/json`: a cross-origin page cannot send that without a CORS
//! preflight, which this endpoint never grants, so only the site's own pages can call it.

use super::WebMcpState;
use crate::convert;
use crate::handler::{rate_limited, retry_after_secs};
use crate::principal::Principal;
use axum::body::Bytes;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use charla_tools::{ToolError, ToolErrorKind};
use rmcp::model::CallToolResult;
use std::net::SocketAddr;
use tokio_util::sync::CancellationToken;

/// Runs the tool `name` with the JSON body as its arguments.
pub(crate) async fn call(
    State(state): State<WebMcpState>,
    Path(name): Path<String>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let principal = match principal(&state, &headers, client.map(|c| c.0.0)) {
        Ok(principal) => principal,
        Err(refusal) => return refusal,
    };
    if !is_json(&headers) {
        return refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &ToolError::invalid("send the tool's arguments as `Content-Type: application/json`"),
        );
    }
    let arguments: serde_json::Value = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(arguments) => arguments,
            Err(e) => {
                return refused(
                    StatusCode::BAD_REQUEST,
                    &ToolError::invalid(format!(
                        "the body is not JSON (line {}, column {}): {e}",
                        e.line(),
                        e.column()
                    )),
                );
            }
        }
    };
    if !(arguments.is_object() || arguments.is_null()) {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ToolError::invalid("the body must be a JSON object of the tool's arguments"),
        );
    }
    if let Err(wait) = state.budget.take(&principal.name) {
        let mut response = refused(StatusCode::TOO_MANY_REQUESTS, &rate_limited(wait));
        if let Ok(value) = HeaderValue::from_str(&retry_after_secs(wait).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    // A browser that goes away does not cancel the call: nothing here is worth interrupting.
    match state
        .server
        .call_for(&principal, &name, arguments, CancellationToken::new())
        .await
    {
        Ok(output) => Json(convert::success(output)).into_response(),
        Err(error) => refused(status_of(error.kind), &error),
    }
}

/// Who calls: the token's principal when the request signs in with one, else an anonymous,
/// read-only customer named after the client's address (which its call budget follows).
/// The refusal is a whole response, made once per bad token: its size does not matter.
#[allow(clippy::result_large_err)]
fn principal(
    state: &WebMcpState,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
) -> Result<Principal, Response> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    match presented {
        Some(token) => state
            .tokens
            .as_ref()
            .and_then(|tokens| tokens.authenticate(token.trim()))
            .ok_or_else(|| {
                refused(
                    StatusCode::UNAUTHORIZED,
                    &ToolError::not_allowed(
                        "the bearer token is not valid here; call without one to act anonymously",
                    ),
                )
            }),
        None => {
            let who = client.map_or_else(|| "unknown".to_string(), |a| a.ip().to_string());
            Ok(Principal::read_only(format!("webmcp:{who}")))
        }
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// The HTTP status that tells a script what kind of failure a tool error is.
fn status_of(kind: ToolErrorKind) -> StatusCode {
    match kind {
        ToolErrorKind::InvalidArguments => StatusCode::UNPROCESSABLE_ENTITY,
        ToolErrorKind::NotFound | ToolErrorKind::UnknownTool => StatusCode::NOT_FOUND,
        ToolErrorKind::NotAllowed => StatusCode::FORBIDDEN,
        ToolErrorKind::Conflict => StatusCode::CONFLICT,
        ToolErrorKind::Timeout => StatusCode::GATEWAY_TIMEOUT,
        ToolErrorKind::Cancelled | ToolErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ToolErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
    }
}

/// A failure as an MCP tool error with a stable code beside it.
fn refused(status: StatusCode, error: &ToolError) -> Response {
    let result: CallToolResult = convert::failure(error);
    let mut body = serde_json::to_value(&result).unwrap_or_default();
    if let Some(object) = body.as_object_mut() {
        object.insert(
            "error".into(),
            serde_json::json!({"code": error.kind, "message": error.message}),
        );
    }
    (status, Json(body)).into_response()
}
