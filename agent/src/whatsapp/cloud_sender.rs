//! [`CloudSender`]: the channel's [`MessageSender`] over the Cloud API client: charla's
//! outbox messages become WhatsApp messages (long text split at WhatsApp's limit; choices as
//! reply buttons when they fit, else a list, else the text alone), sent with the client's
//! retries.

use super::channel::{MessageSender, SendFailure};
use super::cloud_api::CloudApiClient;
use super::outbound::{ListRow, ListSection, OutboundMessage, Outgoing, Recipient, ReplyButton};
use super::outbox::OutboxMessage;
use super::store::ContactState;
use crate::model::Choice;
use async_trait::async_trait;

/// Reply buttons hold at most this many options with titles this short.
const MAX_BUTTONS: usize = 3;
const BUTTON_TITLE_CHARS: usize = 20;
/// Lists hold at most this many rows; interactive bodies this many characters.
const MAX_LIST_ROWS: usize = 10;
const INTERACTIVE_BODY_CHARS: usize = 1024;

/// Sends through the WhatsApp Cloud API.
#[derive(Debug, Clone)]
pub struct CloudSender {
    client: CloudApiClient,
}

impl CloudSender {
    /// A sender over `client`.
    pub fn new(client: CloudApiClient) -> Self {
        Self { client }
    }
}

/// The WhatsApp messages an outbox message becomes, in sending order.
pub fn to_outgoing(
    contact: &ContactState,
    message: &OutboxMessage,
    language: &str,
) -> Result<Vec<Outgoing>, SendFailure> {
    let to = match (&contact.phone, &contact.user_id) {
        (Some(phone), _) => Recipient::Phone(phone.clone()),
        (None, Some(user_id)) => Recipient::UserId(user_id.clone()),
        (None, None) => {
            return Err(SendFailure {
                reason: "no_address: the contact has neither phone nor user id".into(),
            });
        }
    };
    let invalid = |e: super::outbound::OutboundError| SendFailure {
        reason: format!("invalid_message: {e}"),
    };
    match message {
        OutboxMessage::Text { body } => Ok(Outgoing::texts(to, body, None)),
        OutboxMessage::Template {
            name,
            language,
            parameters,
        } => Ok(vec![Outgoing::new(
            to,
            OutboundMessage::template(name, language, parameters.clone()).map_err(invalid)?,
        )]),
        OutboxMessage::Choices { body, choices } => {
            if body.chars().count() > INTERACTIVE_BODY_CHARS || choices.is_empty() {
                return Ok(Outgoing::texts(to, body, None));
            }
            let message = if fits_buttons(choices) {
                let buttons = choices
                    .iter()
                    .map(|c| ReplyButton::new(choice_id(c), c.title.clone()))
                    .collect();
                OutboundMessage::buttons(body.clone(), buttons)
            } else if choices.len() <= MAX_LIST_ROWS {
                let rows = choices
                    .iter()
                    .map(|c| {
                        let row = ListRow::new(choice_id(c), c.title.clone());
                        match &c.description {
                            Some(d) => row.with_description(d.clone()),
                            None => row,
                        }
                    })
                    .collect();
                OutboundMessage::list(
                    body.clone(),
                    list_button(language),
                    vec![ListSection::new(None, rows)],
                )
            } else {
                return Ok(Outgoing::texts(to, body, None));
            };
            // Options WhatsApp would refuse (duplicate titles...) still leave the text.
            match message {
                Ok(message) => Ok(vec![Outgoing::new(to, message)]),
                Err(_) => Ok(Outgoing::texts(to, body, None)),
            }
        }
    }
}

fn fits_buttons(choices: &[Choice]) -> bool {
    choices.len() <= MAX_BUTTONS
        && choices
            .iter()
            .all(|c| c.title.chars().count() <= BUTTON_TITLE_CHARS)
}

/// The id WhatsApp echoes when the option is picked (the title comes back too, and is what
/// the agent reads).
fn choice_id(choice: &Choice) -> String {
    format!(
        "choice:{}",
        choice.reply.chars().take(200).collect::<String>()
    )
}

fn list_button(language: &str) -> &'static str {
    match language {
        "es" => "Ver opciones",
        "it" => "Vedi opzioni",
        "pt" => "Ver opções",
        _ => "See options",
    }
}

#[async_trait]
impl MessageSender for CloudSender {
    async fn send(
        &self,
        phone_number_id: &str,
        contact: &ContactState,
        message: &OutboxMessage,
        language: &str,
    ) -> Result<String, SendFailure> {
        let mut last = None;
        for outgoing in to_outgoing(contact, message, language)? {
            let sent = self
                .client
                .send_with_retry(phone_number_id, &outgoing)
                .await
                .map_err(|failure| SendFailure {
                    reason: failure.to_string(),
                })?;
            last = Some(sent.wamid);
        }
        last.ok_or_else(|| SendFailure {
            reason: "empty_message".into(),
        })
    }

    async fn mark_read(&self, phone_number_id: &str, wamid: &str) -> Result<(), SendFailure> {
        self.client
            .mark_read(phone_number_id, wamid, true)
            .await
            .map_err(|e| SendFailure {
                reason: e.to_string(),
            })
    }
}
