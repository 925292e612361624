//! Metrics, each unit-tested against values computed by hand in the tests' comments.
//!
//! - `ranking`: nDCG, MRR, recall and precision of ranked ids (the retrieval suites).
//! - `classification`: accuracy, macro-F1, per-class precision and recall, out-of-scope
//!   recall, in-scope accuracy and the most confused pairs (the intent and sentiment suites).

pub mod classification;
pub mod ranking;
