//! The write side of the operator API: claim and release a conversation, write to the
//! customer, add internal notes, resolve or return the conversation to the bot.
//!
//! Writing to the customer goes through the conversation channel's [`super::CustomerSender`]
//! first; the message is stored only once the channel accepted it, so the history never shows
//! a message the customer will not get.

use super::OperatorState;
use super::auth::Operator;
use super::error::{ApiError, ConversationPath, JsonBody, OptionalJsonBody};
use super::hub::OperatorEvent;
use super::sender::{SendReceipt, SendRefusal};
use super::views::ConversationView;
use crate::conversation::{Conversation, NewMessage};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use charla_prompts::Reply;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::time::Duration;

/// The longest message or note, in characters (WhatsApp's limit for one text message).
pub const MAX_TEXT_CHARS: usize = 4_096;

/// The longest reason for a release, resolution or return, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// How long a channel may take to accept a message.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// The body of `POST .../messages` and `POST .../notes`.
#[derive(Debug, Deserialize)]
pub(super) struct TextBody {
    text: String,
}

/// The optional body of `POST .../release`, `.../resolve` and `.../return`.
#[derive(Debug, Deserialize)]
pub(super) struct ReasonBody {
    reason: Option<String>,
}

/// What storing a message or note answers.
#[derive(Debug, Serialize)]
pub(super) struct StoredView {
    message_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<SendReceipt>,
}

/// What resolving or returning a conversation answers.
#[derive(Debug, Serialize)]
pub(super) struct BackToBotView {
    conversation: ConversationView,
    /// Whether the channel accepted the notice that the bot is back.
    customer_notified: bool,
    /// Why the notice was not sent (the conversation is back with the bot regardless).
    #[serde(skip_serializing_if = "Option::is_none")]
    notice_refused: Option<SendRefusal>,
}

/// `POST /conversations/{id}/claim`.
pub(super) async fn claim(
    Operator(operator): Operator,
    State(state): State<OperatorState>,
    ConversationPath(id): ConversationPath,
) -> Result<Json<ConversationView>, ApiError> {
    let now = state.clock.now();
    let conversation = state.conversations.claim(&id, &operator, now).await?;
    state.hub.publish(OperatorEvent::Claimed {
        conversation_id: conversation.id.clone(),
        operator,
        at: now,
    });
    Ok(Json(ConversationView::from(&conversation)))
}

/// `POST /conversations/{id}/release`, optional body `{"reason": "..."}`.
pub(super) async fn release(
    Operator(operator): Operator,
    State(state): State<OperatorState>,
    ConversationPath(id): ConversationPath,
    OptionalJsonBody(body): OptionalJsonBody<ReasonBody>,
) -> Result<Json<ConversationView>, ApiError> {
    let reason = reason(body)?;
    let now = state.clock.now();
    let conversation = state
        .conversations
        .release(&id, &operator, reason.as_deref(), now)
        .await?;
    state.hub.publish(OperatorEvent::Released {
        conversation_id: conversation.id.clone(),
        operator,
        at: now,
    });
    Ok(Json(ConversationView::from(&conversation)))
}

/// `POST /conversations/{id}/messages`, body `{"text": "..."}`: only the operator who claimed
/// the conversation may write.
pub(super) async fn send_message(
    Operator(operator): Operator,
    State(state): State<OperatorState>,
    ConversationPath(id): ConversationPath,
    JsonBody(body): JsonBody<TextBody>,
) -> Result<(StatusCode, Json<StoredView>), ApiError> {
    let text = text(body.text, "message")?;
    let conversation = state.conversations.ensure_claimed(&id, &operator).await?;
    let sender = state.sender_for(&conversation)?;
    let receipt =
        within_send_timeout(sender.send_operator_message(&conversation, &operator, &text))
            .await?
            .map_err(refused)?;
    let now = state.clock.now();
    let message = NewMessage::operator(text.clone()).by(operator.clone());
    let message_id = first_id(
        state
            .conversations
            .append(&conversation.id, &[message], now)
            .await?,
    )?;
    state.hub.publish(OperatorEvent::OperatorMessage {
        conversation_id: conversation.id,
        operator,
        text,
        at: now,
    });
    Ok((
        StatusCode::CREATED,
        Json(StoredView {
            message_id,
            receipt: Some(receipt),
        }),
    ))
}

/// `POST /conversations/{id}/notes`, body `{"text": "..."}`: any operator, in any state.
pub(super) async fn add_note(
    Operator(operator): Operator,
    State(state): State<OperatorState>,
    ConversationPath(id): ConversationPath,
    JsonBody(body): JsonBody<TextBody>,
) -> Result<(StatusCode, Json<StoredView>), ApiError> {
    let text = text(body.text, "note")?;
    let now = state.clock.now();
    let message_id = state
        .conversations
        .add_note(&id, &operator, &text, now)
        .await?;
    state.hub.publish(OperatorEvent::NoteAdded {
        conversation_id: id,
        operator,
        text,
        at: now,
    });
    Ok((
        StatusCode::CREATED,
        Json(StoredView {
            message_id,
            receipt: None,
        }),
    ))
}

/// `POST /conversations/{id}/resolve`, optional body `{"reason": "..."}`.
pub(super) async fn resolve(
    Operator(operator): Operator,
    State(state): State<OperatorState>,
    ConversationPath(id): ConversationPath,
    OptionalJsonBody(body): OptionalJsonBody<ReasonBody>,
) -> Result<Json<BackToBotView>, ApiError> {
    let reason = reason(body)?;
    let now = state.clock.now();
    let conversation = state
        .conversations
        .resolve(&id, &operator, reason.as_deref(), now)
        .await?;
    state.hub.publish(OperatorEvent::Resolved {
        conversation_id: conversation.id.clone(),
        operator,
        at: now,
    });
    Ok(Json(tell_customer_bot_is_back(&state, conversation).await))
}

/// `POST /conversations/{id}/return`, optional body `{"reason": "..."}`.
pub(super) async fn return_to_bot(
    Operator(operator): Operator,
    State(state): State<OperatorState>,
    ConversationPath(id): ConversationPath,
    OptionalJsonBody(body): OptionalJsonBody<ReasonBody>,
) -> Result<Json<BackToBotView>, ApiError> {
    let reason = reason(body)?;
    let now = state.clock.now();
    let conversation = state
        .conversations
        .return_to_bot(&id, &operator, reason.as_deref(), now)
        .await?;
    state.hub.publish(OperatorEvent::ReturnedToBot {
        conversation_id: conversation.id.clone(),
        operator,
        at: now,
    });
    Ok(Json(tell_customer_bot_is_back(&state, conversation).await))
}

/// Tells the customer, in their language, that the bot answers again, and stores the notice
/// as the bot's message: the first of its fresh context. The conversation is already back
/// with the bot: a notice the channel refuses (outside WhatsApp's window, say) is reported,
/// not an error.
async fn tell_customer_bot_is_back(
    state: &OperatorState,
    conversation: Conversation,
) -> BackToBotView {
    let notice = send_bot_back(state, &conversation).await;
    BackToBotView {
        conversation: ConversationView::from(&conversation),
        customer_notified: notice.is_ok(),
        notice_refused: notice.err(),
    }
}

async fn send_bot_back(
    state: &OperatorState,
    conversation: &Conversation,
) -> Result<(), SendRefusal> {
    let language = conversation
        .language
        .clone()
        .unwrap_or_else(|| state.default_language.clone());
    let text = state
        .prompts
        .render_reply(&language, &Reply::BotBack)
        .map_err(|error| {
            tracing::error!(%error, "cannot render the bot-back notice");
            SendRefusal::new(
                "internal",
                "the notice could not be written; see the server log",
            )
        })?;
    let sender = state
        .sender_for(conversation)
        .map_err(|error| SendRefusal::new(error.code, error.message))?;
    within_send_timeout(sender.send_bot_back(conversation, &text))
        .await
        .map_err(|error| SendRefusal::new(error.code, error.message))??;
    let message = NewMessage::assistant(text, Vec::new());
    if let Err(error) = state
        .conversations
        .append(&conversation.id, &[message], state.clock.now())
        .await
    {
        // Sent but not stored: the customer has it; the history misses it.
        tracing::error!(%error, conversation = %conversation.id, "the bot-back notice was sent but not stored");
    }
    Ok(())
}

async fn within_send_timeout<T>(send: impl Future<Output = T>) -> Result<T, ApiError> {
    tokio::time::timeout(SEND_TIMEOUT, send).await.map_err(|_| {
        ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "send_timeout",
            "the channel did not accept the message in time; it was not stored and may not have been sent",
        )
    })
}

fn refused(refusal: SendRefusal) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, refusal.code, refusal.message)
}

fn first_id(ids: Vec<i64>) -> Result<i64, ApiError> {
    ids.first()
        .copied()
        .ok_or_else(|| ApiError::internal(&"a stored message has no id"))
}

/// The text of a message or note: not blank, not too long; kept as written (trimmed).
fn text(text: String, what: &str) -> Result<String, ApiError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ApiError::invalid_value(format!(
            "the {what}'s `text` is empty"
        )));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ApiError::invalid_value(format!(
            "the {what}'s `text` has {chars} characters; the limit is {MAX_TEXT_CHARS}"
        )));
    }
    Ok(trimmed.to_string())
}

fn reason(body: Option<ReasonBody>) -> Result<Option<String>, ApiError> {
    let Some(reason) = body.and_then(|b| b.reason) else {
        return Ok(None);
    };
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::invalid_value(format!(
            "the `reason` is longer than {MAX_REASON_CHARS} characters"
        )));
    }
    Ok((!reason.is_empty()).then(|| reason.to_string()))
}
