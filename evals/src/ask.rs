//! Sending a suite's requests to the chat model (tool calls, LLM intents): a few at a time,
//! with progress, stopping early when the endpoint is plainly down.

use crate::progress::Progress;
use anyhow::{Result, bail};
use charla_agent::model::{ChatModel, ChatRequest, ChatResponse};
use std::future::Future;
use std::sync::Arc;
use tokio::task::JoinSet;

/// Requests in flight at once: enough to hide latency, few enough for rate limits.
pub const IN_FLIGHT: usize = 4;
/// When this many first answers (or all of them, if fewer) are all errors, the endpoint is
/// taken to be down and the suite stops rather than score thousands of errors.
pub const FIRST_FAILURES: usize = 5;

/// Sends every request to `model`, at most [`IN_FLIGHT`] at a time, with a progress line
/// named `label`. Returns each request's answer or its error text, in the requests' order.
///
/// Errors: the first [`FIRST_FAILURES`] answers are all errors (the message quotes the last).
pub async fn ask_all(
    model: Arc<dyn ChatModel>,
    requests: Vec<ChatRequest>,
    label: &str,
) -> Result<Vec<Result<ChatResponse, String>>> {
    run_all(requests, label, move |request| {
        let model = model.clone();
        async move { model.complete(&request).await.map_err(|e| e.to_string()) }
    })
    .await
}

/// Runs `call` on every item, at most [`IN_FLIGHT`] at a time, with a progress line named
/// `label`: each item's result or its error text, in the items' order.
///
/// Errors: the first [`FIRST_FAILURES`] calls all failed (the message quotes the last).
pub async fn run_all<I, T, F, Fut>(
    items: Vec<I>,
    label: &str,
    call: F,
) -> Result<Vec<Result<T, String>>>
where
    I: Send + 'static,
    T: Send + 'static,
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<T, String>> + Send + 'static,
{
    let total = items.len();
    let mut answers: Vec<Option<Result<T, String>>> = (0..total).map(|_| None).collect();
    let mut progress = Progress::start(label, total);
    let mut pending = items.into_iter().enumerate();
    let mut running = JoinSet::new();
    let (mut done, mut failed) = (0, 0);
    loop {
        while running.len() < IN_FLIGHT {
            let Some((index, item)) = pending.next() else {
                break;
            };
            let answer = call(item);
            running.spawn(async move { (index, answer.await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (index, answer) = match joined {
            Ok(pair) => pair,
            Err(error) => bail!("a request to the chat model stopped: {error}"),
        };
        done += 1;
        if let Err(error) = &answer {
            failed += 1;
            if failed == done && done == FIRST_FAILURES.min(total) {
                running.abort_all();
                progress.finish();
                bail!(
                    "the chat model failed the first {done} requests, the endpoint looks down \
                     or misconfigured (OPENAI_BASE_URL, OPENAI_API_KEY, CHARLA_CHAT_MODEL); \
                     last error: {error}"
                );
            }
        }
        if let Some(slot) = answers.get_mut(index) {
            *slot = Some(answer);
        }
        progress.advance(1);
    }
    progress.finish();
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Err("no answer".to_string())))
        .collect())
}
