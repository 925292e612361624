//! A real `charla serve` process for scenario runs, on 127.0.0.1, with its clock fixed
//! (`CHARLA_FIXED_NOW`), its replies going to the stand-in Cloud API and its operator API on,
//! and the two doors the runner uses: signed WhatsApp webhooks in, the operator API's
//! conversation history out.

use super::cloud_api;
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The app secret the runner signs webhooks with.
const APP_SECRET: &str = "charla-evals-app-secret";
/// The operator token the runner reads conversations with.
const OPERATOR_TOKEN: &str = "charla-evals-operator-token-0123456789";
/// The business phone number id the webhooks name.
pub const PHONE_NUMBER_ID: &str = "106540352242922";
/// The longest a start may take (the first start ingests the business and embeds its intent
/// examples).
const START_TIMEOUT: Duration = Duration::from_secs(300);

/// How to start `charla serve`.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The `charla` binary.
    pub binary: PathBuf,
    /// The business folder.
    pub business_dir: PathBuf,
    /// The stand-in Cloud API's base URL.
    pub cloud_api: String,
    /// Extra environment (the chat model's settings with `--model openai`).
    pub env: Vec<(String, String)>,
}

/// A running `charla serve`; killed when dropped.
pub struct Charla {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Charla {
    /// Starts `charla serve` on `data_dir` with the clock at `now`.
    pub async fn start(launch: &Launch, data_dir: &Path, now: jiff::Timestamp) -> Result<Self> {
        let mut command = Command::new(&launch.binary);
        command
            .env_remove("CHARLA_MCP_TOKENS")
            .env_remove("CHARLA_CHAT_MODEL")
            .env_remove("CHARLA_BUSINESS_DIR")
            .envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("CHARLA_FIXED_NOW", now.to_string())
            .env("WHATSAPP_APP_SECRET", APP_SECRET)
            .env("WHATSAPP_ACCESS_TOKEN", cloud_api::TOKEN)
            .env("WHATSAPP_API_BASE_URL", &launch.cloud_api)
            .env("CHARLA_OPERATOR_TOKENS", format!("evals:{OPERATOR_TOKEN}"))
            .env("RUST_LOG", "error")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--business-dir")
            .arg(&launch.business_dir)
            .args(["serve", "--addr", "127.0.0.1:0", "--debounce-ms", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {}", launch.binary.display()))?;
        let stderr = child.stderr.take().context("charla's stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        let mut said = Vec::new();
        let url = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = line.strip_prefix("charla listening on ") {
                    return Ok::<_, anyhow::Error>(Some(url.trim().to_string()));
                }
                said.push(line);
            }
            Ok(None)
        })
        .await
        .context("charla serve did not start in time")??;
        let Some(url) = url else {
            bail!("charla serve exited before listening:\n{}", said.join("\n"));
        };
        // Keep reading, so the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            url,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
        })
    }

    /// Stops the process (everything it acknowledged is committed: a restart resumes it).
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }

    /// Delivers one customer message as Meta would: signed, to the webhook. Fails unless
    /// charla acknowledges it with a 200.
    pub async fn deliver(&self, message: Value, contact: &super::format::Contact) -> Result<()> {
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "evals", "changes": [{ "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
                "contacts": [{ "profile": { "name": contact.name }, "wa_id": contact.id }],
                "messages": [message],
            }}]}],
        });
        let body = serde_json::to_vec(&body)?;
        let signature = charla_agent::whatsapp::signature::sign(APP_SECRET.as_bytes(), &body);
        let response = self
            .http
            .post(format!("{}/webhooks/whatsapp", self.url))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await
            .context("delivering a webhook")?;
        if !response.status().is_success() {
            bail!(
                "the webhook answered {}: {}",
                response.status(),
                response.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    /// The conversation `id` (`C-000001`) as the operator API shows it, or `None` when there
    /// is no such conversation.
    pub async fn conversation(&self, id: &str) -> Result<Option<Value>> {
        let response = self
            .http
            .get(format!("{}/api/operator/conversations/{id}", self.url))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .context("reading a conversation from the operator API")?;
        match response.status().as_u16() {
            200 => Ok(Some(response.json().await?)),
            404 => Ok(None),
            status => bail!(
                "the operator API answered {status}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
}

/// A customer message as Meta's webhook carries it.
pub fn inbound_message(
    said: &super::format::Said,
    contact: &str,
    wamid: &str,
    at: jiff::Timestamp,
) -> Value {
    use super::format::Said;
    let mut message = json!({
        "from": contact,
        "id": wamid,
        "timestamp": at.as_second().to_string(),
    });
    match said {
        Said::Text(text) => {
            message["type"] = json!("text");
            message["text"] = json!({ "body": text });
        }
        Said::Button { id, title } => {
            message["type"] = json!("interactive");
            message["interactive"] =
                json!({ "type": "button_reply", "button_reply": { "id": id, "title": title } });
        }
        Said::ListRow { id, title } => {
            message["type"] = json!("interactive");
            message["interactive"] =
                json!({ "type": "list_reply", "list_reply": { "id": id, "title": title } });
        }
    }
    message
}
