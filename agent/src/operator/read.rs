//! The read side of the operator API: `GET /queue` and `GET /conversations/{id}`.

use super::OperatorState;
use super::auth::Operator;
use super::error::{ApiError, ConversationPath};
use super::views::{ConversationView, EventView, HistoryView, MessageView, QueueView};
use axum::Json;
use axum::extract::State;

/// Customer messages per queued conversation whose intent and sentiment the queue shows.
pub const QUEUE_CUSTOMER_MESSAGES: usize = 20;

/// Messages `GET /conversations/{id}` shows at most (the latest ones).
pub const MAX_HISTORY_MESSAGES: usize = 1_000;

/// `GET /queue`: waiting and claimed conversations, the longest waiting first.
pub(super) async fn queue(
    _operator: Operator,
    State(state): State<OperatorState>,
) -> Result<Json<QueueView>, ApiError> {
    let queue = state.conversations.queue(QUEUE_CUSTOMER_MESSAGES).await?;
    Ok(Json(QueueView::from(queue)))
}

/// `GET /conversations/{id}`: the whole history, notes and handoff events included.
pub(super) async fn conversation(
    _operator: Operator,
    State(state): State<OperatorState>,
    ConversationPath(id): ConversationPath,
) -> Result<Json<HistoryView>, ApiError> {
    let conversation = state
        .conversations
        .get(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no conversation {id}")))?;
    // One more than shown, to tell whether older ones exist.
    let mut messages = state
        .conversations
        .recent_messages(&conversation.id, MAX_HISTORY_MESSAGES + 1)
        .await?;
    let earlier_messages_omitted = messages.len() > MAX_HISTORY_MESSAGES;
    if earlier_messages_omitted {
        messages.remove(0);
    }
    let events = state.conversations.events(&conversation.id).await?;
    Ok(Json(HistoryView {
        conversation: ConversationView::from(&conversation),
        messages: messages.iter().map(MessageView::from).collect(),
        earlier_messages_omitted,
        events: events.iter().map(EventView::from).collect(),
    }))
}
