//! `catalog_search` and `knowledge_search` over a real in-process index (qdrant-edge, BM25
//! only) filled by the ingest pipeline from files written for the test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charla_knowledge::VectorIndex;
use charla_knowledge::index::IndexLayout;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::ingest::{IngestOptions, Ingestor, NoProgress};
use charla_knowledge::search::Searcher;
use charla_tools::builtin::{BuiltinDeps, builtin_registry};
use charla_tools::clock::Clock;
use charla_tools::store::Store;
use charla_tools::{Caller, ToolContext, ToolErrorKind, ToolRegistry};
use serde_json::{Value, json};
use std::sync::Arc;
use tempfile::TempDir;

const PRODUCTS: &str = "\
sku,name,description,price,currency,stock,category,url
VC-1011,Kids Helmet Sprout XS,\"Kids' helmet for head circumference 48-52 cm (3 to 6 years), removable visor.\",34.90,EUR,0,helmets,https://shop.example/p/sprout-xs
VC-1012,Kids Helmet Sprout S,\"Kids' helmet for head circumference 52-56 cm (6 to 10 years), rear LED.\",34.90,EUR,9,helmets,https://shop.example/p/sprout-s
VC-1013,Kids Helmet Rally MIPS S,\"Premium kids' helmet with MIPS for 52-56 cm (6 to 10 years).\",59.90,EUR,6,helmets,https://shop.example/p/rally-s
VC-2001,Road Helmet Aero,\"Adult road helmet, 250 g, 18 vents.\",129.00,EUR,4,helmets,https://shop.example/p/aero
VC-3001,Chain Lube Dry,\"Dry chain lubricant for summer, 100 ml.\",8.50,EUR,40,maintenance,https://shop.example/p/lube
";

const FAQ: &str = "\
# Frequently asked questions

## How long does delivery take?

Orders paid before 14:00 leave the same day. Spain: 1-2 working days.

## Can I return a helmet?

Helmets can be returned unworn within 30 days, in their original packaging.
";

const RETURNS: &str = "\
# Returns policy

## Return period

You can return any product within 30 days of delivery for a full refund. Bikes must not have been ridden more than 20 km.

## Refunds

Refunds are paid to the original payment method within 14 days of receiving the return.
";

struct Searchable {
    registry: ToolRegistry,
    _dir: TempDir,
}

async fn searchable() -> Searchable {
    let dir = TempDir::new().unwrap();
    let knowledge = dir.path().join("knowledge");
    for (path, text) in [
        ("catalog/products.csv", PRODUCTS),
        ("faq/faq.md", FAQ),
        ("policies/returns.md", RETURNS),
    ] {
        let path = knowledge.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let index: Arc<dyn VectorIndex> =
        Arc::new(EdgeIndex::open(&dir.path().join("index"), IndexLayout { dense: None }).unwrap());
    let report = Ingestor::new(index.clone(), None)
        .ingest(&[knowledge], &IngestOptions::default(), &NoProgress)
        .await
        .unwrap();
    assert!(!report.has_problems(), "{report:?}");
    let store = Store::open(&dir.path().join("data")).await.unwrap();
    let registry = builtin_registry(BuiltinDeps {
        searcher: Searcher::new(index, None),
        store,
        business: None,
        clock: Clock::system(),
    });
    Searchable {
        registry,
        _dir: dir,
    }
}

fn anyone() -> ToolContext {
    ToolContext::new(Caller::Agent {
        principal: "browser".into(),
        acts_for: None,
    })
}

async fn call(s: &Searchable, tool: &str, args: Value) -> Value {
    s.registry.call(&anyone(), tool, args).await.unwrap()
}

fn skus(answer: &Value) -> Vec<String> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_search_returns_products_with_price_stock_and_link() {
    let s = searchable().await;
    let answer = call(&s, "catalog_search", json!({ "query": "kids helmet" })).await;
    let items = answer["items"].as_array().unwrap();
    assert!(items.len() >= 3, "{answer}");
    assert!(
        skus(&answer)
            .iter()
            .take(3)
            .all(|sku| sku.starts_with("VC-101")),
        "{answer}"
    );
    let sprout_s = items.iter().find(|i| i["sku"] == "VC-1012").unwrap();
    assert_eq!(sprout_s["name"], "Kids Helmet Sprout S");
    assert_eq!(sprout_s["price"], 34.9);
    assert_eq!(sprout_s["currency"], "EUR");
    assert_eq!(sprout_s["stock"], 9);
    assert_eq!(sprout_s["in_stock"], true);
    assert_eq!(sprout_s["category"], "helmets");
    assert_eq!(sprout_s["url"], "https://shop.example/p/sprout-s");
    assert_eq!(sprout_s["source"], "catalog/products.csv");
    // Only products: the FAQ about returning helmets is not an item.
    assert!(items.iter().all(|i| i["source"] == "catalog/products.csv"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_filters_narrow_the_results() {
    let s = searchable().await;
    let in_stock = call(
        &s,
        "catalog_search",
        json!({ "query": "kids helmet", "in_stock_only": true }),
    )
    .await;
    assert!(
        !skus(&in_stock).contains(&"VC-1011".to_string()),
        "out of stock: {in_stock}"
    );
    let cheap = call(
        &s,
        "catalog_search",
        json!({ "query": "helmet", "max_price": 40 }),
    )
    .await;
    assert!(!skus(&cheap).is_empty());
    assert!(
        cheap["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["price"].as_f64().unwrap() <= 40.0),
        "{cheap}"
    );
    let maintenance = call(
        &s,
        "catalog_search",
        json!({ "query": "chain", "category": "Maintenance" }),
    )
    .await;
    assert_eq!(skus(&maintenance), ["VC-3001"]);
    let one = call(
        &s,
        "catalog_search",
        json!({ "query": "helmet", "limit": 1 }),
    )
    .await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_search_refuses_limits_out_of_range() {
    let s = searchable().await;
    let err = s
        .registry
        .call(
            &anyone(),
            "catalog_search",
            json!({ "query": "helmet", "limit": 50 }),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ToolErrorKind::InvalidArguments);
    assert!(err.message.contains("between 1 and 20"), "{err}");
    let blank = s
        .registry
        .call(&anyone(), "catalog_search", json!({ "query": " " }))
        .await
        .unwrap_err();
    assert!(
        blank.message.contains("`query` must not be empty"),
        "{blank}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knowledge_search_returns_policy_and_faq_passages_with_their_source() {
    let s = searchable().await;
    let answer = call(
        &s,
        "knowledge_search",
        json!({ "query": "refund to the original payment method" }),
    )
    .await;
    let passages = answer["passages"].as_array().unwrap();
    let top = &passages[0];
    assert_eq!(top["source"], "policies/returns.md");
    assert_eq!(top["kind"], "policy");
    assert!(top["title"].as_str().unwrap().contains("Refunds"), "{top}");
    assert!(top["text"].as_str().unwrap().contains("within 14 days"));
    assert!(top["score"].as_f64().unwrap() > 0.0);
    assert!(
        passages
            .iter()
            .all(|p| p["source"] != "catalog/products.csv"),
        "never products"
    );

    let faq_only = call(
        &s,
        "knowledge_search",
        json!({ "query": "return a helmet", "kind": "faq" }),
    )
    .await;
    let faq_passages = faq_only["passages"].as_array().unwrap();
    assert!(!faq_passages.is_empty());
    assert!(
        faq_passages
            .iter()
            .all(|p| p["kind"] == "faq" && p["source"] == "faq/faq.md"),
        "{faq_only}"
    );
    assert_eq!(faq_passages[0]["title"], "Can I return a helmet?");
}
