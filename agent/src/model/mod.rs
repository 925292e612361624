//! The [`ChatModel`] seam: our own request and response types; adapters convert.
//!
//! - `openai`: any OpenAI-compatible endpoint through async-openai (the only place that
//!   imports it).
//! - `offline`: the deterministic default that needs no key and no network.
//! - `scripted`: a model that plays back prepared responses, for tests and evals.

pub mod offline;
pub mod openai;
pub mod scripted;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions from charla.
    System,
    /// The customer.
    User,
    /// The model.
    Assistant,
    /// A tool's result.
    Tool,
}

/// A tool call requested by the model. `arguments` is the raw JSON text the model produced:
/// it may be malformed, and the loop reports that back to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The call's id, echoed in the tool's result message.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments as JSON text.
    pub arguments: String,
}

/// One message of a conversation as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who said it.
    pub role: Role,
    /// Its text (an assistant message with only tool calls has none).
    pub content: Option<String>,
    /// Tool calls (assistant messages only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// The call this message answers (tool messages only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    /// A system message.
    pub fn system(text: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: Some(text.into()),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    /// A customer message.
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: Some(text.into()),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    /// An assistant message with text only.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: Some(text.into()),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    /// An assistant message requesting tool calls.
    pub fn assistant_tool_calls(calls: Vec<ToolCall>) -> Self {
        Self {
            role: Role::Assistant,
            content: None,
            tool_calls: calls,
            tool_call_id: None,
        }
    }

    /// A tool's result for call `id`.
    pub fn tool_result(id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            role: Role::Tool,
            content: Some(content.into()),
            tool_calls: Vec::new(),
            tool_call_id: Some(id.into()),
        }
    }
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSchema {
    /// The tool's name.
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// JSON Schema of its arguments (an object).
    pub parameters: serde_json::Value,
}

/// What charla already understood about the turn. LLM adapters ignore it; the offline model
/// decides from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TurnHints {
    /// The customer's language (ISO 639-1).
    pub language: Option<String>,
    /// The detected intent.
    pub intent: Option<String>,
    /// The intent's confidence in [0, 1].
    pub confidence: Option<f32>,
    /// The message's sentiment polarity in [-1, 1].
    pub polarity: Option<f32>,
    /// The intent of the customer's previous message, so a short answer ("tomorrow", "the
    /// second one") can continue what they were doing.
    pub previous_intent: Option<String>,
    /// The message tries to override the agent's instructions: only read-only tools are
    /// offered and run in this turn.
    #[serde(default)]
    pub suspected_injection: bool,
}

/// A request for the next assistant message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The conversation so far, system prompt first.
    pub messages: Vec<ChatMessage>,
    /// The tools the model may call.
    pub tools: Vec<ToolSchema>,
    /// Sampling temperature, when the endpoint supports it.
    pub temperature: Option<f32>,
    /// Most tokens to generate.
    pub max_tokens: Option<u32>,
    /// What charla understood about the turn.
    pub hints: TurnHints,
}

/// Why the model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A complete answer.
    Stop,
    /// It wants tools called.
    ToolCalls,
    /// It ran out of tokens.
    Length,
    /// The provider filtered the content.
    ContentFilter,
}

/// Tokens used by a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    pub prompt_tokens: u32,
    /// Generated tokens.
    pub completion_tokens: u32,
}

/// The model's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The assistant message (text, tool calls, or both).
    pub message: ChatMessage,
    /// Why it stopped.
    pub finish_reason: FinishReason,
    /// Tokens used.
    pub usage: Usage,
    /// The sources the answer quotes, when the model can say (the offline model can); empty
    /// means "not said", and the loop then credits every source the turn retrieved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cited_sources: Vec<String>,
    /// Options the reply offers to pick from (slots, services, shops), in order; a channel
    /// that can show buttons or lists shows them. Empty: none (LLM adapters leave it so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
}

/// An option a reply offers: picking it sends `reply` back as the customer's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// A short label (a button's or list row's title).
    pub title: String,
    /// More about it, for list rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What the customer "says" by picking it (e.g. "2" for the second slot offered).
    pub reply: String,
}

/// Errors of a model call, classified by what the caller does next.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// Worth retrying (429, 5xx, connection reset), after `retry_after` when the server said.
    #[error("model endpoint unavailable: {message}")]
    Transient {
        /// What happened.
        message: String,
        /// How long the server asked us to wait.
        retry_after: Option<Duration>,
    },
    /// Retrying will not help (bad key, unknown model, invalid request).
    #[error("model endpoint refused the request: {0}")]
    Permanent(String),
    /// The conversation is longer than the model accepts: trim and retry.
    #[error("the conversation is too long for the model: {0}")]
    ContextTooLong(String),
    /// No answer in time.
    #[error("the model did not answer within {0:?}")]
    Timeout(Duration),
    /// The endpoint answered something that is not a valid chat completion.
    #[error("invalid response from the model endpoint: {0}")]
    InvalidResponse(String),
}

/// A chat model with tool calling.
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// The model's name, for logs and reports.
    fn id(&self) -> &str;

    /// Produces the next assistant message for `request`.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ModelError>;

    /// Whether it reads the system prompt, retrieved context and token-budgeted history (an
    /// LLM does); a model that decides from the hints and tools alone says no, and the loop
    /// skips building them.
    fn reads_prompts(&self) -> bool {
        true
    }
}
