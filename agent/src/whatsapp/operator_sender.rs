//! [`WhatsAppOperatorSender`]: how operators' messages reach WhatsApp customers: through the
//! same outbox as the bot's, after the 24-hour window is checked now (so the operator hears
//! at once that only a template can go), and again at send time.

use super::channel::WhatsAppChannel;
use super::outbox::{OutboxItem, OutboxMessage, SendCategory};
use super::rules;
use crate::conversation::Conversation;
use crate::operator::{CustomerSender, SendReceipt, SendRefusal};
use async_trait::async_trait;

/// Sends operators' messages and the bot's "I'm back" notice to WhatsApp customers.
#[derive(Debug, Clone)]
pub struct WhatsAppOperatorSender {
    channel: WhatsAppChannel,
    default_language: String,
}

impl WhatsAppOperatorSender {
    /// A sender queueing into `channel`'s outbox; `default_language` for conversations whose
    /// language is unknown.
    pub fn new(channel: WhatsAppChannel, default_language: impl Into<String>) -> Self {
        Self {
            channel,
            default_language: default_language.into(),
        }
    }

    async fn queue(
        &self,
        conversation: &Conversation,
        origin: String,
        body: &str,
    ) -> Result<SendReceipt, SendRefusal> {
        let unavailable = |e: &dyn std::fmt::Display| {
            SendRefusal::new(
                "unavailable",
                format!("the channel could not queue the message: {e}"),
            )
        };
        let contact = self
            .channel
            .store()
            .contact(&conversation.contact_id)
            .await
            .map_err(|e| unavailable(&e))?;
        let Some(contact) = contact else {
            return Err(SendRefusal::new(
                "unknown_contact",
                "this customer has never written on WhatsApp",
            ));
        };
        if !rules::window_open(Some(&contact), self.channel.now().as_second()) {
            return Err(SendRefusal::new(
                "window_closed",
                "the customer last wrote more than 24 hours ago: WhatsApp only allows an approved template now",
            ));
        }
        let item = OutboxItem {
            contact_key: contact.contact_key.clone(),
            phone_number_id: contact.phone_number_id.clone(),
            message: OutboxMessage::Text {
                body: body.to_string(),
            },
            category: SendCategory::Service,
            origin,
            language: conversation
                .language
                .clone()
                .unwrap_or_else(|| self.default_language.clone()),
        };
        let id = self
            .channel
            .enqueue(item)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(SendReceipt {
            id: Some(format!("outbox:{id}")),
        })
    }
}

#[async_trait]
impl CustomerSender for WhatsAppOperatorSender {
    async fn send_operator_message(
        &self,
        conversation: &Conversation,
        operator: &str,
        text: &str,
    ) -> Result<SendReceipt, SendRefusal> {
        self.queue(conversation, format!("operator:{operator}"), text)
            .await
    }

    async fn send_bot_back(
        &self,
        conversation: &Conversation,
        text: &str,
    ) -> Result<SendReceipt, SendRefusal> {
        self.queue(conversation, "system".into(), text).await
    }
}
