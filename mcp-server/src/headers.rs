//! Fixed response headers (CORS, caching, content type) of the discovery documents and
//! static assets, set in one place.

use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

/// `response` with each `(name, value)` header set.
pub(crate) fn with_headers(
    mut response: Response,
    headers: &[(HeaderName, &'static str)],
) -> Response {
    let map = response.headers_mut();
    for (name, value) in headers {
        map.insert(name.clone(), HeaderValue::from_static(value));
    }
    response
}
