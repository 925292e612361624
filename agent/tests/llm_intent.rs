//! The LLM intent classifier: the chat model's label is used when it is one of the intents,
//! and the embedding classifier answers whenever the model fails, is down or says nonsense.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use charla_agent::model::scripted::{ScriptedModel, ScriptedStep};
use charla_agent::model::{ChatModel, ModelError, Role};
use charla_agent::runtime::{
    self, IntentClassifierKind, LEXICAL_OUT_OF_SCOPE_THRESHOLD, RuntimeOptions,
};
use charla_agent::turn::AgentConfig;
use charla_agent::understanding::{
    IntentClassifier, IntentInput, IntentModel, IntentPrediction, IntentSet, LexicalEmbedder,
    LlmIntentClassifier, OUT_OF_SCOPE, SentimentAnalyzer, Understander, UnderstandingError,
};
use charla_knowledge::index::IndexLayout;
use charla_knowledge::index::edge::EdgeIndex;
use charla_knowledge::{EmbedError, EmbedRole, Embedder};
use charla_prompts::Prompts;
use charla_tools::Clock;

const SHOP_INTENTS: &str = r#"
[[intent]]
name = "greeting"
description = "Says hello."
examples.en = ["hi", "hello there", "good morning"]
examples.es = ["hola", "buenos días"]

[[intent]]
name = "order_status"
description = "Asks where an order is."
examples.en = ["where is my order", "my order has not arrived", "track my order"]
examples.es = ["dónde está mi pedido"]

[[intent]]
name = "returns"
description = "Wants to return an item or get a refund."
examples.en = ["I want to return these shoes", "how do I get a refund"]
examples.es = ["quiero devolver el casco"]
"#;

const WHERE_IS_MY_ORDER: &str = "where is my order, it has not arrived";

fn shop_intents() -> IntentSet {
    IntentSet::from_toml(SHOP_INTENTS, "test intents").unwrap()
}

async fn embedding_classifier() -> Arc<IntentClassifier> {
    let embedder: Arc<dyn Embedder> = Arc::new(LexicalEmbedder);
    let classifier = IntentClassifier::new(embedder, &shop_intents())
        .await
        .unwrap()
        .with_out_of_scope_threshold(LEXICAL_OUT_OF_SCOPE_THRESHOLD);
    Arc::new(classifier)
}

fn llm_classifier(
    model: &Arc<ScriptedModel>,
    fallback: Option<Arc<IntentClassifier>>,
) -> LlmIntentClassifier {
    LlmIntentClassifier::new(
        model.clone(),
        &shop_intents(),
        &Prompts::embedded(),
        fallback.map(|f| f as Arc<dyn IntentModel>),
    )
    .unwrap()
}

fn message(text: &str) -> IntentInput<'_> {
    IntentInput {
        text,
        language: "en",
        embedding: None,
    }
}

/// What the embedding classifier alone says of `text`.
async fn embedding_answer(text: &str) -> IntentPrediction {
    embedding_classifier()
        .await
        .predict(message(text))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_llms_label_is_used_with_the_embedding_classifier_as_runner_up() {
    let fallback_says = embedding_answer(WHERE_IS_MY_ORDER).await;
    assert_eq!(fallback_says.intent, "order_status", "{fallback_says:?}");
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::call(
        "classify_intent",
        r#"{"intent": "returns", "confidence": 0.8}"#,
    )]));
    let classifier = llm_classifier(&model, Some(embedding_classifier().await));

    let prediction = classifier
        .predict(message(WHERE_IS_MY_ORDER))
        .await
        .unwrap();

    assert_eq!(prediction.intent, "returns");
    assert!((prediction.confidence - 0.8).abs() < 1e-6);
    assert_eq!(
        prediction.runner_up,
        Some(("order_status".to_string(), fallback_says.confidence))
    );
    assert_eq!(model.calls_made(), 1);
}

#[tokio::test]
async fn no_runner_up_when_the_embedding_classifier_agrees_with_the_llm() {
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::call(
        "classify_intent",
        r#"{"intent": "order_status", "confidence": 0.95}"#,
    )]));
    let classifier = llm_classifier(&model, Some(embedding_classifier().await));

    let prediction = classifier
        .predict(message(WHERE_IS_MY_ORDER))
        .await
        .unwrap();

    assert_eq!(prediction.intent, "order_status");
    assert_eq!(prediction.runner_up, None);
}

#[tokio::test]
async fn the_model_is_offered_one_tool_with_the_labels_and_the_message_as_the_user_turn() {
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::call(
        "classify_intent",
        r#"{"intent": "order_status", "confidence": 0.9}"#,
    )]));
    let classifier = llm_classifier(&model, None);

    classifier
        .predict(message(WHERE_IS_MY_ORDER))
        .await
        .unwrap();

    let requests = model.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.tools.len(), 1, "{:?}", request.tools);
    let tool = &request.tools[0];
    assert_eq!(tool.name, "classify_intent");
    let labels: Vec<&str> = tool.parameters["properties"]["intent"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|label| label.as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["greeting", "order_status", "returns", OUT_OF_SCOPE]
    );
    assert_eq!(classifier.labels(), labels);
    assert_eq!(
        tool.parameters["properties"]["confidence"]["type"],
        "number"
    );
    assert_eq!(request.temperature, Some(0.0));

    let roles: Vec<Role> = request.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::System, Role::User]);
    assert_eq!(
        request.messages[1].content.as_deref(),
        Some(WHERE_IS_MY_ORDER)
    );
    let system = request.messages[0].content.as_deref().unwrap();
    assert_eq!(system, classifier.system_prompt());
    assert!(
        system.contains("`classify_intent` exactly once"),
        "{system}"
    );
    assert!(system.contains("`order_status`: Asks where an order is."));
    assert!(
        !system.contains(WHERE_IS_MY_ORDER),
        "the message is data, kept out of the instructions"
    );
}

#[tokio::test]
async fn an_unknown_label_falls_back_to_the_embedding_classifier() {
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::call(
        "classify_intent",
        r#"{"intent": "refund_request", "confidence": 0.99}"#,
    )]));
    let classifier = llm_classifier(&model, Some(embedding_classifier().await));

    let prediction = classifier
        .predict(message(WHERE_IS_MY_ORDER))
        .await
        .unwrap();

    assert_eq!(prediction, embedding_answer(WHERE_IS_MY_ORDER).await);
    assert_eq!(prediction.intent, "order_status");
}

#[tokio::test]
async fn malformed_arguments_fall_back_to_the_embedding_classifier() {
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::call(
        "classify_intent",
        r#"{"intent": "returns", "confidence": "#,
    )]));
    let classifier = llm_classifier(&model, Some(embedding_classifier().await));

    let prediction = classifier
        .predict(message(WHERE_IS_MY_ORDER))
        .await
        .unwrap();

    assert_eq!(prediction, embedding_answer(WHERE_IS_MY_ORDER).await);
}

#[tokio::test]
async fn a_text_answer_without_json_falls_back_to_the_embedding_classifier() {
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::text(
        "The customer wants to know about returns.",
    )]));
    let classifier = llm_classifier(&model, Some(embedding_classifier().await));

    let prediction = classifier
        .predict(message(WHERE_IS_MY_ORDER))
        .await
        .unwrap();

    assert_eq!(prediction, embedding_answer(WHERE_IS_MY_ORDER).await);
}

#[tokio::test]
async fn a_model_outage_falls_back_to_the_embedding_classifier() {
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::Fail(
        ModelError::Transient {
            message: "503 Service Unavailable".into(),
            retry_after: None,
        },
    )]));
    let classifier = llm_classifier(&model, Some(embedding_classifier().await));

    let prediction = classifier
        .predict(message(WHERE_IS_MY_ORDER))
        .await
        .unwrap();

    assert_eq!(prediction, embedding_answer(WHERE_IS_MY_ORDER).await);
}

#[tokio::test]
async fn without_a_fallback_a_model_outage_is_an_intent_model_error() {
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::Fail(
        ModelError::Transient {
            message: "503 Service Unavailable".into(),
            retry_after: None,
        },
    )]));
    let classifier = llm_classifier(&model, None);

    let error = classifier
        .predict(message(WHERE_IS_MY_ORDER))
        .await
        .unwrap_err();

    match error {
        UnderstandingError::IntentModel(message) => {
            assert!(message.contains("503 Service Unavailable"), "{message}");
        }
        other => panic!("expected an intent model error, got {other:?}"),
    }
}

#[tokio::test]
async fn without_a_fallback_an_unknown_label_is_an_intent_model_error() {
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::call(
        "classify_intent",
        r#"{"intent": "refund_request", "confidence": 0.99}"#,
    )]));
    let classifier = llm_classifier(&model, None);

    let error = classifier
        .predict(message(WHERE_IS_MY_ORDER))
        .await
        .unwrap_err();

    assert!(error.to_string().contains("refund_request"), "{error}");
}

#[tokio::test]
async fn a_json_answer_in_plain_text_is_accepted() {
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::text(
        "```json\n{\"intent\": \"greeting\", \"confidence\": 0.7}\n```",
    )]));
    let classifier = llm_classifier(&model, None);

    let prediction = classifier.predict(message("hola!")).await.unwrap();

    assert_eq!(prediction.intent, "greeting");
    assert!((prediction.confidence - 0.7).abs() < 1e-6);
}

#[tokio::test]
async fn a_blank_message_is_out_of_scope_without_asking_the_model() {
    let model = Arc::new(ScriptedModel::new(vec![]));
    let classifier = llm_classifier(&model, Some(embedding_classifier().await));

    let prediction = classifier.predict(message("  ")).await.unwrap();

    assert_eq!(prediction.intent, OUT_OF_SCOPE);
    assert_eq!(model.calls_made(), 0);
}

/// The lexical embedder, counting the embedding calls made after it was built.
#[derive(Default)]
struct CountingEmbedder {
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl Embedder for CountingEmbedder {
    fn id(&self) -> &str {
        LexicalEmbedder.id()
    }

    fn dims(&self) -> usize {
        LexicalEmbedder.dims()
    }

    async fn embed(&self, texts: &[String], role: EmbedRole) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        LexicalEmbedder.embed(texts, role).await
    }
}

#[tokio::test]
async fn the_understander_embeds_once_for_both_classifiers_and_takes_the_llms_label() {
    let counting = Arc::new(CountingEmbedder::default());
    let embedder: Arc<dyn Embedder> = counting.clone();
    let fallback = Arc::new(
        IntentClassifier::new(embedder.clone(), &shop_intents())
            .await
            .unwrap()
            .with_out_of_scope_threshold(LEXICAL_OUT_OF_SCOPE_THRESHOLD),
    );
    let model = Arc::new(ScriptedModel::new(vec![ScriptedStep::call(
        "classify_intent",
        r#"{"intent": "returns", "confidence": 0.6}"#,
    )]));
    let classifier = llm_classifier(&model, Some(fallback));
    assert_eq!(classifier.embedding_model(), Some(embedder.id()));
    // Sentiment on the same embedder makes the understander embed every message itself.
    let sentiment = SentimentAnalyzer::new(&embedder).await.unwrap();
    let understander = Understander::new(embedder, embedding_classifier().await, sentiment)
        .with_intent_model(Arc::new(classifier));
    let before = counting.calls.load(Ordering::SeqCst);

    let understood = understander
        .understand(WHERE_IS_MY_ORDER, "en")
        .await
        .unwrap();

    assert_eq!(counting.calls.load(Ordering::SeqCst), before + 1);

    assert_eq!(understood.intent.intent, "returns");
    assert_eq!(
        understood.intent.runner_up.map(|(intent, _)| intent),
        Some("order_status".to_string())
    );
}

/// The example business's folder (its `intents.toml`, if any, or the built-in set).
fn velora() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/velora"))
}

async fn runtime_with(
    model: Arc<ScriptedModel>,
    intent_classifier: IntentClassifierKind,
) -> (tempfile::TempDir, runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let index = EdgeIndex::open(&dir.path().join("index"), IndexLayout { dense: None }).unwrap();
    let runtime = runtime::build(RuntimeOptions {
        data_dir: dir.path().join("data"),
        business_dir: Some(velora()),
        index: Arc::new(index),
        search_embedder: None,
        understanding_embedder: None,
        model: Some(model as Arc<dyn ChatModel>),
        clock: Clock::fixed("2026-03-02T10:00:00+01:00".parse().unwrap()),
        config: AgentConfig::default(),
        intent_classifier,
    })
    .await
    .unwrap();
    (dir, runtime)
}

#[tokio::test]
async fn the_runtime_asks_the_chat_model_for_intents_only_when_configured_to() {
    let answer = || {
        ScriptedStep::call(
            "classify_intent",
            r#"{"intent": "complaint", "confidence": 0.9}"#,
        )
    };

    let model = Arc::new(ScriptedModel::new(vec![answer()]));
    let (_dir, llm) = runtime_with(model.clone(), IntentClassifierKind::Llm).await;
    let understood = llm
        .agent
        .parts()
        .understander
        .understand(WHERE_IS_MY_ORDER, "en")
        .await
        .unwrap();
    assert_eq!(understood.intent.intent, "complaint");
    assert_eq!(model.calls_made(), 1);

    let model = Arc::new(ScriptedModel::new(vec![answer()]));
    let (_dir, embedding) = runtime_with(model.clone(), IntentClassifierKind::Embedding).await;
    let understood = embedding
        .agent
        .parts()
        .understander
        .understand(WHERE_IS_MY_ORDER, "en")
        .await
        .unwrap();
    assert_ne!(understood.intent.intent, "complaint");
    assert_eq!(model.calls_made(), 0);
}
