//! charla-agent: the agent runtime behind the `charla` binary.
//!
//! - [`model`]: the [`model::ChatModel`] seam, the OpenAI-compatible adapter, the offline
//!   model and the scripted model.
//! - [`understanding`]: language, intent and sentiment of every message.
//! - [`conversation`]: conversations and their messages in SQLite, with handoff state.
//! - [`escalation`]: when to hand a conversation to a person.
//! - [`operator`]: the operator API: the handoff queue, claiming, writing to customers,
//!   internal notes, returning conversations to the bot, a live event stream.
//! - [`runtime`]: assembling an agent for a business from its folder and data directory.
//! - [`whatsapp`]: the WhatsApp channel: webhook parsing, durable inbox and outbox, Cloud API.
//! - [`server`]: the HTTP doors of `charla serve` (webhook, operator API).
//! - [`turn`]: the agent loop: one customer message in, the reply (or silence) out.

pub mod conversation;
pub mod escalation;
pub mod model;
pub mod operator;
pub mod runtime;
pub mod server;
pub mod turn;
pub mod understanding;
pub mod whatsapp;
