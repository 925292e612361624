//! The scenario file format: one customer conversation per YAML file, with what each turn
//! must show. The format is part of the product (documented in the README) and kept stable:
//! fields are only ever added, and an unknown field is an error naming its file and line, so
//! a typo cannot silently switch a check off.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Its name, shown in reports.
    pub name: String,
    /// The business folder (knowledge and `business.toml`), relative to the working
    /// directory; default: the example business.
    #[serde(default)]
    pub business: Option<PathBuf>,
    /// Who writes.
    #[serde(default)]
    pub contact: Contact,
    /// The fixed clock at the first turn (RFC 3339); default: the time the run starts.
    #[serde(default)]
    pub start: Option<String>,
    /// The customer's turns, in order.
    pub turns: Vec<Turn>,
    /// The file it came from (set when loading).
    #[serde(skip)]
    pub file: PathBuf,
}

/// The customer of a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Their WhatsApp id (a phone number without `+`).
    #[serde(default = "default_contact_id")]
    pub id: String,
    /// Their profile name.
    #[serde(default = "default_contact_name")]
    pub name: String,
    /// Whether they opted in to marketing messages before the conversation (by sending the
    /// opt-in keyword first).
    #[serde(default)]
    pub opted_in: bool,
}

impl Default for Contact {
    fn default() -> Self {
        Self {
            id: default_contact_id(),
            name: default_contact_name(),
            opted_in: false,
        }
    }
}

fn default_contact_id() -> String {
    "34600000001".into()
}

fn default_contact_name() -> String {
    "Cliente".into()
}

/// One customer turn: a text, or a tap on a reply button or a list row the agent offered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    /// What the customer writes.
    #[serde(default)]
    pub user: Option<String>,
    /// A tap on a reply button.
    #[serde(default)]
    pub button: Option<Tap>,
    /// A tap on a list row.
    #[serde(default)]
    pub list: Option<Tap>,
    /// Advance the clock by this much before the turn: `30s`, `2m`, `25h`, `3d`.
    #[serde(default)]
    pub after: Option<String>,
    /// What must hold once the agent has answered.
    #[serde(default)]
    pub expect: Expect,
}

/// A tap: the id and title of the button or row.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tap {
    /// The id the agent gave the option.
    pub id: String,
    /// Its title, as the customer saw it.
    pub title: String,
}

/// What the customer sends in one turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// A text message.
    Text(String),
    /// A reply-button tap.
    Button {
        /// The button's id.
        id: String,
        /// Its title.
        title: String,
    },
    /// A list-row tap.
    ListRow {
        /// The row's id.
        id: String,
        /// Its title.
        title: String,
    },
}

impl Turn {
    /// What the customer sends; exactly one of `user`, `button` and `list` is set (checked
    /// when loading).
    pub fn said(&self) -> Said {
        match (&self.user, &self.button, &self.list) {
            (_, Some(tap), _) => Said::Button {
                id: tap.id.clone(),
                title: tap.title.clone(),
            },
            (_, _, Some(tap)) => Said::ListRow {
                id: tap.id.clone(),
                title: tap.title.clone(),
            },
            (Some(text), _, _) => Said::Text(text.clone()),
            (None, None, None) => Said::Text(String::new()),
        }
    }
}

/// One value or a list of accepted values.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One accepted value.
    One(String),
    /// Any of these.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The accepted values.
    pub fn values(&self) -> Vec<String> {
        match self {
            Self::One(v) => vec![v.clone()],
            Self::Many(vs) => vs.clone(),
        }
    }
}

/// A tool that must be called, with arguments that must include `args`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolExpect {
    /// The tool's name.
    pub name: String,
    /// A subset of its arguments; strings compare case-insensitively.
    #[serde(default)]
    pub args: Option<Value>,
}

/// The checks of one turn; every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The intent of the customer's message (or any of a list).
    #[serde(default)]
    pub intent: Option<OneOrMany>,
    /// `negative`, `neutral` or `positive`.
    #[serde(default)]
    pub sentiment: Option<String>,
    /// Tools that must be called.
    #[serde(default)]
    pub tools: Vec<ToolExpect>,
    /// Tools that must not be called.
    #[serde(default)]
    pub no_tools: Vec<String>,
    /// Whether the turn hands the conversation to a person.
    #[serde(default)]
    pub handoff: Option<bool>,
    /// All of these appear in the reply (case-insensitive).
    #[serde(default)]
    pub reply_contains: Vec<String>,
    /// At least one of these appears in the reply.
    #[serde(default)]
    pub reply_contains_any: Vec<String>,
    /// None of these appears in the reply.
    #[serde(default)]
    pub reply_not_contains: Vec<String>,
    /// The reply's language (ISO 639-1).
    #[serde(default)]
    pub reply_language: Option<String>,
    /// Whether the reply had to be a template (the 24-hour window was closed).
    #[serde(default)]
    pub template: Option<bool>,
    /// Knowledge sources the reply must cite (a file name, or part of its path).
    #[serde(default)]
    pub sources_include: Vec<String>,
    /// Whether the customer gets no reply at all (a person has the conversation).
    #[serde(default)]
    pub no_reply: Option<bool>,
}

const SENTIMENTS: [&str; 3] = ["negative", "neutral", "positive"];

/// Reads one scenario file. Errors name the file, and the line for YAML and field errors.
pub fn load_file(path: &Path) -> Result<Scenario> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read scenario {}", path.display()))?;
    let mut scenario: Scenario = serde_yaml_ng::from_str(&text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        anyhow::anyhow!("{}{at}: {e}", path.display())
    })?;
    scenario.file = path.to_path_buf();
    validate(&scenario).with_context(|| format!("{}", path.display()))?;
    Ok(scenario)
}

/// Reads a scenario file, or every `*.yaml`/`*.yml` file of a folder (sorted by name).
pub fn load(path: &Path) -> Result<Vec<Scenario>> {
    if path.is_file() {
        return Ok(vec![load_file(path)?]);
    }
    if !path.is_dir() {
        bail!(
            "no scenario file or folder at {} (from the suite scenarios:{})",
            path.display(),
            path.display()
        );
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot list {}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{} holds no .yaml scenario files", path.display());
    }
    files.iter().map(|f| load_file(f)).collect()
}

fn validate(scenario: &Scenario) -> Result<()> {
    if scenario.turns.is_empty() {
        bail!("scenario {:?} has no turns", scenario.name);
    }
    if let Some(start) = &scenario.start {
        start
            .parse::<jiff::Timestamp>()
            .with_context(|| format!("start {start:?} is not an RFC 3339 time with an offset"))?;
    }
    for (index, turn) in scenario.turns.iter().enumerate() {
        let number = index + 1;
        let given = [
            turn.user.is_some(),
            turn.button.is_some(),
            turn.list.is_some(),
        ]
        .iter()
        .filter(|set| **set)
        .count();
        if given != 1 {
            bail!("turn {number}: give exactly one of `user`, `button` and `list`");
        }
        if let Some(after) = &turn.after {
            parse_after(after).with_context(|| format!("turn {number}: after"))?;
        }
        if let Some(sentiment) = &turn.expect.sentiment
            && !SENTIMENTS.contains(&sentiment.as_str())
        {
            bail!("turn {number}: sentiment {sentiment:?} is not one of {SENTIMENTS:?}");
        }
        for tool in &turn.expect.tools {
            if let Some(args) = &tool.args
                && !args.is_object()
            {
                bail!(
                    "turn {number}: the args of tool {} must be a mapping",
                    tool.name
                );
            }
        }
    }
    Ok(())
}

/// `30s`, `2m`, `25h`, `3d` (a whole number and one unit) as seconds.
pub fn parse_after(text: &str) -> Result<i64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number
        .parse()
        .with_context(|| format!("{text:?} must be a whole number and a unit, like 2m or 25h"))?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => bail!("{text:?}: unknown unit {other:?}; use s, m, h or d"),
    };
    Ok(number * seconds)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.yaml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn a_full_scenario_reads_with_every_check() {
        let (_dir, path) = write(
            r#"
name: booking-es-basic
contact: {id: "34600111222", name: "Lucía", opted_in: false}
start: "2026-03-02T10:00:00+01:00"
turns:
  - user: "Hola, ¿tenéis cascos para niños?"
    expect:
      intent: product_question
      sentiment: neutral
      tools: [{name: catalog_search, args: {category: "helmets"}}]
      no_tools: [create_ticket]
      handoff: false
      reply_contains: ["casco"]
      reply_contains_any: ["9", "39"]
      reply_not_contains: ["error"]
      reply_language: es
      template: false
      sources_include: ["faq.md"]
  - button: {id: "slot-1", title: "10:00"}
    after: "2m"
    expect:
      intent: [booking, other]
"#,
        );
        let scenario = load_file(&path).unwrap();
        assert_eq!(scenario.contact.name, "Lucía");
        assert_eq!(scenario.turns.len(), 2);
        assert_eq!(
            scenario.turns[1].said(),
            Said::Button {
                id: "slot-1".into(),
                title: "10:00".into()
            }
        );
        let intents = scenario.turns[1].expect.intent.as_ref().unwrap().values();
        assert_eq!(intents, ["booking", "other"]);
    }

    #[test]
    fn a_misspelt_check_is_an_error_naming_the_file_and_line() {
        let (_dir, path) =
            write("name: x\nturns:\n  - user: hola\n    expect:\n      reply_contain: [a]\n");
        let error = format!("{:#}", load_file(&path).unwrap_err());
        assert!(error.contains("s.yaml:5"), "{error}");
        assert!(error.contains("reply_contain"), "{error}");
    }

    #[test]
    fn a_turn_needs_exactly_one_of_user_button_and_list() {
        let (_dir, path) =
            write("name: x\nturns:\n  - user: hola\n    button: {id: a, title: b}\n");
        let error = format!("{:#}", load_file(&path).unwrap_err());
        assert!(error.contains("turn 1"), "{error}");
    }

    #[test]
    fn after_takes_a_number_and_a_unit() {
        assert_eq!(parse_after("30s").unwrap(), 30);
        assert_eq!(parse_after("2m").unwrap(), 120);
        assert_eq!(parse_after("25h").unwrap(), 90_000);
        assert_eq!(parse_after("3d").unwrap(), 259_200);
        assert!(parse_after("2 weeks").is_err());
        assert!(parse_after("h").is_err());
    }
}
