//! The HTTP doors of `charla serve`, as one axum router:
//!
//! - `GET|POST /webhooks/whatsapp`: Meta's verification handshake and signed deliveries
//!   (`webhook`);
//! - `/api/operator/...`: the operator API (see [`crate::operator`]), when tokens are configured;
//! - `GET /healthz`: liveness.
//!
//! Errors are JSON with a stable code (`error`).

pub mod error;
pub mod webhook;

use crate::operator::OperatorState;
use crate::whatsapp::channel::WhatsAppChannel;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use std::sync::Arc;

/// The WhatsApp webhook's secrets.
#[derive(Clone, Default)]
pub struct WebhookSecrets {
    /// `WHATSAPP_VERIFY_TOKEN`: what Meta's handshake must present.
    pub verify_token: Option<String>,
    /// `WHATSAPP_APP_SECRET`: the key of `X-Hub-Signature-256`.
    pub app_secret: Option<String>,
    /// Development only: accept unsigned deliveries (a warning is logged at start).
    pub skip_signature: bool,
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecrets")
            .field("verify_token", &self.verify_token.as_ref().map(|_| "***"))
            .field("app_secret", &self.app_secret.as_ref().map(|_| "***"))
            .field("skip_signature", &self.skip_signature)
            .finish()
    }
}

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct ServerState {
    /// The WhatsApp channel deliveries go to.
    pub channel: WhatsAppChannel,
    /// The webhook's secrets.
    pub whatsapp: Arc<WebhookSecrets>,
    /// The operator API, when operators' tokens are configured.
    pub operators: Option<OperatorState>,
}

/// The router of every door, with the webhook's body limit (Meta's 3 MB).
pub fn router(state: ServerState) -> Router {
    let operators = state.operators.clone();
    let router = Router::new()
        .route(
            "/webhooks/whatsapp",
            get(webhook::verify)
                .post(webhook::receive)
                .layer(DefaultBodyLimit::max(webhook::MAX_BODY_BYTES)),
        )
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state);
    match operators {
        Some(operators) => router.nest("/api/operator", crate::operator::router(operators)),
        None => router,
    }
}
