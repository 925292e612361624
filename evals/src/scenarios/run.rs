//! Runs one scenario end to end: a fresh data directory (a copy of the business's prepared
//! one), a real `charla serve` with the scenario's clock, each turn delivered as a signed
//! webhook, the reply taken from the stand-in Cloud API as the customer would see it, and
//! what the agent understood and did read back through the operator API.

use super::charla::{Charla, Launch, inbound_message};
use super::checks::{CalledTool, Failure, Observed, check};
use super::cloud_api::{FakeCloudApi, seen};
use super::format::{Said, Scenario, parse_after};
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a turn may take before it counts as unanswered.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long to wait for a reply a turn expects not to get.
const SILENCE_WAIT: Duration = Duration::from_secs(3);
/// A reply is complete once nothing more was sent for this long.
const QUIET: Duration = Duration::from_millis(400);

/// What one turn showed and which of its checks failed.
#[derive(Debug, Clone, Serialize)]
pub struct TurnResult {
    /// The turn's number, from 1.
    pub turn: usize,
    /// What the customer sent.
    pub said: String,
    /// What the agent did and the customer got.
    pub observed: Observed,
    /// The checks that failed.
    pub failures: Vec<Failure>,
}

/// One scenario's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// Its name.
    pub name: String,
    /// Its file.
    pub file: String,
    /// Whether every check of every turn passed.
    pub passed: bool,
    /// How many checks it has, and how many failed.
    pub checks: usize,
    /// The failed checks.
    pub failed_checks: usize,
    /// Each turn.
    pub turns: Vec<TurnResult>,
    /// Why the run itself failed (charla did not start, a webhook was refused...).
    pub error: Option<String>,
    /// Wall time.
    pub seconds: f64,
}

/// Runs `scenario` on a copy of `prepared` (the business's data directory, already ingested).
pub async fn run_scenario(scenario: &Scenario, launch: &Launch, prepared: &Path) -> ScenarioResult {
    let started = Instant::now();
    let mut turns = Vec::new();
    let outcome = run_turns(scenario, launch, prepared, &mut turns).await;
    let planned: Vec<usize> = scenario
        .turns
        .iter()
        .map(|t| count_checks(&t.expect))
        .collect();
    let failures: Vec<usize> = turns.iter().map(|t| t.failures.len()).collect();
    let (checks, failed_checks) = check_counts(&planned, &failures);
    let error = outcome.err().map(|e| format!("{e:#}"));
    ScenarioResult {
        name: scenario.name.clone(),
        file: scenario.file.display().to_string(),
        passed: error.is_none() && failed_checks == 0,
        checks,
        failed_checks,
        turns,
        error,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// The checks of a scenario and how many failed, from each turn's planned checks and the
/// failures of the turns that ran: the checks of turns that never ran (charla stopped, a
/// webhook was refused) count as failed, so a run cut short cannot raise the check pass rate.
fn check_counts(planned: &[usize], failures_of_turns_run: &[usize]) -> (usize, usize) {
    let checks: usize = planned.iter().sum();
    let held: usize = planned
        .iter()
        .zip(failures_of_turns_run)
        .map(|(planned, failed)| planned.saturating_sub(*failed))
        .sum();
    (checks, checks - held)
}

async fn run_turns(
    scenario: &Scenario,
    launch: &Launch,
    prepared: &Path,
    results: &mut Vec<TurnResult>,
) -> Result<()> {
    let data = tempfile::tempdir()?;
    copy_dir(prepared, data.path())?;
    let api = FakeCloudApi::start().await?;
    let launch = Launch {
        cloud_api: api.base_url().to_string(),
        ..launch.clone()
    };
    let mut now = match &scenario.start {
        Some(start) => start.parse::<jiff::Timestamp>()?,
        None => jiff::Timestamp::now(),
    };
    let mut charla = Charla::start(&launch, data.path(), now).await?;
    let mut conversation = Conversation::default();
    let contact = &scenario.contact;
    if contact.opted_in {
        // The opt-in keyword is the customer's own consent; its confirmation is not a turn.
        let message = inbound_message(
            &Said::Text("START".into()),
            &contact.id,
            "wamid.evals.opt-in",
            now,
        );
        charla.deliver(message, contact).await?;
        wait_for_reply(&api, 0, REPLY_TIMEOUT).await;
    }
    for (index, turn) in scenario.turns.iter().enumerate() {
        if let Some(after) = &turn.after {
            now = now.saturating_add(jiff::SignedDuration::from_secs(parse_after(after)?))?;
            // The clock is the process's: a restart on the same data directory moves it, and
            // also shows that nothing of the conversation depends on the process.
            charla.stop().await;
            charla = Charla::start(&launch, data.path(), now).await?;
        }
        let said = turn.said();
        let sent_before = api.sent().len();
        let status_before = conversation.status.clone();
        let wamid = format!("wamid.evals.{}.{}", scenario.name, index + 1);
        charla
            .deliver(inbound_message(&said, &contact.id, &wamid, now), contact)
            .await
            .with_context(|| format!("turn {}", index + 1))?;
        let wait = if turn.expect.no_reply == Some(true) {
            SILENCE_WAIT
        } else {
            REPLY_TIMEOUT
        };
        wait_for_reply(&api, sent_before, wait).await;
        let replies: Vec<Value> = api.sent().into_iter().skip(sent_before).collect();
        let history = conversation.latest(&charla).await?;
        let mut observed = conversation.observe(history.as_ref());
        observed.handoff = status_before.as_deref().is_none_or(|s| s == "bot")
            && conversation.status.as_deref().is_some_and(|s| s != "bot");
        add_replies(&mut observed, &replies);
        let failures = check(&turn.expect, &observed);
        results.push(TurnResult {
            turn: index + 1,
            said: describe(&said),
            observed,
            failures,
        });
    }
    charla.stop().await;
    Ok(())
}

/// Waits until more than `before` messages were sent and then nothing more for [`QUIET`], or
/// until `timeout` passes with nothing new.
async fn wait_for_reply(api: &FakeCloudApi, before: usize, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let mut count = api.sent().len();
    let mut changed = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now_count = api.sent().len();
        if now_count != count {
            count = now_count;
            changed = Instant::now();
        }
        if count > before && changed.elapsed() >= QUIET {
            return;
        }
        if count == before && Instant::now() >= deadline {
            return;
        }
    }
}

/// The scenario's conversation as the operator API shows it, and how much of it earlier
/// turns already read.
#[derive(Default)]
struct Conversation {
    /// The newest conversation id seen (`C-000001`), by number.
    number: u32,
    /// The largest message id already read.
    read_up_to: i64,
    /// Its status after the last turn (`bot`, `waiting`, `with_operator`).
    status: Option<String>,
}

impl Conversation {
    /// The newest conversation's history: a scenario has one customer, so the newest
    /// conversation is theirs (a new one starts after a resolved handoff).
    async fn latest(&mut self, charla: &Charla) -> Result<Option<Value>> {
        let mut latest = None;
        let mut number = self.number.max(1);
        while let Some(history) = charla.conversation(&format!("C-{number:06}")).await? {
            self.number = number;
            latest = Some(history);
            number += 1;
        }
        if latest.is_none() && self.number > 0 {
            latest = charla
                .conversation(&format!("C-{:06}", self.number))
                .await?;
        }
        if let Some(history) = &latest {
            self.status = history["conversation"]["status"]
                .as_str()
                .map(str::to_string);
        }
        Ok(latest)
    }

    /// What the messages added since the last turn show.
    fn observe(&mut self, history: Option<&Value>) -> Observed {
        let mut observed = Observed::default();
        let messages = history
            .and_then(|h| h["messages"].as_array())
            .cloned()
            .unwrap_or_default();
        for message in messages {
            let id = message["id"].as_i64().unwrap_or_default();
            if id <= self.read_up_to {
                continue;
            }
            self.read_up_to = id;
            match message["role"].as_str().unwrap_or_default() {
                "customer" => {
                    let understanding = &message["understanding"];
                    if let Some(intent) = understanding["intent"].as_str() {
                        observed.intent = Some(intent.to_string());
                    }
                    if let Some(sentiment) = understanding["sentiment"].as_str() {
                        observed.sentiment = Some(sentiment.to_string());
                    }
                }
                "assistant" => {
                    for call in message["tool_calls"].as_array().into_iter().flatten() {
                        let args = call["arguments"]
                            .as_str()
                            .and_then(|a| serde_json::from_str(a).ok())
                            .unwrap_or(Value::Null);
                        observed.tools.push(CalledTool {
                            name: call["name"].as_str().unwrap_or_default().to_string(),
                            args,
                        });
                    }
                    for source in message["sources"].as_array().into_iter().flatten() {
                        if let Some(source) = source.as_str() {
                            observed.sources.push(source.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        observed
    }
}

/// Adds what the customer got: the texts, the options' titles, templates and the language.
fn add_replies(observed: &mut Observed, replies: &[Value]) {
    let mut texts = Vec::new();
    for reply in replies {
        let seen = seen(reply);
        texts.push(seen.text.clone());
        texts.extend(seen.options.iter().map(|(_, title)| title.clone()));
        if let Some((_, language)) = &seen.template {
            observed.template = true;
            observed.reply_language = language.split(['_', '-']).next().map(str::to_string);
        }
    }
    observed.replied = !replies.is_empty();
    observed.reply = texts.join("\n");
    if observed.reply_language.is_none() && observed.replied {
        let language = charla_agent::understanding::detect_language(&observed.reply, "und");
        observed.reply_language = Some(language.code);
    }
}

fn describe(said: &Said) -> String {
    match said {
        Said::Text(text) => text.clone(),
        Said::Button { id, title } => format!("[button {id}: {title}]"),
        Said::ListRow { id, title } => format!("[list row {id}: {title}]"),
    }
}

fn count_checks(expect: &super::format::Expect) -> usize {
    let optional = [
        expect.intent.is_some(),
        expect.sentiment.is_some(),
        expect.handoff.is_some(),
        expect.reply_language.is_some(),
        expect.template.is_some(),
        expect.no_reply.is_some(),
        !expect.reply_contains_any.is_empty(),
    ]
    .iter()
    .filter(|set| **set)
    .count();
    optional
        + expect.tools.len()
        + expect.no_tools.len()
        + expect.reply_contains.len()
        + expect.reply_not_contains.len()
        + expect.sources_include.len()
}

/// Copies a folder's files, recursively.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("{}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_counts;

    #[test]
    fn failed_checks_are_counted_over_every_turn() {
        // 3 + 4 + 2 checks; the second turn failed one, the third two.
        assert_eq!(check_counts(&[3, 4, 2], &[0, 1, 2]), (9, 3));
    }

    #[test]
    fn checks_of_turns_that_never_ran_count_as_failed() {
        // charla stopped after the first turn (one failure): 1 + 4 + 2 failed of 9.
        assert_eq!(check_counts(&[3, 4, 2], &[1]), (9, 7));
        assert_eq!(check_counts(&[3, 4], &[]), (7, 7));
    }
}
