//! The operator API: how people of the business take over conversations the bot handed off.
//! [`router`] is an axum router the server mounts under `/api/operator/`.
//!
//! Routes (all need `Authorization: Bearer <token>`, see [`OperatorTokens`]):
//!
//! | route | does |
//! |---|---|
//! | `GET /queue` | waiting and claimed conversations, the longest waiting first: reason, summary, waiting since, claimed by, and the intent and sentiment of the customer's latest messages |
//! | `GET /conversations/{id}` | the conversation, its full history (notes and events included) and its handoff events |
//! | `POST /conversations/{id}/claim` | take a waiting conversation (409 `already_claimed` if another operator has it) |
//! | `POST /conversations/{id}/release` | put it back in the queue; optional `{"reason"}` |
//! | `POST /conversations/{id}/messages` | `{"text"}` to the customer through the channel's [`CustomerSender`] (only the claimer) |
//! | `POST /conversations/{id}/notes` | `{"text"}`: an internal note, never sent nor shown to the model |
//! | `POST /conversations/{id}/resolve` | solved: back to the bot, the customer is told; optional `{"reason"}` |
//! | `POST /conversations/{id}/return` | back to the bot unresolved, the customer is told; optional `{"reason"}` |
//! | `GET /events` | server-sent events from the [`OperatorHub`] |
//!
//! Errors are JSON, `{"error": {"code", "message"}}`: `unauthorized` (401, with
//! `WWW-Authenticate: Bearer`), `not_found` (404), `already_claimed`, `not_claimed`,
//! `not_handed_off`, `channel_unavailable` or the channel's refusal code such as
//! `window_closed` (409), `invalid_body` (400 malformed JSON, 415 not JSON, 422 wrong shape or
//! value), `body_too_large` (413), `send_timeout` (504), `internal` (500, details only in the
//! log).
//!
//! - `tokens`: [`OperatorTokens`], parsed from `alice:<token>,bob:<token>`.
//! - `auth`: [`Operator`], the authenticated caller.
//! - `sender`: [`CustomerSender`], the seam to the channels, and [`StoreOnlySender`].
//! - `hub`: [`OperatorHub`] and [`OperatorEvent`], the live feed.
//! - `error`: [`ApiError`] and the body extractors.
//! - `views`: the JSON answers.
//! - `read`, `write`, `stream`: the handlers.

mod auth;
mod error;
mod hub;
mod read;
mod sender;
mod stream;
mod tokens;
mod views;
mod write;

pub use auth::Operator;
pub use error::ApiError;
pub use hub::{DEFAULT_HUB_CAPACITY, OperatorEvent, OperatorHub};
pub use read::{MAX_HISTORY_MESSAGES, QUEUE_CUSTOMER_MESSAGES};
pub use sender::{CustomerSender, SendReceipt, SendRefusal, StoreOnlySender};
pub use tokens::{MIN_TOKEN_LENGTH, OperatorTokens, OperatorTokensError};
pub use write::{MAX_REASON_CHARS, MAX_TEXT_CHARS, SEND_TIMEOUT};

use crate::conversation::{Conversation, ConversationStore};
use crate::turn::Agent;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use charla_prompts::Prompts;
use charla_tools::Clock;
use std::collections::HashMap;
use std::sync::Arc;

/// The largest request body accepted, in bytes: a 4,096-character message in JSON, with room
/// to spare.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the operator API works with. Cheap to clone.
#[derive(Clone)]
pub struct OperatorState {
    conversations: ConversationStore,
    prompts: Arc<Prompts>,
    clock: Clock,
    default_language: String,
    tokens: Arc<OperatorTokens>,
    senders: Arc<HashMap<String, Arc<dyn CustomerSender>>>,
    hub: OperatorHub,
}

impl OperatorState {
    /// The state for `agent`'s conversations, templates and clock, with the operators of
    /// `tokens` and the live feed `hub` (the channel worker publishes to a clone of it). No
    /// channel can be written to until [`OperatorState::with_sender`] names its sender.
    pub fn new(agent: &Agent, tokens: OperatorTokens, hub: OperatorHub) -> Self {
        let parts = agent.parts();
        let default_language = parts
            .business
            .as_ref()
            .map(|b| b.default_language.clone())
            .unwrap_or_else(|| agent.config().default_language.clone());
        Self {
            conversations: parts.conversations.clone(),
            prompts: parts.prompts.clone(),
            clock: parts.clock.clone(),
            default_language,
            tokens: Arc::new(tokens),
            senders: Arc::new(HashMap::new()),
            hub,
        }
    }

    /// Operators' messages to conversations on `channel` (`whatsapp`, `chat`...) go through
    /// `sender`.
    pub fn with_sender(
        mut self,
        channel: impl Into<String>,
        sender: Arc<dyn CustomerSender>,
    ) -> Self {
        Arc::make_mut(&mut self.senders).insert(channel.into(), sender);
        self
    }

    /// The live feed.
    pub fn hub(&self) -> &OperatorHub {
        &self.hub
    }

    fn sender_for(&self, conversation: &Conversation) -> Result<Arc<dyn CustomerSender>, ApiError> {
        self.senders
            .get(&conversation.channel)
            .cloned()
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "channel_unavailable",
                    format!(
                        "messages cannot be sent on the `{}` channel from here",
                        conversation.channel
                    ),
                )
            })
    }
}

impl std::fmt::Debug for OperatorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorState")
            .field("tokens", &self.tokens)
            .field("channels", &self.senders.keys().collect::<Vec<_>>())
            .field("default_language", &self.default_language)
            .finish_non_exhaustive()
    }
}

/// The operator API, to mount under `/api/operator/` (`Router::nest("/api/operator", ...)`).
pub fn router(state: OperatorState) -> Router {
    Router::new()
        .route("/queue", get(read::queue))
        .route("/conversations/{id}", get(read::conversation))
        .route("/conversations/{id}/claim", post(write::claim))
        .route("/conversations/{id}/release", post(write::release))
        .route("/conversations/{id}/messages", post(write::send_message))
        .route("/conversations/{id}/notes", post(write::add_note))
        .route("/conversations/{id}/resolve", post(write::resolve))
        .route("/conversations/{id}/return", post(write::return_to_bot))
        .route("/events", get(stream::events))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn unknown_route() -> ApiError {
    ApiError::not_found("no such operator API route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}
