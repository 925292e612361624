//! The intent suites with `--model openai`: charla's LLM intent classifier
//! ([`LlmIntentClassifier`], what `CHARLA_INTENT_CLASSIFIER=llm` turns on) instead of the
//! embedding one. The variant's training examples become the business's intents file (one
//! intent per label, its examples in English, the label's words as its description), so the
//! prompt shows the model [`EXAMPLES_PER_INTENT`] examples of each intent as the product does.
//!
//! The classifier runs without its embedding fallback: a model error is scored as a wrong
//! answer and counted, rather than silently replaced by the embedding classifier's figures.
//!
//! [`EXAMPLES_PER_INTENT`]: charla_agent::understanding::llm_intent::EXAMPLES_PER_INTENT

use crate::ask;
use anyhow::{Context, Result};
use charla_agent::model::ChatModel;
use charla_agent::understanding::intent::{IntentInput, IntentModel, IntentSet, IntentSpec};
use charla_agent::understanding::{IntentPrediction, LlmIntentClassifier, OUT_OF_SCOPE};
use charla_prompts::Prompts;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a model error is scored as: no intent has this label.
pub const MODEL_ERROR: &str = "(model error)";

/// The intents file the LLM classifier is given: each label of `examples` but the dataset's
/// out-of-scope one (the classifier has its own [`OUT_OF_SCOPE`] answer).
pub fn intent_set(examples: &[(String, String)], oos_label: Option<&str>) -> IntentSet {
    let mut by_label: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (label, text) in examples {
        if Some(label.as_str()) != oos_label {
            by_label.entry(label).or_default().push(text.clone());
        }
    }
    IntentSet {
        out_of_scope_threshold: None,
        intents: by_label
            .into_iter()
            .map(|(label, texts)| IntentSpec {
                name: label.to_string(),
                description: label.replace(['_', '-'], " "),
                examples: BTreeMap::from([("en".to_string(), texts)]),
            })
            .collect(),
    }
}

/// Each query's prediction by the LLM classifier over `set`, [`ask::IN_FLIGHT`] at a time,
/// with the classifier's [`OUT_OF_SCOPE`] answer renamed to the dataset's `oos_label`, and
/// how many queries the model failed (scored as [`MODEL_ERROR`]).
///
/// Errors: the prompt does not render, or the model failed the first queries (endpoint
/// down).
pub async fn classify(
    model: Arc<dyn ChatModel>,
    set: &IntentSet,
    queries: &[String],
    oos_label: Option<&str>,
    label: &str,
) -> Result<(Vec<IntentPrediction>, usize)> {
    let classifier = Arc::new(
        LlmIntentClassifier::new(model, set, &Prompts::embedded(), None)
            .context("the LLM intent classifier's prompt")?,
    );
    let answers = ask::run_all(queries.to_vec(), label, move |text| {
        let classifier = classifier.clone();
        async move {
            let input = IntentInput {
                text: &text,
                language: "en",
                embedding: None,
            };
            classifier.predict(input).await.map_err(|e| e.to_string())
        }
    })
    .await?;
    let mut errors = 0;
    let predictions = answers
        .into_iter()
        .map(|answer| match answer {
            Ok(mut prediction) => {
                if prediction.intent == OUT_OF_SCOPE
                    && let Some(oos) = oos_label
                {
                    prediction.intent = oos.to_string();
                }
                prediction
            }
            Err(_) => {
                errors += 1;
                IntentPrediction {
                    intent: MODEL_ERROR.to_string(),
                    confidence: 0.0,
                    runner_up: None,
                }
            }
        })
        .collect();
    Ok((predictions, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intents_file_has_one_intent_per_label_without_the_out_of_scope_class() {
        let examples: Vec<(String, String)> = [
            ("card_arrival", "where is my card"),
            ("oos", "what is the weather"),
            ("card_arrival", "card not here yet"),
            ("top_up", "add money"),
        ]
        .iter()
        .map(|(l, t)| (l.to_string(), t.to_string()))
        .collect();
        let set = intent_set(&examples, Some("oos"));
        assert_eq!(set.names(), vec!["card_arrival", "top_up"]);
        assert_eq!(set.intents[0].description, "card arrival");
        assert_eq!(set.intents[0].examples["en"].len(), 2);
    }
}
