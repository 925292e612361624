//! charla-prompts: prompt templates as files, rendered through typed functions.
//!
//! The templates live in `templates/` as minijinja files and are compiled into the binary;
//! [`Prompts::from_dir`] lets a business replace any of them, file by file. Each template has
//! one typed input, so what the model and the customers see changes only through a reviewed
//! template or a reviewed struct (both are snapshot-tested).
//!
//! | template | input | render with |
//! |---|---|---|
//! | `system.jinja` | [`SystemPromptInput`] | [`Prompts::render_system_prompt`] |
//! | `context.jinja` | slice of [`ContextPassage`] | [`Prompts::render_context`] |
//! | `handoff_summary.jinja` | [`HandoffSummaryInput`] | [`Prompts::render_handoff_summary`] |
//! | `intent_classifier.jinja` | [`IntentClassifierInput`] | [`Prompts::render_intent_classifier`] |
//! | `replies/<lang>/<kind>.jinja` | [`Reply`] | [`Prompts::render_reply`] |
//!
//! Prices and dates are passed raw ([`Price`], ISO `YYYY-MM-DD`) and formatted by the
//! templates' filters for the language being written: `€45.00` in English and `45,00 €` in
//! Spanish, Italian and Portuguese; "Tuesday 13 April", "martes 13 de abril". Times are passed
//! as `HH:MM` and shown as given. `templates/README.md` lists the filters for template editors.
//!
//! Modules:
//! - `prompts`: [`Prompts`], loading overrides and rendering;
//! - `inputs`: the inputs of the system prompt, context block, handoff summary and intent
//!   classifier;
//! - `reply`: the offline model's [`Reply`] kinds and their payloads;
//! - `language`: [`Language`], the languages with built-in replies;
//! - `format`: price and date formatting and the template filters;
//! - `error`: [`PromptError`].

mod error;
mod format;
mod inputs;
mod language;
mod prompts;
mod reply;

pub use error::PromptError;
pub use format::Price;
pub use inputs::{
    BotAttempt, BusinessProfile, ContextPassage, HandoffCustomer, HandoffReason,
    HandoffSummaryInput, IntentChoice, IntentClassifierInput, Polarity, SystemPromptInput,
    ToolNames, TurnSignals,
};
pub use language::Language;
pub use prompts::{Prompts, embedded_templates};
pub use reply::{
    BookingDetails, BookingFailure, MissingInfo, ProductItem, Reply, ReplyKind, Slot,
    TeamAvailability, TicketState,
};
