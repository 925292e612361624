//! `/webhooks/whatsapp`: Meta's verification handshake (GET) and deliveries (POST).
//!
//! A delivery is checked (`X-Hub-Signature-256` over the exact bytes received), parsed, and
//! committed to the inbox before the 200 goes back; Meta retries anything else, and a
//! duplicate delivery changes nothing.

use super::ServerState;
use super::error::ApiError;
use crate::whatsapp::inbound::{
    DeliveryStatus, InboundMessage, MessageKind, StatusUpdate, parse_webhook,
};
use crate::whatsapp::signature::verify_signature;
use crate::whatsapp::store::{InboxMessage, StatusRecord};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Meta's limit for a webhook body.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// The verification handshake's query.
#[derive(Debug, Deserialize)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// GET: answers the challenge when the mode is `subscribe` and the token is ours.
pub async fn verify(State(state): State<ServerState>, Query(query): Query<Handshake>) -> Response {
    let expected = state.whatsapp.verify_token.as_deref();
    let token_ok = match (expected, query.verify_token.as_deref()) {
        (Some(expected), Some(given)) => constant_time_eq(expected.as_bytes(), given.as_bytes()),
        _ => false,
    };
    match (query.mode.as_deref(), token_ok, query.challenge) {
        (Some("subscribe"), true, Some(challenge)) => (StatusCode::OK, challenge).into_response(),
        _ => ApiError::new(
            StatusCode::FORBIDDEN,
            "verification_failed",
            "the verification token does not match",
        )
        .into_response(),
    }
}

/// POST: checks, parses and commits a delivery.
pub async fn receive(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match receive_checked(&state, &headers, body).await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => error.into_response(),
    }
}

async fn receive_checked(
    state: &ServerState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(), ApiError> {
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "body_too_large",
                format!("the body exceeds {MAX_BODY_BYTES} bytes"),
            )
        } else {
            ApiError::new(status, "unreadable_body", rejection.body_text())
        }
    })?;
    if !state.whatsapp.skip_signature {
        let secret = state.whatsapp.app_secret.as_deref().unwrap_or_default();
        let header = headers
            .get("x-hub-signature-256")
            .and_then(|v| v.to_str().ok());
        verify_signature(secret.as_bytes(), header, &body).map_err(|e| {
            ApiError::new(StatusCode::UNAUTHORIZED, "invalid_signature", e.to_string())
        })?;
    }
    let batch = parse_webhook(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed_webhook", e.to_string()))?;
    let messages: Vec<InboxMessage> = batch.messages.iter().filter_map(inbox_message).collect();
    let statuses: Vec<StatusRecord> = batch.statuses.iter().map(status_record).collect();
    for error in &batch.errors {
        tracing::warn!(code = error.code, title = ?error.title, "webhook reported an error");
    }
    state
        .channel
        .accept(&messages, &statuses)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot commit a delivery; Meta will retry it");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage_failed",
                "the delivery could not be stored; retry later",
            )
        })?;
    Ok(())
}

/// The inbox's form of a message; `None` for one without a sender (nothing to answer).
fn inbox_message(message: &InboundMessage) -> Option<InboxMessage> {
    let contact_key = message.contact_key()?.to_string();
    Some(InboxMessage {
        wamid: message.wamid.clone(),
        contact_key,
        phone_number_id: message.phone_number_id.clone(),
        phone: message.from.clone(),
        user_id: message.user_id.clone(),
        profile_name: message.profile_name.clone(),
        kind: message.kind.type_name().to_string(),
        text: message.text_for_agent(),
        media_id: media_id(&message.kind),
        sent_at: message.timestamp,
    })
}

fn media_id(kind: &MessageKind) -> Option<String> {
    match kind {
        MessageKind::Image(media)
        | MessageKind::Audio(media)
        | MessageKind::Video(media)
        | MessageKind::Document(media)
        | MessageKind::Sticker(media) => Some(media.id.clone()),
        _ => None,
    }
}

fn status_record(update: &StatusUpdate) -> StatusRecord {
    let (status, rank) = match &update.status {
        DeliveryStatus::Sent => ("sent".to_string(), 1),
        DeliveryStatus::Delivered => ("delivered".to_string(), 2),
        DeliveryStatus::Read => ("read".to_string(), 3),
        DeliveryStatus::Played => ("played".to_string(), 4),
        DeliveryStatus::Failed => ("failed".to_string(), 9),
        DeliveryStatus::Other(other) => (other.clone(), 0),
    };
    StatusRecord {
        wamid: update.wamid.clone(),
        status,
        rank,
        at: update.timestamp,
        errors: (!update.errors.is_empty())
            .then(|| serde_json::to_string(&update.errors).unwrap_or_default()),
        pricing: update
            .pricing
            .as_ref()
            .map(|p| serde_json::to_string(p).unwrap_or_default()),
    }
}

/// Compares secrets without leaking where they differ through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
