//! What models and MCP clients see of every built-in tool, snapshotted: a change to a name,
//! a description or a schema shows up as a reviewed diff.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charla_knowledge::index::IndexLayout;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::search::Searcher;
use charla_tools::Scope;
use charla_tools::builtin::{BuiltinDeps, builtin_registry};
use charla_tools::clock::Clock;
use charla_tools::store::Store;
use common::Shop;
use std::sync::Arc;

#[tokio::test]
async fn every_tool_spec_matches_its_snapshot() {
    let shop = Shop::new().await;
    let specs = shop.registry.specs();
    assert_eq!(
        specs.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        [
            "book_appointment",
            "cancel_booking",
            "catalog_search",
            "check_availability",
            "create_ticket",
            "get_ticket",
            "handoff_to_human",
            "knowledge_search",
            "list_bookings",
        ]
    );
    for spec in specs {
        insta::assert_json_snapshot!(spec.name.clone(), spec);
    }
}

#[tokio::test]
async fn every_schema_describes_an_object_as_mcp_requires() {
    let shop = Shop::new().await;
    for spec in shop.registry.specs() {
        assert_eq!(spec.input_schema["type"], "object", "{} input", spec.name);
        assert_eq!(spec.output_schema["type"], "object", "{} output", spec.name);
        // Function-calling endpoints reject references.
        assert!(
            !spec.input_schema.to_string().contains("$ref"),
            "{} input has $ref",
            spec.name
        );
    }
}

#[tokio::test]
async fn scopes_separate_reading_writing_and_handing_off() {
    let shop = Shop::new().await;
    let names = |scope: Scope| -> Vec<String> {
        shop.registry
            .specs_for(&[scope])
            .into_iter()
            .map(|s| s.name)
            .collect()
    };
    assert_eq!(
        names(Scope::Write),
        ["book_appointment", "cancel_booking", "create_ticket"]
    );
    assert_eq!(names(Scope::Conversation), ["handoff_to_human"]);
}

#[tokio::test]
async fn without_a_business_configuration_the_booking_tools_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let index = EdgeIndex::open(&dir.path().join("index"), IndexLayout { dense: None }).unwrap();
    let registry = builtin_registry(BuiltinDeps {
        searcher: Searcher::new(Arc::new(index), None),
        store: Store::open(dir.path()).await.unwrap(),
        business: None,
        clock: Clock::system(),
    });
    assert_eq!(
        registry.names(),
        [
            "catalog_search",
            "create_ticket",
            "get_ticket",
            "handoff_to_human",
            "knowledge_search"
        ]
    );
}
