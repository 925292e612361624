//! The operator API's errors, always JSON with a stable code
//! (`{"error": {"code": "...", "message": "..."}}`), and the body extractors that turn every
//! malformed request into one of them instead of axum's plain-text rejections.

use crate::conversation::ConversationError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// An error answer of the operator API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code clients branch on (`not_found`, `already_claimed`...).
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// 401: no or an unknown bearer token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 404: no such conversation (or route).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 422: the body reads but a value is unacceptable.
    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message)
    }

    /// 500: something on our side failed; the detail goes to the log, not to the client.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(%detail, "operator API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on the server; the details are in its log",
        )
    }
}

impl From<ConversationError> for ApiError {
    fn from(error: ConversationError) -> Self {
        match &error {
            ConversationError::NotFound(_) => Self::not_found(error.to_string()),
            ConversationError::NotHandedOff(_) => {
                Self::new(StatusCode::CONFLICT, "not_handed_off", error.to_string())
            }
            ConversationError::ClaimedByAnother { .. } => {
                Self::new(StatusCode::CONFLICT, "already_claimed", error.to_string())
            }
            ConversationError::NotClaimed(_) => {
                Self::new(StatusCode::CONFLICT, "not_claimed", error.to_string())
            }
            ConversationError::Database(_)
            | ConversationError::Migrate(_)
            | ConversationError::Corrupt(_) => Self::internal(&error),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750: a 401 names the scheme the client should use.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"charla operators\""),
            );
        }
        response
    }
}

/// The `{id}` of a `/conversations/{id}/...` route; a path that does not decode is an
/// [`ApiError`] like any other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ConversationPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(ConversationPath(id)),
            Err(rejection) => Err(ApiError::new(
                rejection.status(),
                "invalid_path",
                rejection.body_text(),
            )),
        }
    }
}

/// A required JSON body (`Content-Type: application/json`). Malformed JSON is 400, JSON of
/// the wrong shape 422, another content type 415, a body over the limit 413: all
/// [`ApiError`]s with code `invalid_body` (`body_too_large` for 413).
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (headers, bytes) = headers_and_bytes(request, state).await?;
        parse_json(&headers, &bytes).map(JsonBody)
    }
}

/// An optional JSON body: an empty body is `None`; anything else must be valid JSON, as
/// for [`JsonBody`].
#[derive(Debug, Clone)]
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (headers, bytes) = headers_and_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(None));
        }
        parse_json(&headers, &bytes).map(|value| OptionalJsonBody(Some(value)))
    }
}

async fn headers_and_bytes<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<(HeaderMap, Bytes), ApiError> {
    let headers = request.headers().clone();
    // The router's body limit applies here: a larger body is refused while it is read.
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(status, "body_too_large", "the request body is too large")
            } else {
                ApiError::new(status, "invalid_body", rejection.body_text())
            }
        })?;
    Ok((headers, bytes))
}

fn parse_json<T: DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> Result<T, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_body",
            "the body must be JSON, sent with `Content-Type: application/json`",
        ));
    }
    serde_json::from_slice(bytes).map_err(|error| {
        let status = match error.classify() {
            serde_json::error::Category::Data => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(
            status,
            "invalid_body",
            format!("the JSON body does not read: {error}"),
        )
    })
}

/// `application/json`, or a `+json` type, with any parameters (`; charset=utf-8`).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn content_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn json_content_types_are_recognised_with_parameters() {
        assert!(is_json(&content_type("application/json")));
        assert!(is_json(&content_type("Application/JSON; charset=utf-8")));
        assert!(is_json(&content_type("application/problem+json")));
        assert!(!is_json(&content_type("text/plain")));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn malformed_json_is_400_and_the_wrong_shape_is_422() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Text {
            text: String,
        }
        let json = content_type("application/json");
        let syntax = parse_json::<Text>(&json, b"{\"text\": ").unwrap_err();
        assert_eq!(
            (syntax.status, syntax.code.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_body")
        );
        let shape = parse_json::<Text>(&json, b"{\"text\": 3}").unwrap_err();
        assert_eq!(shape.status, StatusCode::UNPROCESSABLE_ENTITY);
        let media = parse_json::<Text>(&content_type("text/plain"), b"{}").unwrap_err();
        assert_eq!(media.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
