//! The evaluation suites, one module each.

pub mod retrieval;
