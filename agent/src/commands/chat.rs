//! `charla chat`: talk to the agent as a customer of the business, in the terminal
//! (interactive), or one message at a time with `--message` (`--json` for scripts). The
//! conversation is stored per contact in the data directory, so a second call continues it.
//! The business's knowledge is ingested on the first run.

use crate::agent_setup;
use crate::settings::Settings;
use anyhow::{Context, Result};
use charla_agent::turn::{Inbound, TurnOutcome};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

/// Arguments of `charla chat`.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// Answer this one message and exit (without it: an interactive chat).
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,
    /// The customer's contact id; their conversation continues across runs.
    #[arg(long, value_name = "ID", default_value = "terminal-customer")]
    contact: String,
    /// The customer's name, as a WhatsApp profile would give it.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Print each turn as JSON (reply, language, intent, confidence, sentiment, tool_calls,
    /// sources, handoff).
    #[arg(long)]
    json: bool,
}

/// The channel `charla chat` conversations live on.
const CHANNEL: &str = "chat";

/// Runs the command.
pub async fn run(settings: &Settings, args: ChatArgs) -> Result<ExitCode> {
    let runtime = agent_setup::open(settings).await?;
    let inbound = |text: String| Inbound {
        contact_id: args.contact.clone(),
        channel: CHANNEL.into(),
        text,
        customer_name: args.name.clone(),
    };
    if let Some(message) = &args.message {
        let outcome = runtime.agent.handle(inbound(message.clone())).await?;
        print_outcome(&outcome, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }

    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!(
            "Chatting with {} as {:?}. Empty line or Ctrl-D to quit.",
            business_name(&runtime),
            args.contact
        );
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        if interactive {
            eprint!("you> ");
            std::io::stderr().flush().ok();
        }
        let Some(line) = lines.next() else { break };
        let line = line.context("reading the terminal")?;
        if line.trim().is_empty() {
            if interactive {
                break;
            }
            continue;
        }
        let outcome = runtime.agent.handle(inbound(line)).await?;
        print_outcome(&outcome, args.json)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn business_name(runtime: &charla_agent::runtime::Runtime) -> String {
    runtime
        .business
        .as_ref()
        .map(|b| b.name.clone())
        .unwrap_or_else(|| "the agent".into())
}

/// The turn as scripts read it: stable field names.
pub fn outcome_json(outcome: &TurnOutcome) -> serde_json::Value {
    let u = &outcome.understanding;
    serde_json::json!({
        "reply": outcome.reply,
        "language": u.language.code,
        "intent": u.intent.intent,
        "confidence": u.intent.confidence,
        "runner_up": u.intent.runner_up.as_ref().map(|(intent, score)| serde_json::json!({"intent": intent, "confidence": score})),
        "sentiment": {
            "label": u.sentiment.label,
            "polarity": u.sentiment.polarity,
            "intensity": u.sentiment.intensity,
        },
        "tool_calls": outcome.tool_calls,
        "sources": outcome.sources,
        "choices": outcome.choices,
        "handoff": outcome.handoff.as_ref().map(|h| serde_json::json!({
            "reason": h.reason,
            "detail": h.detail,
            "summary": h.summary,
        })),
        "with_operator": outcome.with_operator,
        "conversation_id": outcome.conversation_id,
    })
}

fn print_outcome(outcome: &TurnOutcome, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(&outcome_json(outcome))?);
        return Ok(());
    }
    match &outcome.reply {
        Some(reply) => println!("\n{reply}\n"),
        None => println!("\n(an operator has this conversation: the bot stays silent)\n"),
    }
    let u = &outcome.understanding;
    let mut facts = vec![
        format!("language {}", u.language.code),
        format!("intent {} ({:.2})", u.intent.intent, u.intent.confidence),
        format!(
            "sentiment {:?} ({:+.2})",
            u.sentiment.label, u.sentiment.polarity
        )
        .to_lowercase(),
    ];
    for call in &outcome.tool_calls {
        let status = match &call.error {
            None => "ok".to_string(),
            Some(error) => format!("error: {error}"),
        };
        facts.push(format!("tool {} {} → {status}", call.name, call.arguments));
    }
    if !outcome.choices.is_empty() {
        let titles: Vec<String> = outcome
            .choices
            .iter()
            .map(|c| format!("[{}]", c.title))
            .collect();
        facts.push(format!("choices {}", titles.join(" ")));
    }
    if !outcome.sources.is_empty() {
        facts.push(format!("sources {}", outcome.sources.join(", ")));
    }
    if let Some(handoff) = &outcome.handoff {
        facts.push(format!("handoff: {}", handoff.reason.as_str()));
    }
    for fact in facts {
        println!("  · {fact}");
    }
    println!();
    Ok(())
}
