//! The WhatsApp channel, the way Meta's Cloud API behaves.
//!
//! - `store`: the durable inbox (deduplicated by message id), contacts, consent ledger, outbox
//!   and delivery statuses.
//! - `outbox`: what a queued message is, in charla's terms.
//! - `rules`: the 24-hour window, marketing consent and the opt-out/opt-in keywords.
//! - `channel`: per-contact workers with debounce, the sender, recovery at start.
//! - `outbound`: what can be sent (text, buttons, lists, templates), checked against
//!   WhatsApp's limits, and its exact request body.
//! - `cloud_api`: the Cloud API client: send with retries, mark read, download media.
//! - `cloud_sender`: the channel's sender over the Cloud API client.
//! - `operator_sender`: operators' messages to WhatsApp customers, through the outbox.
//! - `throughput`: per-number spacing of sends.

pub mod channel;
pub mod cloud_api;
pub mod cloud_sender;
pub mod inbound;
pub mod operator_sender;
pub mod outbound;
pub mod outbox;
pub mod rules;
pub mod signature;
pub mod store;
pub mod throughput;
