//! The MCP door driven by a real rmcp client, over Streamable HTTP (both protocol revisions)
//! and over a byte stream as stdio carries it, against a real in-process index (qdrant-edge,
//! BM25 only) and a real SQLite store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charla_knowledge::VectorIndex;
use charla_knowledge::index::IndexLayout;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::ingest::{IngestOptions, Ingestor, NoProgress};
use charla_knowledge::search::Searcher;
use charla_mcp::{CharlaMcp, McpHttpConfig, McpTokens, Principal, ServerIdentity, mcp_router};
use charla_tools::builtin::{BuiltinDeps, builtin_registry};
use charla_tools::clock::Clock;
use charla_tools::store::Store;
use rmcp::model::{CallToolRequestParams, CallToolResult, ProtocolVersion};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientLifecycleMode, ClientServiceExt, ServiceExt};
use serde_json::{Value, json};
use std::sync::Arc;
use tempfile::TempDir;

const PRODUCTS: &str = "\
sku,name,description,price,currency,stock,category,url
VC-1012,Kids Helmet Sprout S,\"Kids' helmet for head circumference 52-56 cm (6 to 10 years), rear LED.\",34.90,EUR,9,helmets,https://shop.example/p/sprout-s
VC-2001,Road Helmet Aero,\"Adult road helmet, 250 g, 18 vents.\",129.00,EUR,4,helmets,https://shop.example/p/aero
VC-3001,Chain Lube Dry,\"Dry chain lubricant for summer, 100 ml.\",8.50,EUR,40,maintenance,https://shop.example/p/lube
";

const RETURNS: &str = "\
# Returns policy

## Return period

You can return any product within 30 days of delivery for a full refund.
";

const READER: &str = "reader-token-0123456789";
const ANA: &str = "ana-token-0123456789abc";
const BRUNO: &str = "bruno-token-0123456789ab";

struct Shop {
    server: CharlaMcp,
    _dir: TempDir,
}

async fn shop() -> Shop {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = TempDir::new().unwrap();
    let knowledge = dir.path().join("knowledge");
    for (path, text) in [
        ("catalog/products.csv", PRODUCTS),
        ("policies/returns.md", RETURNS),
    ] {
        let path = knowledge.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let index: Arc<dyn VectorIndex> =
        Arc::new(EdgeIndex::open(&dir.path().join("index"), IndexLayout { dense: None }).unwrap());
    Ingestor::new(index.clone(), None)
        .ingest(&[knowledge], &IngestOptions::default(), &NoProgress)
        .await
        .unwrap();
    let store = Store::open(&dir.path().join("data")).await.unwrap();
    let registry = builtin_registry(BuiltinDeps {
        searcher: Searcher::new(index, None),
        store,
        business: None,
        clock: Clock::system(),
    });
    Shop {
        server: CharlaMcp::new(registry, ServerIdentity::for_business("Velora")),
        _dir: dir,
    }
}

/// Serves the MCP door on 127.0.0.1:0 and returns its base URL.
async fn serve_http(server: CharlaMcp) -> String {
    let tokens = McpTokens::parse(&format!(
        "reader:{READER}:read,ana:{ANA}:read+write:34600000001,bruno:{BRUNO}:write:34600000002"
    ))
    .unwrap();
    let router = mcp_router(server, "Velora", McpHttpConfig::new(tokens));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

async fn http_client(
    base: &str,
    token: &str,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(token),
    );
    ().serve(transport).await.unwrap()
}

async fn tool_names(client: &rmcp::service::RunningService<rmcp::RoleClient, ()>) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    names
}

fn call(name: &str, args: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(name.to_string()).with_arguments(args.as_object().unwrap().clone())
}

fn error_text(result: &CallToolResult) -> String {
    assert_eq!(
        result.is_error,
        Some(true),
        "expected a tool error: {result:?}"
    );
    serde_json::to_string(&result.content).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_token_sees_search_tools_with_schemas_and_gets_real_catalog_results() {
    let shop = shop().await;
    let base = serve_http(shop.server.clone()).await;
    let client = http_client(&base, READER).await;

    assert_eq!(
        tool_names(&client).await,
        ["catalog_search", "knowledge_search"]
    );
    let tools = client.list_all_tools().await.unwrap();
    let catalog = tools.iter().find(|t| t.name == "catalog_search").unwrap();
    assert_eq!(catalog.input_schema.get("type"), Some(&json!("object")));
    assert!(catalog.output_schema.is_some());
    assert_eq!(
        catalog.annotations.as_ref().and_then(|a| a.read_only_hint),
        Some(true)
    );

    let found = client
        .call_tool(call(
            "catalog_search",
            json!({"query": "helmet", "max_price": 50}),
        ))
        .await
        .unwrap();
    assert_eq!(found.is_error, Some(false));
    let items = found.structured_content.unwrap()["items"].clone();
    let skus: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["VC-1012"], "only the helmet under 50 EUR: {items}");

    let passages = client
        .call_tool(call(
            "knowledge_search",
            json!({"query": "return period", "kind": "policy"}),
        ))
        .await
        .unwrap();
    let passages = passages.structured_content.unwrap();
    assert_eq!(
        passages["passages"][0]["source"],
        json!("policies/returns.md")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_tools_are_refused_without_the_write_scope_and_bad_arguments_are_tool_errors() {
    let shop = shop().await;
    let base = serve_http(shop.server.clone()).await;
    let client = http_client(&base, READER).await;

    let refused = client
        .call_tool(call(
            "create_ticket",
            json!({"subject": "Broken", "description": "It broke", "priority": "high"}),
        ))
        .await
        .unwrap();
    assert!(
        error_text(&refused).contains("no tool named"),
        "{refused:?}"
    );

    let invalid = client
        .call_tool(call("catalog_search", json!({"limit": "many"})))
        .await
        .unwrap();
    assert!(
        error_text(&invalid).contains("invalid arguments"),
        "{invalid:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_customers_ticket_is_unreachable() {
    let shop = shop().await;
    let base = serve_http(shop.server.clone()).await;
    let ana = http_client(&base, ANA).await;
    let bruno = http_client(&base, BRUNO).await;
    assert!(
        tool_names(&ana)
            .await
            .contains(&"create_ticket".to_string())
    );

    let created = ana
        .call_tool(call(
            "create_ticket",
            json!({"subject": "Wobbly wheel", "description": "The rear wheel wobbles", "priority": "normal"}),
        ))
        .await
        .unwrap();
    assert_eq!(created.is_error, Some(false), "{created:?}");
    let id = created.structured_content.unwrap()["ticket_id"].clone();

    let own = ana
        .call_tool(call("get_ticket", json!({"ticket_id": id})))
        .await
        .unwrap();
    assert_eq!(own.is_error, Some(false), "{own:?}");
    let other = bruno
        .call_tool(call("get_ticket", json!({"ticket_id": id})))
        .await
        .unwrap();
    assert!(error_text(&other).contains("not found"), "{other:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_a_token_gets_401_pointing_to_the_resource_metadata() {
    let shop = shop().await;
    let base = serve_http(shop.server.clone()).await;
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base}/mcp"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains(&format!(
            "resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\""
        )),
        "{challenge}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], json!("unauthorized"));

    let metadata: Value = http
        .get(format!("{base}/.well-known/oauth-protected-resource/mcp"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], json!(format!("{base}/mcp")));
    let card: Value = http
        .get(format!("{base}/mcp/server-card"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(card["remotes"][0]["url"], json!(format!("{base}/mcp")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stateless_2026_revision_lists_and_calls_tools_too() {
    let shop = shop().await;
    let base = serve_http(shop.server.clone()).await;
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(READER),
    );
    let client = ()
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 2);
    let found = client
        .call_tool(call("catalog_search", json!({"query": "chain lube"})))
        .await
        .unwrap();
    assert_eq!(
        found.structured_content.unwrap()["items"][0]["sku"],
        json!("VC-3001")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_stdio_stream_the_local_principal_decides_the_tools() {
    let shop = shop().await;
    let (client_side, server_side) = tokio::io::duplex(64 * 1024);
    let server = shop
        .server
        .clone()
        .with_local_principal(Principal::read_only("stdio"));
    tokio::spawn(async move {
        let running = server.serve(server_side).await.unwrap();
        let _ = running.waiting().await;
    });
    let client = ().serve(client_side).await.unwrap();
    assert_eq!(
        tool_names(&client).await,
        ["catalog_search", "knowledge_search"]
    );
    let found = client
        .call_tool(call("catalog_search", json!({"query": "road helmet"})))
        .await
        .unwrap();
    assert_eq!(
        found.structured_content.unwrap()["items"][0]["sku"],
        json!("VC-2001")
    );
}
