//! charla-agent: the agent runtime behind the `charla` binary.
//!
//! - [`model`]: the [`model::ChatModel`] seam, the OpenAI-compatible adapter and the offline
//!   model.
//! - [`understanding`]: language, intent and sentiment of every message.

pub mod model;
pub mod understanding;
