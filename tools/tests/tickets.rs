//! `create_ticket` and `get_ticket`: a customer opens and reads their own tickets, never
//! anyone else's; operators read every ticket; callers acting for nobody are refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charla_tools::ToolErrorKind;
use common::{Shop, agent_for, agent_for_nobody, assert_error, customer, operator};
use serde_json::json;

#[tokio::test]
async fn a_customer_opens_a_ticket_and_reads_it_back() {
    let shop = Shop::new().await;
    let ana = customer("34600000001");
    let created = shop
        .ok(
            &ana,
            "create_ticket",
            json!({
                "subject": "Wheel arrived bent",
                "description": "Order 10234: the front wheel of the Strada 105 is bent. Wants a replacement.",
                "priority": "high",
                "order_reference": "10234"
            }),
        )
        .await;
    assert_eq!(created["ticket_id"], "T-000001");
    assert_eq!(created["status"], "open");
    assert_eq!(created["priority"], "high");

    let read = shop
        .ok(&ana, "get_ticket", json!({ "ticket_id": "T-000001" }))
        .await;
    assert_eq!(read["subject"], "Wheel arrived bent");
    assert_eq!(read["order_reference"], "10234");
    assert_eq!(read["created_at"], "2026-11-30T08:00:00Z");
    // People write ids loosely.
    let again = shop
        .ok(&ana, "get_ticket", json!({ "ticket_id": "t-1" }))
        .await;
    assert_eq!(again["ticket_id"], "T-000001");

    let stored = shop.store.tickets_of("34600000001").await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].conversation_id.as_deref(),
        Some("conv-34600000001")
    );
}

#[tokio::test]
async fn priority_defaults_to_normal_and_ids_count_up() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    let first = shop
        .ok(
            &ana,
            "create_ticket",
            json!({ "subject": "a", "description": "b" }),
        )
        .await;
    let second = shop
        .ok(
            &ana,
            "create_ticket",
            json!({ "subject": "c", "description": "d" }),
        )
        .await;
    assert_eq!(first["priority"], "normal");
    assert_eq!(second["ticket_id"], "T-000002");
}

#[tokio::test]
async fn another_customers_ticket_reads_like_a_missing_one() {
    let shop = Shop::new().await;
    shop.ok(
        &customer("ana"),
        "create_ticket",
        json!({ "subject": "mine", "description": "private" }),
    )
    .await;

    let theirs = shop
        .err(
            &customer("bruno"),
            "get_ticket",
            json!({ "ticket_id": "T-000001" }),
        )
        .await;
    let missing = shop
        .err(
            &customer("bruno"),
            "get_ticket",
            json!({ "ticket_id": "T-000099" }),
        )
        .await;
    assert_eq!(theirs.kind, ToolErrorKind::NotFound);
    assert_eq!(missing.kind, ToolErrorKind::NotFound);
    assert!(!theirs.message.contains("private") && !theirs.message.contains("mine"));
    // Same words for both, apart from the id asked about.
    assert_eq!(
        theirs.message.replace("T-000001", "ID"),
        missing.message.replace("T-000099", "ID")
    );

    // An MCP client acting for another customer is no different.
    let via_agent = shop
        .err(
            &agent_for("bruno"),
            "get_ticket",
            json!({ "ticket_id": "T-000001" }),
        )
        .await;
    assert_eq!(via_agent.kind, ToolErrorKind::NotFound);
    // Acting for the owner works.
    shop.ok(
        &agent_for("ana"),
        "get_ticket",
        json!({ "ticket_id": "T-000001" }),
    )
    .await;
}

#[tokio::test]
async fn operators_read_every_ticket() {
    let shop = Shop::new().await;
    shop.ok(
        &customer("ana"),
        "create_ticket",
        json!({ "subject": "mine", "description": "private" }),
    )
    .await;
    let read = shop
        .ok(
            &operator(),
            "get_ticket",
            json!({ "ticket_id": "T-000001" }),
        )
        .await;
    assert_eq!(read["subject"], "mine");
}

#[tokio::test]
async fn a_caller_acting_for_nobody_can_neither_open_nor_read_tickets() {
    let shop = Shop::new().await;
    shop.ok(
        &customer("ana"),
        "create_ticket",
        json!({ "subject": "mine", "description": "private" }),
    )
    .await;
    let open = shop
        .err(
            &agent_for_nobody(),
            "create_ticket",
            json!({ "subject": "x", "description": "y" }),
        )
        .await;
    assert_error(
        &open,
        ToolErrorKind::NotAllowed,
        &["does not act for any customer"],
    );
    let read = shop
        .err(
            &agent_for_nobody(),
            "get_ticket",
            json!({ "ticket_id": "T-000001" }),
        )
        .await;
    assert_eq!(read.kind, ToolErrorKind::NotAllowed);
    // Operators have no customer either: they cannot open a ticket in someone's name.
    let by_operator = shop
        .err(
            &operator(),
            "create_ticket",
            json!({ "subject": "x", "description": "y" }),
        )
        .await;
    assert_eq!(by_operator.kind, ToolErrorKind::NotAllowed);
}

#[tokio::test]
async fn bad_arguments_say_how_to_fix_them() {
    let shop = Shop::new().await;
    let ana = customer("ana");
    let blank = shop
        .err(
            &ana,
            "create_ticket",
            json!({ "subject": "  ", "description": "y" }),
        )
        .await;
    assert_error(
        &blank,
        ToolErrorKind::InvalidArguments,
        &["`subject` must not be empty"],
    );
    let priority = shop
        .err(
            &ana,
            "create_ticket",
            json!({ "subject": "x", "description": "y", "priority": "asap" }),
        )
        .await;
    assert_error(
        &priority,
        ToolErrorKind::InvalidArguments,
        &["asap", "urgent"],
    );
    let id = shop
        .err(&ana, "get_ticket", json!({ "ticket_id": "B-000001" }))
        .await;
    assert_error(
        &id,
        ToolErrorKind::InvalidArguments,
        &["look like T-000123"],
    );
    let long = shop
        .err(
            &ana,
            "create_ticket",
            json!({ "subject": "x".repeat(201), "description": "y" }),
        )
        .await;
    assert_error(
        &long,
        ToolErrorKind::InvalidArguments,
        &["at most 200 characters"],
    );
}
