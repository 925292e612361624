//! The evaluation suites, one module per family.
//!
//! - `retrieval`: `retrieval:stackfaq` and `retrieval:tau2-banking`, through the real ingest
//!   pipeline.
//! - `intent`: `intent:banking77`, `intent:clinc150`, `intent:hwu64`, the embedding intent
//!   classifier with a training split as its examples.
//! - `sentiment`: `sentiment:tweets`, the sentiment analyser on multilingual tweets.
//! - `tools`: `tools:bfcl` and `tools:sgd`, a chat model's tool calls on public
//!   function-calling data.

pub mod intent;
pub mod retrieval;
pub mod sentiment;
pub mod tools;
