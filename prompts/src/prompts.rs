//! [`Prompts`]: the built-in templates, optionally overridden file by file from a directory,
//! and the typed render functions.

use crate::error::PromptError;
use crate::format::register_filters;
use crate::inputs::{
    ContextPassage, HandoffSummaryInput, IntentClassifierInput, SystemPromptInput,
};
use crate::language::Language;
use crate::reply::{EMBEDDED_REPLIES, Reply, reply_template_name};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

const SYSTEM: &str = "system.jinja";
const CONTEXT: &str = "context.jinja";
const HANDOFF_SUMMARY: &str = "handoff_summary.jinja";
const INTENT_CLASSIFIER: &str = "intent_classifier.jinja";

const EMBEDDED_PROMPTS: &[(&str, &str)] = &[
    (SYSTEM, include_str!("../templates/system.jinja")),
    (CONTEXT, include_str!("../templates/context.jinja")),
    (
        HANDOFF_SUMMARY,
        include_str!("../templates/handoff_summary.jinja"),
    ),
    (
        INTENT_CLASSIFIER,
        include_str!("../templates/intent_classifier.jinja"),
    ),
];

/// Deeper than any template's folder (`replies/es/`); stops a symlink loop in an override
/// directory from recursing forever.
const MAX_OVERRIDE_DEPTH: usize = 4;

/// Every built-in template as `(name, source)`, such as `("replies/es/greeting.jinja", "...")`.
///
/// The names are the paths an override directory uses, so writing these out gives a business
/// a complete set to edit.
pub fn embedded_templates() -> impl Iterator<Item = (&'static str, &'static str)> {
    EMBEDDED_PROMPTS.iter().chain(EMBEDDED_REPLIES).copied()
}

fn embedded_source(name: &str) -> Option<&'static str> {
    embedded_templates()
        .find(|(embedded, _)| *embedded == name)
        .map(|(_, source)| source)
}

/// charla's prompt templates, ready to render.
///
/// Built-in templates are compiled into the binary; [`Prompts::from_dir`] replaces any of them
/// with a business's own file of the same name. Cheap to clone and safe to share between
/// threads. Rendering does no I/O: override files are read once, when loaded.
#[derive(Clone)]
pub struct Prompts {
    environment: Arc<Environment<'static>>,
    overrides: Arc<BTreeSet<String>>,
}

impl Prompts {
    /// The built-in templates only.
    pub fn embedded() -> Prompts {
        Prompts::with_overrides(BTreeMap::new())
    }

    /// The built-in templates, with each `.jinja` file under `dir` replacing the built-in
    /// template of the same relative name (`system.jinja`, `replies/es/greeting.jinja`...).
    /// Templates without a file there stay built in.
    ///
    /// Every override is read and compiled now, so a missing directory, an unreadable file, a
    /// syntax error or a file named like no template is reported at start-up rather than in
    /// the middle of a conversation. Files not ending in `.jinja` and hidden entries are
    /// ignored, so a README can live there.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Prompts, PromptError> {
        let dir = dir.as_ref();
        let mut overrides = BTreeMap::new();
        collect_overrides(dir, dir, 0, &mut overrides)?;
        let prompts = Prompts::with_overrides(overrides);
        for name in prompts.overrides.iter() {
            prompts
                .environment
                .get_template(name)
                .map_err(|error| PromptError::from_minijinja(name, &error))?;
        }
        Ok(prompts)
    }

    fn with_overrides(overrides: BTreeMap<String, String>) -> Prompts {
        let names = overrides.keys().cloned().collect();
        let mut environment = Environment::new();
        // Block tags on their own lines then leave no blank lines behind, which keeps the
        // templates readable for the people who edit them. The default delimiters cannot fail
        // to build.
        environment.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .unwrap_or_default(),
        );
        // The output is plain text for a model or WhatsApp, never HTML.
        environment.set_auto_escape_callback(|_| AutoEscape::None);
        // A misspelt variable in an edited template must fail loudly, not render as nothing.
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        register_filters(&mut environment);
        environment.set_loader(move |name| {
            Ok(overrides
                .get(name)
                .cloned()
                .or_else(|| embedded_source(name).map(str::to_string)))
        });
        Prompts {
            environment: Arc::new(environment),
            overrides: Arc::new(names),
        }
    }

    /// The names of the templates replaced from the override directory, in order.
    pub fn overrides(&self) -> impl Iterator<Item = &str> {
        self.overrides.iter().map(String::as_str)
    }

    /// The system prompt for the model.
    pub fn render_system_prompt(&self, input: &SystemPromptInput) -> Result<String, PromptError> {
        self.render(SYSTEM, Value::from(Serde(input)))
    }

    /// The block of retrieved passages, numbered from 1 and fenced as untrusted data. With no
    /// passages it says that nothing was found, so the model does not answer from memory.
    pub fn render_context(&self, passages: &[ContextPassage]) -> Result<String, PromptError> {
        self.render(CONTEXT, context! { passages => Serde(passages) })
    }

    /// The summary an operator reads when a conversation is handed to them.
    pub fn render_handoff_summary(
        &self,
        input: &HandoffSummaryInput,
    ) -> Result<String, PromptError> {
        self.render(HANDOFF_SUMMARY, Value::from(Serde(input)))
    }

    /// The system prompt of the LLM intent classifier: the intents to choose from and the
    /// rule to answer by calling `classify_intent` once. The customer's message is not part
    /// of it; it goes to the model as the user message.
    pub fn render_intent_classifier(
        &self,
        input: &IntentClassifierInput,
    ) -> Result<String, PromptError> {
        self.render(INTENT_CLASSIFIER, Value::from(Serde(input)))
    }

    /// The offline model's reply in `language` (an ISO 639-1 code; a region such as `es-ES`
    /// is ignored). Languages without templates get the English reply.
    pub fn render_reply(&self, language: &str, reply: &Reply) -> Result<String, PromptError> {
        let language = Language::from_code(language).unwrap_or(Language::English);
        let kind = reply.kind();
        let name = reply_template_name(language.code(), kind);
        let context = context! {
            language => language.code(),
            kind => kind.name(),
            ..Value::from(Serde(reply))
        };
        self.render(&name, context)
    }

    fn render(&self, name: &str, context: Value) -> Result<String, PromptError> {
        let template = self
            .environment
            .get_template(name)
            .map_err(|error| PromptError::from_minijinja(name, &error))?;
        let rendered = template
            .render(context)
            .map_err(|error| PromptError::from_minijinja(name, &error))?;
        Ok(rendered.trim().to_string())
    }
}

impl Default for Prompts {
    fn default() -> Prompts {
        Prompts::embedded()
    }
}

impl fmt::Debug for Prompts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prompts")
            .field("overrides", &self.overrides)
            .finish_non_exhaustive()
    }
}

/// Reads every `.jinja` file under `dir` into `overrides`, keyed by its `/`-separated path
/// relative to `root`.
fn collect_overrides(
    root: &Path,
    dir: &Path,
    depth: usize,
    overrides: &mut BTreeMap<String, String>,
) -> Result<(), PromptError> {
    let read_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PromptError::Read { path, source }
    };
    let entries = std::fs::read_dir(dir).map_err(read_error(dir))?;
    for entry in entries {
        let entry = entry.map_err(read_error(dir))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        // Follows symlinks: mounted configuration (Kubernetes ConfigMaps) is made of them.
        let metadata = std::fs::metadata(&path).map_err(read_error(&path))?;
        if metadata.is_dir() {
            if depth < MAX_OVERRIDE_DEPTH {
                collect_overrides(root, &path, depth + 1, overrides)?;
            }
            continue;
        }
        if path
            .extension()
            .is_none_or(|extension| extension != "jinja")
        {
            continue;
        }
        let name = template_name(root, &path);
        if name.as_deref().and_then(embedded_source).is_none() {
            return Err(PromptError::UnknownOverride {
                path,
                example: "replies/es/greeting.jinja",
            });
        }
        let source = std::fs::read_to_string(&path).map_err(read_error(&path))?;
        if let Some(name) = name {
            overrides.insert(name, source);
        }
    }
    Ok(())
}

/// `root/replies/es/greeting.jinja` as `replies/es/greeting.jinja`, whatever the platform's
/// path separator; `None` for a path that is not valid UTF-8.
fn template_name(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = relative.iter().map(|part| part.to_str()).collect();
    Some(parts?.join("/"))
}
