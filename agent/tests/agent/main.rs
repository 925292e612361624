//! charla-agent's integration tests, in one test binary (linking one binary instead of one
//! per file keeps CI fast). Each module is one subject:
//!
//! - `agent_loop`: the loop with a scripted model, escalation on each trigger, silence while
//!   an operator has the conversation;
//! - `offline_conversations`: whole conversations with the offline model in es/it/en/pt;
//! - `chat_cli`: `charla chat` through the real binary;
//! - `conversations`: the conversation store on real SQLite files;
//! - `operator_api`: the operator API over real HTTP;
//! - `whatsapp_serve`: the WhatsApp channel over real HTTP with a fake Cloud API;
//! - `serve_crash`: a SIGKILLed `charla serve` answers every acknowledged message once;
//! - `mcp_clients`: the MCP Python SDK and a WebMCP browser agent in Chromium against the
//!   real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support_cloud_api/mod.rs"]
mod fake_cloud_api;
#[path = "../support_process/mod.rs"]
mod process;
#[path = "../support/mod.rs"]
mod support;

mod agent_loop;
mod chat_cli;
mod conversations;
mod mcp_clients;
mod offline_conversations;
mod operator_api;
mod serve_crash;
mod whatsapp_serve;
