//! One turn of a conversation: a customer's message in, the agent's reply (or its silence)
//! out, with everything understood and done on the way recorded.
//!
//! - `machine`: [`TurnMachine`], the loop's decisions, free of I/O.
//! - `history`: stored messages as the model sees them, trimmed to a token budget.
//! - `driver`: [`Agent::handle`], which runs the path of a message: understand, apply the
//!   escalation policy, run the loop (model and tools), reply, persist.
//! - `prompting`: what the system prompt and the operator's handoff summary are made from.
//! - `sources`: the sources a reply credits.

mod driver;
pub mod history;
pub mod machine;
mod prompting;
mod sources;

pub use machine::{Finish, Next, ToolCallRecord, ToolOutcome, TurnMachine};

use crate::conversation::{ConversationError, ConversationStore};
use crate::escalation::{EscalationPolicy, EscalationReason};
use crate::model::{ChatModel, Choice};
use crate::understanding::{Understander, Understanding, UnderstandingError};
use charla_knowledge::search::Searcher;
use charla_prompts::{PromptError, Prompts};
use charla_tools::{Business, Clock, ToolRegistry};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// How the loop behaves.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Most model calls in one turn; a model still asking for tools then gets no more.
    pub max_model_calls: usize,
    /// How long one tool call may take.
    pub tool_timeout: Duration,
    /// Tokens of history the model sees (system prompt and the new message come on top).
    pub history_token_budget: usize,
    /// Stored messages read back per turn (the token budget then trims them).
    pub history_messages: usize,
    /// Passages retrieved before the model call and put in the prompt as context (0: none;
    /// the offline model searches through tools instead).
    pub context_passages: usize,
    /// When to hand the conversation to a person.
    pub escalation: EscalationPolicy,
    /// The language when neither the message nor the conversation tells (ISO 639-1).
    pub default_language: String,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            max_model_calls: 6,
            tool_timeout: Duration::from_secs(10),
            history_token_budget: 3_000,
            history_messages: 60,
            context_passages: 0,
            escalation: EscalationPolicy::default(),
            default_language: "en".into(),
        }
    }
}

/// Everything an [`Agent`] works with.
#[derive(Clone)]
pub struct AgentParts {
    /// The model that decides and writes.
    pub model: Arc<dyn ChatModel>,
    /// The tools it may call (the same registry MCP and WebMCP serve).
    pub tools: ToolRegistry,
    /// Language, intent and sentiment of every message.
    pub understander: Arc<Understander>,
    /// Conversations and their messages.
    pub conversations: ConversationStore,
    /// The prompt and reply templates.
    pub prompts: Arc<Prompts>,
    /// The business's configuration, when there is one.
    pub business: Option<Arc<Business>>,
    /// Where "now" comes from.
    pub clock: Clock,
    /// Search for the context passages (see [`AgentConfig::context_passages`]).
    pub searcher: Option<Searcher>,
}

/// A customer's message to the agent.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// Who wrote: their contact id (WhatsApp business-scoped id or phone number).
    pub contact_id: String,
    /// Where: `whatsapp`, `chat`...; one conversation per contact and channel.
    pub channel: String,
    /// What they wrote (several messages of a burst joined by new lines).
    pub text: String,
    /// Their profile name, when the channel gives one.
    pub customer_name: Option<String>,
}

/// A handoff to a person that happened in (or before) this turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandoffNotice {
    /// Why.
    pub reason: EscalationReason,
    /// The detail behind the reason (the customer's words, the tool's or model's reason).
    pub detail: String,
    /// The summary an operator reads.
    pub summary: String,
}

/// What happened in a turn: every surface (chat, operator API, evals) shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TurnOutcome {
    /// The conversation.
    pub conversation_id: String,
    /// The reply to send, or `None` when the bot stays silent (an operator has the
    /// conversation).
    pub reply: Option<String>,
    /// What was understood of the message.
    pub understanding: Understanding,
    /// The tools called, in order.
    pub tool_calls: Vec<ToolCallRecord>,
    /// The sources the reply rests on (file names), in order of first use.
    pub sources: Vec<String>,
    /// Options the reply offers (slots, services), for buttons and lists.
    pub choices: Vec<Choice>,
    /// The handoff this turn made, if any.
    pub handoff: Option<HandoffNotice>,
    /// Whether the conversation is with an operator after this turn.
    pub with_operator: bool,
    /// Whether this turn counted as a failure to help (no results, errors, step limit).
    pub failed: bool,
}

/// Errors that stop a turn. Tool and model failures do not: the model reads them, or the
/// customer gets an apology.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The conversation store failed.
    #[error(transparent)]
    Conversation(#[from] ConversationError),
    /// Understanding failed (the embedder).
    #[error(transparent)]
    Understanding(#[from] UnderstandingError),
    /// A template failed to render.
    #[error(transparent)]
    Prompt(#[from] PromptError),
}

/// The agent: runs turns for any number of conversations (cheap to clone; share it).
#[derive(Clone)]
pub struct Agent {
    parts: AgentParts,
    config: Arc<AgentConfig>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("model", &self.parts.model.id())
            .field("tools", &self.parts.tools)
            .field("config", &self.config)
            .finish()
    }
}

impl Agent {
    /// An agent from its parts.
    pub fn new(parts: AgentParts, config: AgentConfig) -> Self {
        Self {
            parts,
            config: Arc::new(config),
        }
    }

    /// Its parts.
    pub fn parts(&self) -> &AgentParts {
        &self.parts
    }

    /// Its configuration.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }
}
