//! [`LlmIntentClassifier`]: an [`IntentModel`] that asks a chat model for a message's intent,
//! with the embedding classifier as a fallback for when the model fails or answers nonsense.
//!
//! The model gets the intents file as a system prompt (`intent_classifier.jinja`), the
//! customer's message as the user message, and one function to call, `classify_intent`,
//! whose `intent` argument is an enum of the labels. Models that answer in text instead are
//! read too, when the text holds the same JSON object.

use std::sync::Arc;

use async_trait::async_trait;
use charla_prompts::{IntentChoice, IntentClassifierInput, PromptError, Prompts};
use serde::Deserialize;
use serde_json::json;

use super::UnderstandingError;
use super::intent::{IntentInput, IntentModel, IntentPrediction, IntentSet, OUT_OF_SCOPE};
use crate::model::{ChatMessage, ChatModel, ChatRequest, ToolSchema};

/// The function the model is asked to call; `intent_classifier.jinja` names it too.
pub const CLASSIFY_INTENT_TOOL: &str = "classify_intent";

/// Examples shown per intent: enough to pin down what a name means, few enough that a file
/// of ~700 examples stays a short prompt.
pub const EXAMPLES_PER_INTENT: usize = 4;

/// The confidence given to an answer that names a valid intent but no confidence: neither a
/// guess nor certain.
const UNSTATED_CONFIDENCE: f32 = 0.5;

/// Labels a message by asking a chat model, falling back to another [`IntentModel`] (usually
/// the embedding [`IntentClassifier`](super::IntentClassifier)) when the model fails.
///
/// Its `confidence` is the model's own estimate in [0, 1]. With a fallback, every message is
/// also given to the fallback (cheap when the caller passes the embedding): its answer is the
/// `runner_up` when it disagrees with the model, and the whole prediction when the model
/// fails.
pub struct LlmIntentClassifier {
    model: Arc<dyn ChatModel>,
    system_prompt: String,
    tool: ToolSchema,
    labels: Vec<String>,
    fallback: Option<Arc<dyn IntentModel>>,
}

impl std::fmt::Debug for LlmIntentClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmIntentClassifier")
            .field("model", &self.model.id())
            .field("labels", &self.labels)
            .field(
                "fallback",
                &self.fallback.as_ref().map(|f| f.labels().len()),
            )
            .finish_non_exhaustive()
    }
}

/// The arguments of a `classify_intent` call.
#[derive(Debug, Deserialize)]
struct ClassifyIntentArguments {
    intent: String,
    #[serde(default)]
    confidence: Option<f32>,
}

impl LlmIntentClassifier {
    /// A classifier asking `model` to choose among `intents` (plus [`OUT_OF_SCOPE`]), with
    /// the system prompt rendered from `prompts` now, once.
    ///
    /// Errors: [`PromptError`] when the (possibly overridden) `intent_classifier.jinja` does
    /// not render, so a broken template shows at start-up rather than on every message.
    pub fn new(
        model: Arc<dyn ChatModel>,
        intents: &IntentSet,
        prompts: &Prompts,
        fallback: Option<Arc<dyn IntentModel>>,
    ) -> Result<Self, PromptError> {
        let mut labels = intents.names();
        if !labels.iter().any(|label| label == OUT_OF_SCOPE) {
            labels.push(OUT_OF_SCOPE.to_string());
        }
        let system_prompt = prompts.render_intent_classifier(&prompt_input(intents))?;
        let tool = classify_intent_tool(&labels);
        Ok(Self {
            model,
            system_prompt,
            tool,
            labels,
            fallback,
        })
    }

    /// The system prompt sent with every message.
    pub fn system_prompt(&self) -> &str {
        &self.system_prompt
    }

    /// The request for one message: the prompt, the message, the one tool, temperature 0.
    fn request(&self, text: &str) -> ChatRequest {
        ChatRequest {
            messages: vec![
                ChatMessage::system(self.system_prompt.clone()),
                ChatMessage::user(text),
            ],
            tools: vec![self.tool.clone()],
            temperature: Some(0.0),
            ..ChatRequest::default()
        }
    }

    /// The model's label and confidence, or why they cannot be used.
    async fn ask_model(&self, text: &str) -> Result<(String, f32), String> {
        let response = self
            .model
            .complete(&self.request(text))
            .await
            .map_err(|error| error.to_string())?;
        let message = response.message;
        let arguments = match message
            .tool_calls
            .iter()
            .find(|call| call.name == CLASSIFY_INTENT_TOOL)
        {
            Some(call) => call.arguments.clone(),
            None => match message.content.as_deref().and_then(json_object_in) {
                Some(object) => object.to_string(),
                None => {
                    let called: Vec<&str> =
                        message.tool_calls.iter().map(|c| c.name.as_str()).collect();
                    return Err(format!(
                        "no {CLASSIFY_INTENT_TOOL} call and no JSON object in the answer \
                         (tools called: {called:?})"
                    ));
                }
            },
        };
        let parsed: ClassifyIntentArguments = serde_json::from_str(&arguments)
            .map_err(|error| format!("{CLASSIFY_INTENT_TOOL} arguments: {error}"))?;
        let intent = parsed.intent.trim().to_ascii_lowercase();
        if !self.labels.contains(&intent) {
            return Err(format!("unknown intent {:?}", parsed.intent));
        }
        let confidence = match parsed.confidence {
            Some(confidence) if confidence.is_finite() => confidence.clamp(0.0, 1.0),
            _ => UNSTATED_CONFIDENCE,
        };
        Ok((intent, confidence))
    }
}

#[async_trait]
impl IntentModel for LlmIntentClassifier {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The fallback's, so the caller still embeds the message once and the fallback (asked
    /// alongside the model) needs no second embedding.
    fn embedding_model(&self) -> Option<&str> {
        self.fallback.as_ref().and_then(|f| f.embedding_model())
    }

    #[tracing::instrument(skip_all, fields(model = self.model.id()))]
    async fn predict(
        &self,
        input: IntentInput<'_>,
    ) -> Result<IntentPrediction, UnderstandingError> {
        // A sticker or a photo without caption says nothing a model could classify.
        if input.text.trim().is_empty() {
            return Ok(IntentPrediction {
                intent: OUT_OF_SCOPE.to_string(),
                confidence: 1.0,
                runner_up: None,
            });
        }
        let fallback_prediction = async {
            match &self.fallback {
                Some(fallback) => Some(fallback.predict(input).await),
                None => None,
            }
        };
        let (answer, fallback_prediction) =
            tokio::join!(self.ask_model(input.text), fallback_prediction);
        match (answer, fallback_prediction) {
            (Ok((intent, confidence)), fallback_prediction) => {
                let runner_up = match fallback_prediction {
                    Some(Ok(prediction)) if prediction.intent != intent => {
                        Some((prediction.intent, prediction.confidence))
                    }
                    Some(Err(error)) => {
                        tracing::warn!(%error, "fallback intent model failed; no runner-up");
                        None
                    }
                    _ => None,
                };
                Ok(IntentPrediction {
                    intent,
                    confidence,
                    runner_up,
                })
            }
            (Err(problem), Some(fallback_prediction)) => {
                tracing::warn!(
                    %problem,
                    "the LLM intent classifier failed; using the fallback's intent"
                );
                fallback_prediction
            }
            (Err(problem), None) => Err(UnderstandingError::IntentModel(format!(
                "{} ({}): {problem}",
                CLASSIFY_INTENT_TOOL,
                self.model.id()
            ))),
        }
    }
}

/// The prompt's view of the intents file: names, descriptions and a few examples each.
fn prompt_input(intents: &IntentSet) -> IntentClassifierInput {
    IntentClassifierInput {
        intents: intents
            .intents
            .iter()
            .map(|intent| IntentChoice {
                name: intent.name.clone(),
                description: intent.description.trim().to_string(),
                examples: a_few_examples(intent, EXAMPLES_PER_INTENT),
            })
            .collect(),
        out_of_scope: OUT_OF_SCOPE.to_string(),
    }
}

/// Up to `count` examples of an intent, taking each language's first, then each language's
/// second, and so on, so the prompt shows as many languages as it can.
fn a_few_examples(intent: &super::IntentSpec, count: usize) -> Vec<String> {
    let per_language: Vec<Vec<&str>> = intent
        .examples
        .values()
        .map(|texts| {
            texts
                .iter()
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .collect();
    let longest = per_language.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|round| {
            per_language
                .iter()
                .filter_map(move |texts| texts.get(round))
        })
        .take(count)
        .map(|text| text.to_string())
        .collect()
}

/// `classify_intent`'s schema. Written out rather than derived, because the enum is the
/// business's labels, known only at run time.
fn classify_intent_tool(labels: &[String]) -> ToolSchema {
    ToolSchema {
        name: CLASSIFY_INTENT_TOOL.to_string(),
        description: "Records the intent of the customer's message. Call it exactly once."
            .to_string(),
        parameters: json!({
            "type": "object",
            "properties": {
                "intent": {
                    "type": "string",
                    "enum": labels,
                    "description": "The intent that best fits the message."
                },
                "confidence": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "How sure you are, from 0 (a guess) to 1 (certain)."
                }
            },
            "required": ["intent", "confidence"],
            "additionalProperties": false
        }),
    }
}

/// The first JSON object in a text answer (models sometimes wrap it in a code fence or a
/// sentence): from the first `{` to the last `}`.
fn json_object_in(text: &str) -> Option<serde_json::Value> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    let candidate = text.get(start..=end)?;
    serde_json::from_str::<serde_json::Value>(candidate)
        .ok()
        .filter(serde_json::Value::is_object)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn a_json_object_is_found_inside_a_fenced_or_chatty_answer() {
        let fenced = "```json\n{\"intent\": \"greeting\", \"confidence\": 0.9}\n```";
        assert_eq!(json_object_in(fenced).unwrap()["intent"], "greeting");
        let chatty = "Sure! {\"intent\": \"returns\"} Hope that helps.";
        assert_eq!(json_object_in(chatty).unwrap()["intent"], "returns");
        assert!(json_object_in("greeting").is_none());
        assert!(json_object_in("{not json}").is_none());
    }

    #[test]
    fn the_prompt_shows_examples_from_several_languages() {
        let set = IntentSet::builtin().unwrap();
        let greeting = set.intents.iter().find(|i| i.name == "greeting").unwrap();
        let examples = a_few_examples(greeting, EXAMPLES_PER_INTENT);
        assert_eq!(examples.len(), EXAMPLES_PER_INTENT);
        let firsts: Vec<&str> = greeting
            .examples
            .values()
            .map(|texts| texts[0].trim())
            .collect();
        assert_eq!(examples, firsts[..EXAMPLES_PER_INTENT]);
    }
}
