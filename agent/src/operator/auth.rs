//! [`Operator`]: the extractor every operator route takes first, so a request without a
//! known bearer token is refused (401) before anything else about it is looked at.

use super::OperatorState;
use super::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// The operator a request comes from, identified by its `Authorization: Bearer <token>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator(pub String);

impl FromRequestParts<OperatorState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &OperatorState,
    ) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "this API needs `Authorization: Bearer <operator token>`",
            ));
        };
        let token = value.to_str().ok().and_then(bearer_token).ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be `Bearer <operator token>`")
        })?;
        // The same answer for every unknown token: nothing hints at how close a guess was.
        match state.tokens.operator_for(token) {
            Some(operator) => Ok(Operator(operator.to_string())),
            None => Err(ApiError::unauthorized("the operator token is not valid")),
        }
    }
}

/// The token of a `Bearer <token>` header value (the scheme is case-insensitive, RFC 7235).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer   abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }
}
