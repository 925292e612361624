//! `Settings`: everything the `charla` binary can be told, merged as file < environment <
//! command line. Libraries never read the environment; they get typed config from here.

use anyhow::{Context, Result};
use charla_agent::runtime::IntentClassifierKind;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// The name of the optional configuration file looked for in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "charla.toml";
/// The data directory used when none is given.
pub const DEFAULT_DATA_DIR: &str = ".charla";

/// Global options, shared by every command.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Where charla keeps its index, database and state.
    #[arg(long, global = true, env = "CHARLA_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// A charla.toml to read (default: ./charla.toml when it exists).
    #[arg(long, global = true, env = "CHARLA_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The business whose knowledge is used (one index collection per business).
    #[arg(long, global = true, env = "CHARLA_BUSINESS", value_name = "NAME")]
    pub business: Option<String>,

    /// A Qdrant server to use instead of the embedded engine, e.g. http://localhost:6334.
    #[arg(long, global = true, env = "QDRANT_URL", value_name = "URL")]
    pub qdrant_url: Option<String>,

    /// API key of the Qdrant server.
    #[arg(
        long,
        global = true,
        env = "QDRANT_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub qdrant_api_key: Option<String>,

    /// Which embedder: `local` (a model in a folder), `openai` (an OpenAI-compatible endpoint) or
    /// `none` (BM25 only). Default: local when a model is found, else none.
    #[arg(long, global = true, env = "CHARLA_EMBEDDER", value_name = "KIND")]
    pub embedder: Option<EmbedderKind>,

    /// A folder holding local embedding models (default: ./models, then <data-dir>/models).
    #[arg(long, global = true, env = "CHARLA_MODEL_DIR", value_name = "DIR")]
    pub model_dir: Option<PathBuf>,

    /// The business's folder: business.toml, intents.toml, prompts/, knowledge/ (default:
    /// examples/velora when it exists).
    #[arg(long, global = true, env = "CHARLA_BUSINESS_DIR", value_name = "DIR")]
    pub business_dir: Option<PathBuf>,
}

/// The business folder used when none is given and it exists: the example shop.
pub const EXAMPLE_BUSINESS_DIR: &str = "examples/velora";

/// Which embedder to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbedderKind {
    /// A local model run in process.
    Local,
    /// An OpenAI-compatible embeddings endpoint.
    Openai,
    /// No dense vectors: BM25 only.
    None,
}

/// `charla.toml`: every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    business: Option<String>,
    #[serde(default)]
    qdrant: QdrantFile,
    #[serde(default)]
    embedding: EmbeddingFile,
    business_dir: Option<PathBuf>,
    #[serde(default)]
    chat: ChatFile,
    #[serde(default)]
    understanding: UnderstandingFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnderstandingFile {
    /// `embedding` or `llm`.
    intent_classifier: Option<IntentClassifierKind>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatFile {
    /// Model name at the OpenAI-compatible endpoint; unset: the offline model.
    model: Option<String>,
    base_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct QdrantFile {
    url: Option<String>,
    api_key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmbeddingFile {
    provider: Option<EmbedderKind>,
    model_dir: Option<PathBuf>,
    /// Model name at the OpenAI-compatible endpoint.
    model: Option<String>,
    /// Its vector size.
    dims: Option<usize>,
    base_url: Option<String>,
}

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// The secret's value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The merged settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where state lives.
    pub data_dir: PathBuf,
    /// The business's name (collection name).
    pub business: String,
    /// The Qdrant server, if any.
    pub qdrant: Option<QdrantServer>,
    /// How to embed.
    pub embedding: EmbeddingSettings,
    /// The business's folder, if any.
    pub business_dir: Option<PathBuf>,
    /// The chat model.
    pub chat: ChatSettings,
    /// Who labels intents: the embedding classifier (default) or the chat model
    /// (`CHARLA_INTENT_CLASSIFIER=llm`, or `[understanding] intent_classifier = "llm"`).
    pub intent_classifier: IntentClassifierKind,
    /// A fixed "now" (RFC 3339, from `CHARLA_FIXED_NOW`) for demos, tests and scenario runs;
    /// `None`: the system clock.
    pub fixed_now: Option<jiff::Timestamp>,
}

/// Which chat model answers customers.
#[derive(Debug, Clone, Default)]
pub struct ChatSettings {
    /// The model's name at an OpenAI-compatible endpoint; `None`: the offline model.
    pub model: Option<String>,
    /// The endpoint (default OpenAI's).
    pub base_url: Option<String>,
    /// The endpoint's key.
    pub api_key: Option<Secret>,
}

/// A Qdrant server to connect to.
#[derive(Debug, Clone)]
pub struct QdrantServer {
    /// Its gRPC URL.
    pub url: String,
    /// Its API key.
    pub api_key: Option<Secret>,
}

/// How texts are embedded.
#[derive(Debug, Clone)]
pub struct EmbeddingSettings {
    /// Chosen explicitly, or `None` to pick local when a model is found.
    pub provider: Option<EmbedderKind>,
    /// Folders searched for a local model, first match wins.
    pub model_dirs: Vec<PathBuf>,
    /// The endpoint's model name (openai).
    pub model: Option<String>,
    /// The endpoint's vector size (openai).
    pub dims: Option<usize>,
    /// The endpoint (openai), from the file or `OPENAI_BASE_URL`.
    pub base_url: Option<String>,
    /// The endpoint's key, from `OPENAI_API_KEY`.
    pub api_key: Option<Secret>,
}

impl Settings {
    /// Merges the config file, the environment and the command line.
    pub fn load(args: &GlobalArgs) -> Result<Self> {
        let file = read_file_settings(args.config.as_deref())?;
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let business = args
            .business
            .clone()
            .or(file.business)
            .unwrap_or_else(|| "default".to_string());
        validate_business_name(&business)?;
        let qdrant = args
            .qdrant_url
            .clone()
            .or(file.qdrant.url)
            .filter(|u| !u.trim().is_empty())
            .map(|url| QdrantServer {
                url,
                api_key: args
                    .qdrant_api_key
                    .clone()
                    .or(file.qdrant.api_key)
                    .map(Secret),
            });
        let mut model_dirs = Vec::new();
        model_dirs.extend(args.model_dir.clone().or(file.embedding.model_dir));
        model_dirs.push(PathBuf::from("models"));
        model_dirs.push(data_dir.join("models"));
        let embedding = EmbeddingSettings {
            provider: args.embedder.or(file.embedding.provider),
            model_dirs,
            model: std::env::var("CHARLA_EMBEDDING_MODEL")
                .ok()
                .or(file.embedding.model),
            dims: env_parse("CHARLA_EMBEDDING_DIMS")?.or(file.embedding.dims),
            base_url: std::env::var("OPENAI_BASE_URL")
                .ok()
                .or(file.embedding.base_url),
            api_key: std::env::var("OPENAI_API_KEY").ok().map(Secret),
        };
        let business_dir = args
            .business_dir
            .clone()
            .or(file.business_dir)
            .or_else(|| Some(PathBuf::from(EXAMPLE_BUSINESS_DIR)).filter(|d| d.is_dir()));
        let chat = ChatSettings {
            model: std::env::var("CHARLA_CHAT_MODEL")
                .ok()
                .filter(|m| !m.trim().is_empty())
                .or(file.chat.model),
            base_url: std::env::var("OPENAI_BASE_URL").ok().or(file.chat.base_url),
            api_key: std::env::var("OPENAI_API_KEY").ok().map(Secret),
        };
        let intent_classifier = match std::env::var("CHARLA_INTENT_CLASSIFIER") {
            Ok(value) if !value.trim().is_empty() => intent_classifier_kind(&value)?,
            _ => file.understanding.intent_classifier.unwrap_or_default(),
        };
        let fixed_now = match std::env::var("CHARLA_FIXED_NOW") {
            Ok(value) if !value.trim().is_empty() => Some(
                value
                    .trim()
                    .parse::<jiff::Timestamp>()
                    .with_context(|| format!("CHARLA_FIXED_NOW={value:?} is not an RFC 3339 time such as 2026-03-02T10:00:00+01:00"))?,
            ),
            _ => None,
        };
        Ok(Settings {
            data_dir,
            business,
            qdrant,
            embedding,
            business_dir,
            chat,
            intent_classifier,
            fixed_now,
        })
    }

    /// The folder of the embedded index of this business.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index").join(&self.business)
    }
}

fn read_file_settings(explicit: Option<&Path>) -> Result<FileSettings> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None if Path::new(DEFAULT_CONFIG_FILE).exists() => PathBuf::from(DEFAULT_CONFIG_FILE),
        None => return Ok(FileSettings::default()),
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    // toml's error names the line and column and the offending key.
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

fn intent_classifier_kind(value: &str) -> Result<IntentClassifierKind> {
    match value.trim().to_ascii_lowercase().as_str() {
        "embedding" => Ok(IntentClassifierKind::Embedding),
        "llm" => Ok(IntentClassifierKind::Llm),
        _ => anyhow::bail!("CHARLA_INTENT_CLASSIFIER={value:?}: use `embedding` or `llm`"),
    }
}

fn env_parse<T: std::str::FromStr>(name: &str) -> Result<Option<T>>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    match std::env::var(name) {
        Ok(v) => {
            Ok(Some(v.parse().with_context(|| {
                format!("environment variable {name}={v:?}")
            })?))
        }
        Err(_) => Ok(None),
    }
}

/// The business name becomes a folder and a collection name: keep it to safe characters.
fn validate_business_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    anyhow::ensure!(
        ok,
        "invalid business name {name:?}: use 1-64 letters, digits, '-' or '_'"
    );
    Ok(())
}
