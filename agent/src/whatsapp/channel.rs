//! [`WhatsAppChannel`]: the path of a WhatsApp message after the webhook committed it.
//!
//! - One worker per contact answers its messages in order, one turn at a time; messages that
//!   arrive within the debounce window of each other are answered as one turn.
//! - A turn's reply is queued in the outbox in the same transaction that marks its messages
//!   answered, so a crash leaves either both or neither: [`WhatsAppChannel::start`] picks up
//!   unanswered messages and unsent replies.
//! - One sender drains the outbox, applying the window and consent rules at send time, several
//!   contacts at once but each contact's messages in order and spaced out.

use super::outbox::{OutboxItem, OutboxMessage, OutboxState, SendCategory};
use super::rules::{self, KeywordRequest, SendDecision};
use super::store::{
    Accepted, ChannelStore, ChannelStoreError, Consent, ContactState, InboxMessage, OutboxRecord,
    StatusRecord,
};
use crate::operator::OperatorHub;
use crate::turn::{Agent, AgentError, Inbound, TurnOutcome};
use async_trait::async_trait;
use charla_prompts::Reply;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, mpsc};

/// The conversation channel name of WhatsApp conversations.
pub const CHANNEL: &str = "whatsapp";

/// How the channel paces itself.
#[derive(Debug, Clone)]
pub struct ChannelConfig {
    /// Messages of one contact arriving within this of each other make one turn.
    pub debounce: Duration,
    /// A contact's worker stops after this long without messages.
    pub idle_worker: Duration,
    /// Contacts sent to at once.
    pub send_concurrency: usize,
    /// The least time between two messages to one contact.
    pub per_recipient_gap: Duration,
    /// Turns running at once, all contacts together. Turns are mostly CPU work: more of them
    /// than cores only queue in the runtime, where they would delay the webhook's
    /// acknowledgements; waiting here, they wait behind them instead.
    pub concurrent_turns: usize,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        Self {
            debounce: Duration::from_millis(1500),
            idle_worker: Duration::from_secs(30),
            send_concurrency: 16,
            per_recipient_gap: Duration::from_millis(300),
            concurrent_turns: std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(2),
        }
    }
}

/// Why a send did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SendFailure {
    /// What to record on the message (Meta's code and title, or the transport error).
    pub reason: String,
}

/// Sends messages to WhatsApp: the Cloud API in production, a recorder in tests.
#[async_trait]
pub trait MessageSender: Send + Sync {
    /// Sends `message` to `contact` from `phone_number_id` (retrying what Meta says is
    /// transient) and returns Meta's message id.
    async fn send(
        &self,
        phone_number_id: &str,
        contact: &ContactState,
        message: &OutboxMessage,
        language: &str,
    ) -> Result<String, SendFailure>;

    /// Marks `wamid` read and shows the typing indicator while the agent works.
    async fn mark_read(&self, phone_number_id: &str, wamid: &str) -> Result<(), SendFailure>;
}

/// Errors of the channel.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// The channel's tables.
    #[error(transparent)]
    Store(#[from] ChannelStoreError),
    /// The agent.
    #[error(transparent)]
    Agent(#[from] AgentError),
}

/// The WhatsApp channel. Cheap to clone.
#[derive(Clone)]
pub struct WhatsAppChannel {
    inner: Arc<Inner>,
}

struct Inner {
    store: ChannelStore,
    agent: Agent,
    sender: Arc<dyn MessageSender>,
    config: ChannelConfig,
    workers: Mutex<HashMap<String, mpsc::UnboundedSender<()>>>,
    outbox_ready: Notify,
    turn_listeners: Mutex<Vec<mpsc::UnboundedSender<(String, TurnOutcome)>>>,
    operators: Mutex<Option<OperatorHub>>,
    /// Permits for [`ChannelConfig::concurrent_turns`].
    turns: Semaphore,
}

impl std::fmt::Debug for WhatsAppChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsAppChannel")
            .field("config", &self.inner.config)
            .finish()
    }
}

impl WhatsAppChannel {
    /// A channel answering with `agent`, storing in `store`, sending with `sender`.
    pub fn new(
        agent: Agent,
        store: ChannelStore,
        sender: Arc<dyn MessageSender>,
        config: ChannelConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                agent,
                sender,
                workers: Mutex::new(HashMap::new()),
                outbox_ready: Notify::new(),
                turn_listeners: Mutex::new(Vec::new()),
                operators: Mutex::new(None),
                turns: Semaphore::new(config.concurrent_turns.max(1)),
                config,
            }),
        }
    }

    /// The channel's store.
    pub fn store(&self) -> &ChannelStore {
        &self.inner.store
    }

    /// "Now", from the agent's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.inner.agent.parts().clock.now()
    }

    /// Tells operators about handoffs and about customers writing while with them.
    pub fn notify_operators(&self, hub: OperatorHub) {
        *lock(&self.inner.operators) = Some(hub);
    }

    /// Starts the sender and picks up what a previous process accepted but did not finish.
    pub async fn start(&self) -> Result<(), ChannelError> {
        let sender = self.clone();
        tokio::spawn(async move { sender.send_loop().await });
        for contact in self.inner.store.contacts_with_pending().await? {
            self.notify(&contact);
        }
        self.inner.outbox_ready.notify_one();
        Ok(())
    }

    /// Commits a webhook's messages and statuses, then wakes the workers of contacts with
    /// new messages. Returns once everything is durable: the webhook may answer 200.
    pub async fn accept(
        &self,
        messages: &[InboxMessage],
        statuses: &[StatusRecord],
    ) -> Result<Accepted, ChannelError> {
        let now = self.inner.agent.parts().clock.now();
        let accepted = self.inner.store.accept(messages, statuses, now).await?;
        for contact in &accepted.contacts_to_answer {
            self.notify(contact);
        }
        Ok(accepted)
    }

    /// Queues a message outside a turn (an operator's, a confirmation) and wakes the sender.
    pub async fn enqueue(&self, item: OutboxItem) -> Result<i64, ChannelError> {
        let id = self
            .inner
            .store
            .enqueue(&item, self.inner.agent.parts().clock.now())
            .await?;
        self.inner.outbox_ready.notify_one();
        Ok(id)
    }

    /// Every turn the channel runs from now on, as `(contact_key, outcome)` (for operators'
    /// notifications, and tests).
    pub fn subscribe_turns(&self) -> mpsc::UnboundedReceiver<(String, TurnOutcome)> {
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.inner.turn_listeners).push(tx);
        rx
    }

    /// Wakes (or starts) the worker of `contact`.
    fn notify(&self, contact: &str) {
        let mut workers = lock(&self.inner.workers);
        if let Some(tx) = workers.get(contact)
            && tx.send(()).is_ok()
        {
            return;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        // The first signal starts the debounce.
        let _ = tx.send(());
        workers.insert(contact.to_string(), tx);
        let channel = self.clone();
        let contact = contact.to_string();
        tokio::spawn(async move { channel.worker(contact, rx).await });
    }

    /// Answers `contact`'s messages, one turn at a time, until idle.
    async fn worker(self, contact: String, mut signals: mpsc::UnboundedReceiver<()>) {
        loop {
            let first = tokio::time::timeout(self.inner.config.idle_worker, signals.recv()).await;
            if !matches!(first, Ok(Some(()))) {
                // Idle: leave, unless a message slipped in meanwhile (then keep serving).
                let mut workers = lock(&self.inner.workers);
                if signals.try_recv().is_ok() {
                    drop(workers);
                } else {
                    workers.remove(&contact);
                    return;
                }
            }
            // Debounce: wait until the contact has been quiet for the window.
            while let Ok(Some(())) =
                tokio::time::timeout(self.inner.config.debounce, signals.recv()).await
            {}
            // Never closed, so acquiring only waits.
            let Ok(_permit) = self.inner.turns.acquire().await else {
                return;
            };
            if let Err(error) = self.answer(&contact).await {
                tracing::error!(%contact, %error, "turn failed; its messages stay pending for the next start");
            }
        }
    }

    /// One turn for everything `contact` sent that is not answered yet.
    async fn answer(&self, contact: &str) -> Result<(), ChannelError> {
        let pending = self.inner.store.pending(contact).await?;
        let Some(last) = pending.last() else {
            return Ok(());
        };
        if let Err(error) = self
            .inner
            .sender
            .mark_read(&last.phone_number_id, &last.wamid)
            .await
        {
            tracing::debug!(%error, "mark-as-read failed (not retried)");
        }
        let wamids: Vec<String> = pending.iter().map(|m| m.wamid.clone()).collect();
        let text = pending
            .iter()
            .filter_map(|m| m.text.as_deref())
            .collect::<Vec<_>>()
            .join("\n");
        let phone_number_id = last.phone_number_id.clone();
        let now = self.inner.agent.parts().clock.now();

        if let (1, Some(request)) = (pending.len(), rules::keyword_request(&text)) {
            let (consent, keyword_language, reply) = match request {
                KeywordRequest::OptOut(language) => {
                    (Consent::OptedOut, language, Reply::OptOutConfirmed)
                }
                KeywordRequest::OptIn(language) => {
                    (Consent::OptedIn, language, Reply::OptInConfirmed)
                }
            };
            let conversation_language = self
                .inner
                .agent
                .parts()
                .conversations
                .language_of(contact, CHANNEL)
                .await
                .map_err(AgentError::from)?;
            let language =
                rules::confirmation_language(keyword_language, conversation_language.as_deref());
            self.inner
                .store
                .set_consent(contact, consent, "keyword", Some(&text), now)
                .await?;
            let body = self
                .inner
                .agent
                .parts()
                .prompts
                .render_reply(language, &reply)
                .map_err(AgentError::from)?;
            let item = reply_item(
                contact,
                &phone_number_id,
                language,
                OutboxMessage::Text { body },
            );
            self.inner
                .store
                .complete_turn(&wamids, &[item], now)
                .await?;
            self.inner.outbox_ready.notify_one();
            return Ok(());
        }

        let outcome = self
            .inner
            .agent
            .handle(Inbound {
                contact_id: contact.to_string(),
                channel: CHANNEL.into(),
                text,
                customer_name: pending.iter().rev().find_map(|m| m.profile_name.clone()),
            })
            .await?;
        if let Some(hub) = lock(&self.inner.operators).as_ref() {
            hub.publish_turn(&outcome, &text_of(&pending), now);
        }
        let language = outcome.understanding.language.code.clone();
        let replies: Vec<OutboxItem> = outcome
            .reply
            .clone()
            .map(|body| {
                let message = if outcome.choices.is_empty() {
                    OutboxMessage::Text { body }
                } else {
                    OutboxMessage::Choices {
                        body,
                        choices: outcome.choices.clone(),
                    }
                };
                reply_item(contact, &phone_number_id, &language, message)
            })
            .into_iter()
            .collect();
        self.inner
            .store
            .complete_turn(&wamids, &replies, self.inner.agent.parts().clock.now())
            .await?;
        self.inner.outbox_ready.notify_one();
        lock(&self.inner.turn_listeners)
            .retain(|tx| tx.send((contact.to_string(), outcome.clone())).is_ok());
        Ok(())
    }

    /// Drains the outbox for as long as the process runs.
    async fn send_loop(self) {
        let mut last_sent: HashMap<String, tokio::time::Instant> = HashMap::new();
        loop {
            let open = match self.inner.store.open_outbox(256).await {
                Ok(open) => open,
                Err(error) => {
                    tracing::error!(%error, "cannot read the outbox; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if open.is_empty() {
                // A notification sent while we were reading is kept by Notify; a timeout
                // guards against anything else.
                let _ = tokio::time::timeout(
                    Duration::from_secs(5),
                    self.inner.outbox_ready.notified(),
                )
                .await;
                continue;
            }
            // Each contact's messages in order; contacts in parallel.
            let mut by_contact: Vec<(String, Vec<OutboxRecord>)> = Vec::new();
            for record in open {
                match by_contact
                    .iter_mut()
                    .find(|(c, _)| *c == record.item.contact_key)
                {
                    Some((_, records)) => records.push(record),
                    None => by_contact.push((record.item.contact_key.clone(), vec![record])),
                }
            }
            let mut batches = tokio::task::JoinSet::new();
            for (contact, records) in by_contact {
                while batches.len() >= self.inner.config.send_concurrency.max(1) {
                    if let Some(Ok((contact, at))) = batches.join_next().await {
                        last_sent.insert(contact, at);
                    }
                }
                let channel = self.clone();
                let previous = last_sent.get(&contact).copied();
                batches.spawn(async move {
                    let mut at = previous;
                    for record in records {
                        at = Some(channel.send_one(record, at).await);
                    }
                    (contact, at.unwrap_or_else(tokio::time::Instant::now))
                });
            }
            while let Some(done) = batches.join_next().await {
                if let Ok((contact, at)) = done {
                    last_sent.insert(contact, at);
                }
            }
            if last_sent.len() > 10_000 {
                last_sent.clear();
            }
        }
    }

    /// Sends one queued message (or records why not); returns when it was sent.
    async fn send_one(
        &self,
        record: OutboxRecord,
        previous: Option<tokio::time::Instant>,
    ) -> tokio::time::Instant {
        let store = &self.inner.store;
        let clock = &self.inner.agent.parts().clock;
        let result: Result<(), ChannelStoreError> = async {
            store.mark_sending(record.id, clock.now()).await?;
            let contact = store.contact(&record.item.contact_key).await?;
            let templates = self
                .inner
                .agent
                .parts()
                .business
                .as_ref()
                .map(|b| b.whatsapp.templates.clone())
                .unwrap_or_default();
            let decision = rules::decide(
                &record.item,
                contact.as_ref(),
                &templates,
                &record.item.language,
                clock.now().as_second(),
            );
            let (message, replaced) = match decision {
                SendDecision::Refuse(reason) => {
                    tracing::info!(id = record.id, %reason, "message not sent");
                    return store
                        .finish_send(
                            record.id,
                            OutboxState::Failed,
                            None,
                            None,
                            Some(&reason),
                            clock.now(),
                        )
                        .await;
                }
                SendDecision::Send { message, replaced } => (message, replaced),
            };
            let Some(contact) = contact else {
                return store
                    .finish_send(
                        record.id,
                        OutboxState::Failed,
                        None,
                        None,
                        Some("unknown_contact"),
                        clock.now(),
                    )
                    .await;
            };
            if let Some(previous) = previous {
                tokio::time::sleep_until(previous + self.inner.config.per_recipient_gap).await;
            }
            match self
                .inner
                .sender
                .send(
                    &record.item.phone_number_id,
                    &contact,
                    &message,
                    &record.item.language,
                )
                .await
            {
                Ok(wamid) => {
                    let sent_as = replaced
                        .as_ref()
                        .map(|_| serde_json::to_string(&message).unwrap_or_default());
                    store
                        .finish_send(
                            record.id,
                            OutboxState::Sent,
                            Some(&wamid),
                            sent_as.as_deref(),
                            replaced.as_deref(),
                            clock.now(),
                        )
                        .await
                }
                Err(failure) => {
                    tracing::warn!(id = record.id, reason = %failure.reason, "send failed");
                    store
                        .finish_send(
                            record.id,
                            OutboxState::Failed,
                            None,
                            None,
                            Some(&failure.reason),
                            clock.now(),
                        )
                        .await
                }
            }
        }
        .await;
        if let Err(error) = result {
            tracing::error!(id = record.id, %error, "outbox bookkeeping failed");
        }
        tokio::time::Instant::now()
    }
}

fn text_of(pending: &[InboxMessage]) -> String {
    pending
        .iter()
        .filter_map(|m| m.text.as_deref())
        .collect::<Vec<_>>()
        .join("\n")
}

fn reply_item(
    contact: &str,
    phone_number_id: &str,
    language: &str,
    message: OutboxMessage,
) -> OutboxItem {
    OutboxItem {
        contact_key: contact.to_string(),
        phone_number_id: phone_number_id.to_string(),
        message,
        category: SendCategory::Service,
        origin: "bot".into(),
        language: language.to_string(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves a usable map.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
