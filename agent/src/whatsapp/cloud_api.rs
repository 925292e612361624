//! The WhatsApp Cloud API client, outbound side: send a message (once, or with retries for
//! the errors worth retrying), mark a message read with the typing indicator, and download
//! a customer's media. Every send from one business number goes through a
//! [`ThroughputLimiter`], so charla never exceeds the number's throughput.
//!
//! Errors are sorted by what the caller does next ([`classify`]): try again later
//! ([`SendError::Retryable`]), give up and record why ([`SendError::Permanent`]), or the
//! network failed ([`SendError::Transport`]). The durable outbox builds on
//! [`CloudApiClient::send_with_retry`]: a message still failing after the last attempt
//! comes back as retryable, for the outbox to schedule later.

use crate::whatsapp::outbound::{OutboundError, Outgoing};
use crate::whatsapp::throughput::ThroughputLimiter;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Meta's Graph API with the version charla is written against.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com/v25.0";

/// Largest answer read from the API itself (not media); real ones are a few hundred bytes.
const MAX_API_ANSWER_BYTES: usize = 1024 * 1024;

/// How to reach the Cloud API and how hard to try.
#[derive(Clone)]
pub struct CloudApiConfig {
    /// Graph API base including the version, without a trailing slash.
    pub base_url: String,
    /// A system-user or app access token with `whatsapp_business_messaging`.
    pub access_token: String,
    /// Longest wait for one API call, connection included.
    pub timeout: Duration,
    /// Longest wait for one media download.
    pub media_timeout: Duration,
    /// Attempts of [`CloudApiClient::send_with_retry`], the first included.
    pub max_attempts: u32,
    /// Wait before the first retry; doubled on each further one (with jitter).
    pub backoff_base: Duration,
    /// Longest wait between two attempts; a `Retry-After` longer than this ends the
    /// retries, so the outbox reschedules rather than holding a worker.
    pub backoff_max: Duration,
    /// Sends per second per business phone number.
    pub messages_per_second: u32,
    /// Largest media download accepted (WhatsApp's documents go up to 100 MB).
    pub max_media_bytes: u64,
}

impl CloudApiConfig {
    /// Meta's defaults with `access_token`.
    pub fn new(access_token: impl Into<String>) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            access_token: access_token.into(),
            timeout: Duration::from_secs(20),
            media_timeout: Duration::from_secs(120),
            max_attempts: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            messages_per_second: 80,
            max_media_bytes: 100 * 1024 * 1024,
        }
    }
}

impl fmt::Debug for CloudApiConfig {
    // The token is a credential: never in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudApiConfig")
            .field("base_url", &self.base_url)
            .field("access_token", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("media_timeout", &self.media_timeout)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_max", &self.backoff_max)
            .field("messages_per_second", &self.messages_per_second)
            .field("max_media_bytes", &self.max_media_bytes)
            .finish()
    }
}

/// A [`CloudApiConfig`] the client cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudApiConfigError {
    /// The base URL is not http(s).
    #[error("WhatsApp API base URL {0:?} is not an http:// or https:// URL")]
    BaseUrl(String),
    /// The token is empty or cannot go in an HTTP header.
    #[error("WhatsApp access token is empty or contains characters an HTTP header cannot carry")]
    AccessToken,
    /// A setting that must be above zero is zero.
    #[error("WhatsApp API setting {0} must be above 0")]
    Zero(&'static str),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// What the caller should do about a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Try again after a wait: throughput, rate limits, Meta's transient failures.
    Retry,
    /// Trying again cannot help: record the reason and stop.
    Permanent,
}

/// Error codes Meta documents as temporary: 2 (service temporarily down or overloaded),
/// 4 (app call-rate limit), 80007 (business account rate limit), 130429 (throughput),
/// 131000 (unknown error, try again), 131016 (service unavailable), 131056 (too many
/// messages to the same user in a short time), 131057 (account in maintenance, e.g. a
/// throughput upgrade). Code 1 ("invalid request or possible server error") is left to the
/// HTTP status.
const RETRYABLE_CODES: [i64; 8] = [2, 4, 80_007, 130_429, 131_000, 131_016, 131_056, 131_057];

/// Codes for which a retry cannot help even if the HTTP status suggests it: authentication
/// and permissions (0, 3, 10, 190, 200-299), invalid parameters (100, 131008, 131009),
/// policy blocks (368, 131031), the recipient (131021, 131026, 131045, 131062), outside the
/// 24-hour window (131047), spam limits and Meta declining to deliver (131048, 131049),
/// unsupported or broken media (131051, 131052, 131053), templates (132000-132016).
fn is_permanent_code(code: i64) -> bool {
    matches!(
        code,
        0 | 3
            | 10
            | 100
            | 190
            | 200..=299
            | 368
            | 131_008
            | 131_009
            | 131_021
            | 131_026
            | 131_031
            | 131_042
            | 131_045
            | 131_047
            | 131_048
            | 131_049
            | 131_051
            | 131_052
            | 131_053
            | 131_062
            | 132_000..=132_016
    )
}

/// What to do about a failed Cloud API call. Meta's error code decides when it is known
/// (Meta answers most errors, throughput ones included, with HTTP 400); otherwise 429 and
/// 5xx are retried and everything else is permanent.
pub fn classify(http_status: u16, error_code: Option<i64>) -> ErrorClass {
    if let Some(code) = error_code {
        if RETRYABLE_CODES.contains(&code) {
            return ErrorClass::Retry;
        }
        if is_permanent_code(code) {
            return ErrorClass::Permanent;
        }
    }
    if http_status == 429 || (500..=599).contains(&http_status) {
        ErrorClass::Retry
    } else {
        ErrorClass::Permanent
    }
}

/// Why a Cloud API call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Meta asked to try again later.
    #[error("WhatsApp asked to try again later{}: {message}", code_suffix(.code))]
    Retryable {
        /// Meta's error code, when the answer had one.
        code: Option<i64>,
        /// Meta's details (or the HTTP status when the answer had none).
        message: String,
        /// The wait Meta asked for in `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Meta refused for a reason a retry cannot fix (outside the 24-hour window, recipient
    /// not on WhatsApp, template problem, bad token...).
    #[error("WhatsApp refused{}: {title}: {message}", code_suffix(.code))]
    Permanent {
        /// Meta's error code, when the answer had one.
        code: Option<i64>,
        /// Meta's short title of the error ("Re-engagement message").
        title: String,
        /// Meta's details: the likely cause and how to fix it.
        message: String,
    },
    /// No usable answer: connection refused or reset, timeout, unreadable body. The request
    /// may or may not have reached Meta.
    #[error("could not reach the WhatsApp Cloud API: {0}")]
    Transport(String),
    /// The message breaks WhatsApp's limits; nothing was sent.
    #[error("not sent: {0}")]
    Invalid(#[from] OutboundError),
}

impl SendError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. } | Self::Transport(_))
    }

    /// Meta's error code, when there was one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Self::Retryable { code, .. } | Self::Permanent { code, .. } => *code,
            Self::Transport(_) | Self::Invalid(_) => None,
        }
    }
}

fn code_suffix(code: &Option<i64>) -> String {
    code.map(|c| format!(" (code {c})")).unwrap_or_default()
}

/// A send that failed for good, or still failed after the last attempt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error} (after {attempts} attempt(s))")]
pub struct SendFailure {
    /// How many requests were made (0 when the message was invalid).
    pub attempts: u32,
    /// The last attempt's error.
    #[source]
    pub error: SendError,
}

/// A message Meta accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// Its WhatsApp message id; status webhooks refer to it.
    pub wamid: String,
}

/// A downloaded media file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its MIME type as Meta reports it (`image/jpeg`, `audio/ogg; codecs=opus`...).
    pub mime_type: String,
}

/// The Cloud API client. Cheap to clone; clones share the throughput limiter.
#[derive(Clone, Debug)]
pub struct CloudApiClient {
    http: reqwest::Client,
    config: Arc<CloudApiConfig>,
    limiter: Arc<ThroughputLimiter>,
}

impl CloudApiClient {
    /// A client for `config`, or why the configuration cannot work.
    pub fn new(config: CloudApiConfig) -> Result<Self, CloudApiConfigError> {
        let mut config = config;
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(CloudApiConfigError::BaseUrl(config.base_url));
        }
        let token = &config.access_token;
        // reqwest would refuse such a header on every request; better to say so at start.
        if token.is_empty() || !token.bytes().all(|b| (b'!'..=b'~').contains(&b)) {
            return Err(CloudApiConfigError::AccessToken);
        }
        for (name, zero) in [
            ("max_attempts", config.max_attempts == 0),
            ("messages_per_second", config.messages_per_second == 0),
            ("timeout", config.timeout.is_zero()),
            ("media_timeout", config.media_timeout.is_zero()),
        ] {
            if zero {
                return Err(CloudApiConfigError::Zero(name));
            }
        }
        // reqwest is built with rustls but no crypto provider, and panics when it builds a
        // client without one; ring is installed unless the binary already chose a provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| CloudApiConfigError::Client(with_sources(&e)))?;
        Ok(Self {
            http,
            limiter: Arc::new(ThroughputLimiter::new(config.messages_per_second)),
            config: Arc::new(config),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &CloudApiConfig {
        &self.config
    }

    /// Sends `outgoing` from business number `phone_number_id`: one attempt, after waiting
    /// for the number's next throughput slot.
    #[tracing::instrument(skip_all, fields(phone_number_id, kind = outgoing.message.kind()))]
    pub async fn send(
        &self,
        phone_number_id: &str,
        outgoing: &Outgoing,
    ) -> Result<SentMessage, SendError> {
        outgoing.validate()?;
        let url = self.messages_url(phone_number_id)?;
        self.limiter.acquire(phone_number_id).await;
        let answer = self
            .call(self.http.post(url).json(&outgoing.to_request_json()))
            .await?;
        answer["messages"][0]["id"]
            .as_str()
            .map(|wamid| SentMessage {
                wamid: wamid.to_string(),
            })
            .ok_or_else(|| unexpected_answer("no message id"))
    }

    /// [`send`](Self::send), retried while the error is retryable, up to `max_attempts`,
    /// waiting `Retry-After` when Meta gives one and an exponential backoff with jitter
    /// otherwise. Transport errors are retried too: a reply sent twice is better than none,
    /// and Meta offers no idempotency key to tell.
    pub async fn send_with_retry(
        &self,
        phone_number_id: &str,
        outgoing: &Outgoing,
    ) -> Result<SentMessage, SendFailure> {
        if let Err(invalid) = outgoing.validate() {
            return Err(SendFailure {
                attempts: 0,
                error: invalid.into(),
            });
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match self.send(phone_number_id, outgoing).await {
                Ok(sent) => return Ok(sent),
                Err(error) => error,
            };
            let Some(wait) = self.retry_wait(&error, attempts) else {
                tracing::warn!(
                    attempts,
                    code = error.code(),
                    "WhatsApp send failed: {error}"
                );
                return Err(SendFailure { attempts, error });
            };
            tracing::debug!(
                attempts,
                ?wait,
                code = error.code(),
                "WhatsApp send will be retried"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Marks the customer's message `wamid` read (blue ticks) and, with `typing_indicator`,
    /// shows "typing…" until charla answers or 25 seconds pass. Not counted against the
    /// throughput: it is not a message.
    #[tracing::instrument(skip_all, fields(phone_number_id))]
    pub async fn mark_read(
        &self,
        phone_number_id: &str,
        wamid: &str,
        typing_indicator: bool,
    ) -> Result<(), SendError> {
        if wamid.trim().is_empty() {
            return Err(OutboundError::Empty {
                field: "message id",
            }
            .into());
        }
        let mut body = json!({
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": wamid,
        });
        if typing_indicator {
            body["typing_indicator"] = json!({ "type": "text" });
        }
        let url = self.messages_url(phone_number_id)?;
        let answer = self.call(self.http.post(url).json(&body)).await?;
        if answer["success"] == json!(true) {
            Ok(())
        } else {
            Err(unexpected_answer("no success flag"))
        }
    }

    /// Downloads the media `media_id` from an inbound message: its URL and type from
    /// `GET /{media-id}`, then the file from that URL (which also needs the token).
    #[tracing::instrument(skip_all, fields(media_id))]
    pub async fn media(&self, media_id: &str) -> Result<Media, SendError> {
        check_path_id("media id", media_id)?;
        let url = format!("{}/{media_id}", self.config.base_url);
        let info = self.call(self.http.get(url)).await?;
        let download_url = info["url"]
            .as_str()
            .ok_or_else(|| unexpected_answer("no media URL"))?;
        let response = self
            .http
            .get(download_url)
            .bearer_auth(&self.config.access_token)
            .timeout(self.config.media_timeout)
            .send()
            .await
            .map_err(|e| SendError::Transport(with_sources(&e)))?;
        if !response.status().is_success() {
            return Err(error_from_answer(response).await);
        }
        let header_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = read_limited(response, self.config.max_media_bytes).await?;
        let mime_type = info["mime_type"]
            .as_str()
            .map(str::to_owned)
            .or(header_type)
            .unwrap_or_else(|| "application/octet-stream".to_string());
        Ok(Media { bytes, mime_type })
    }

    fn messages_url(&self, phone_number_id: &str) -> Result<String, SendError> {
        check_path_id("phone number id", phone_number_id)?;
        Ok(format!(
            "{}/{phone_number_id}/messages",
            self.config.base_url
        ))
    }

    /// One authenticated API call; its JSON answer, or the error it carried.
    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, SendError> {
        let response = request
            .bearer_auth(&self.config.access_token)
            .send()
            .await
            .map_err(|e| SendError::Transport(with_sources(&e)))?;
        if !response.status().is_success() {
            return Err(error_from_answer(response).await);
        }
        let bytes = read_limited(response, MAX_API_ANSWER_BYTES as u64).await?;
        serde_json::from_slice(&bytes).map_err(|e| unexpected_answer(&format!("not JSON ({e})")))
    }

    /// How long to wait before attempt `attempts + 1`, or `None` to stop.
    fn retry_wait(&self, error: &SendError, attempts: u32) -> Option<Duration> {
        if attempts >= self.config.max_attempts {
            return None;
        }
        match error {
            SendError::Retryable {
                retry_after: Some(after),
                ..
            } => (*after <= self.config.backoff_max).then_some(*after),
            SendError::Retryable { .. } | SendError::Transport(_) => Some(self.backoff(attempts)),
            SendError::Permanent { .. } | SendError::Invalid(_) => None,
        }
    }

    /// Exponential backoff after `failures` failed attempts, with "equal jitter": between
    /// half and all of the exponential wait, so retries from many workers spread out yet
    /// never come back at once.
    fn backoff(&self, failures: u32) -> Duration {
        let doubling = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
        let full = self
            .config
            .backoff_base
            .saturating_mul(doubling)
            .min(self.config.backoff_max);
        full / 2 + full.mul_f64(random_unit() / 2.0)
    }
}

/// Ids go into the URL path: only what Meta's ids are made of, so nothing can change the
/// path or the query.
fn check_path_id(field: &'static str, id: &str) -> Result<(), SendError> {
    if id.is_empty() {
        return Err(OutboundError::Empty { field }.into());
    }
    if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(SendError::Permanent {
            code: None,
            title: "invalid id".to_string(),
            message: format!("the {field} {id:?} has characters Meta's ids do not"),
        });
    }
    Ok(())
}

/// A 2xx answer that does not say what Meta's does. Not retried: the request may well have
/// been carried out.
fn unexpected_answer(what: &str) -> SendError {
    SendError::Permanent {
        code: None,
        title: "unexpected answer".to_string(),
        message: format!("the Cloud API answered with {what}"),
    }
}

/// Meta's error envelope: `{"error": {"message", "type", "code", "error_subcode",
/// "error_data": {"details"}, "fbtrace_id"}}`.
#[derive(Debug, Deserialize)]
struct GraphErrorEnvelope {
    error: GraphError,
}

#[derive(Debug, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_subcode: Option<i64>,
    #[serde(default)]
    error_data: Option<GraphErrorData>,
    #[serde(default)]
    fbtrace_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GraphErrorData {
    #[serde(default)]
    details: Option<String>,
}

/// The [`SendError`] a non-2xx answer stands for.
async fn error_from_answer(response: reqwest::Response) -> SendError {
    let status = response.status();
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header(reqwest::header::RETRY_AFTER)
        .and_then(|value| parse_retry_after(&value, SystemTime::now()));
    // The status alone still classifies the error if the body is lost or too large.
    let body = read_limited(response, MAX_API_ANSWER_BYTES as u64)
        .await
        .unwrap_or_default();
    error_from_parts(status, retry_after, &body)
}

fn error_from_parts(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> SendError {
    let graph = serde_json::from_slice::<GraphErrorEnvelope>(body)
        .ok()
        .map(|envelope| envelope.error);
    let code = graph.as_ref().and_then(|g| g.code);
    let reason = status.canonical_reason().unwrap_or("error");
    let (title, details) = match &graph {
        Some(graph) => {
            // Meta's message is "(#131047) Re-engagement message": the title after the code.
            let title = match graph.message.split_once(") ") {
                Some((prefix, title)) if prefix.starts_with("(#") => title.to_string(),
                _ => graph.message.clone(),
            };
            let details = graph
                .error_data
                .as_ref()
                .and_then(|data| data.details.clone())
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| graph.message.clone());
            (title, details)
        }
        None => (reason.to_string(), format!("HTTP {}", status.as_u16())),
    };
    if let Some(graph) = &graph {
        // The trace id is what Meta's support asks for; the details may quote the message,
        // so they stay out of the log.
        tracing::info!(
            status = status.as_u16(),
            code,
            subcode = graph.error_subcode,
            fbtrace_id = graph.fbtrace_id.as_deref(),
            "Cloud API error: {title}"
        );
    }
    match classify(status.as_u16(), code) {
        ErrorClass::Retry => SendError::Retryable {
            code,
            message: details,
            retry_after,
        },
        ErrorClass::Permanent => SendError::Permanent {
            code,
            title,
            message: details,
        },
    }
}

/// The body of `response`, refused past `limit` bytes so a bad answer cannot exhaust memory.
async fn read_limited(mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>, SendError> {
    let too_large = || SendError::Permanent {
        code: None,
        title: "too large".to_string(),
        message: format!("the answer is over {limit} bytes"),
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| SendError::Transport(with_sources(&e)))?
    {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// `Retry-After` as seconds (fractions accepted) or as an HTTP date.
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    // A date already past means "now".
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in `[0, 1)` for jitter. std's `RandomState` is seeded randomly per process and
/// varies per instance, which is all jitter needs; no extra crate.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// reqwest's own message is terse ("error sending request"); the cause is in the sources.
fn with_sources(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 2015-10-21 07:28:00 UTC
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("0.25", now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn error_without_metas_envelope_is_classified_by_status() {
        let error = error_from_parts(StatusCode::BAD_GATEWAY, None, b"<html>bad gateway</html>");
        assert!(
            matches!(error, SendError::Retryable { code: None, .. }),
            "{error:?}"
        );
        let error = error_from_parts(StatusCode::NOT_FOUND, None, b"");
        assert!(
            matches!(error, SendError::Permanent { code: None, .. }),
            "{error:?}"
        );
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_backoff() {
        let mut config = CloudApiConfig::new("token");
        config.backoff_base = Duration::from_millis(100);
        config.backoff_max = Duration::from_millis(1000);
        let client = CloudApiClient::new(config).expect("valid config");
        for _ in 0..50 {
            let first = client.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let capped = client.backoff(10);
            assert!((Duration::from_millis(500)..=Duration::from_millis(1000)).contains(&capped));
        }
    }
}
