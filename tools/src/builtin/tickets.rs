//! `create_ticket` and `get_ticket`: support tickets of the calling customer.

use super::{customer, optional_text, required_text};
use crate::clock::Clock;
use crate::store::{NewTicket, Store, Ticket, TicketId, TicketPriority, TicketStatus};
use crate::tool::{Caller, Scope, Tool, ToolAnnotations, ToolContext, ToolError};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Opens a ticket for the calling customer.
#[derive(Debug, Clone)]
pub struct CreateTicket {
    store: Store,
    clock: Clock,
}

impl CreateTicket {
    /// The tool writing to `store`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Self { store, clock }
    }
}

/// Arguments of `create_ticket`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketArgs {
    /// One line saying what it is about, e.g. "Order 10234 arrived with a bent wheel".
    pub subject: String,
    /// Everything the team needs to act without asking again: what happened, what the customer wants.
    pub description: String,
    /// How urgent it is: "low", "normal" (default), "high" (the customer is blocked) or "urgent" (safety, money lost, deadline today).
    #[serde(default)]
    pub priority: TicketPriority,
    /// The order number it is about, if any.
    #[serde(default)]
    pub order_reference: Option<String>,
}

/// The ticket `create_ticket` opened.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketCreated {
    /// Its id, to give to the customer (e.g. "T-000123").
    pub ticket_id: String,
    /// Where it stands.
    pub status: TicketStatus,
    /// How urgent.
    pub priority: TicketPriority,
    /// Its subject.
    pub subject: String,
}

/// Reads a ticket.
#[derive(Debug, Clone)]
pub struct GetTicket {
    store: Store,
}

impl GetTicket {
    /// The tool reading from `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// Arguments of `get_ticket`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTicketArgs {
    /// The ticket's id as given to the customer, e.g. "T-000123".
    pub ticket_id: String,
}

/// A ticket as `get_ticket` shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketView {
    /// Its id.
    pub ticket_id: String,
    /// Where it stands.
    pub status: TicketStatus,
    /// How urgent.
    pub priority: TicketPriority,
    /// Its subject.
    pub subject: String,
    /// Its description.
    pub description: String,
    /// The order it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_reference: Option<String>,
    /// When it was opened (RFC 3339, UTC).
    pub created_at: String,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: String,
}

impl From<Ticket> for TicketView {
    fn from(ticket: Ticket) -> Self {
        TicketView {
            ticket_id: ticket.id.to_string(),
            status: ticket.status,
            priority: ticket.priority,
            subject: ticket.subject,
            description: ticket.description,
            order_reference: ticket.order_reference,
            created_at: ticket.created_at.to_string(),
            updated_at: ticket.updated_at.to_string(),
        }
    }
}

#[async_trait]
impl Tool for CreateTicket {
    const NAME: &'static str = "create_ticket";
    type Args = CreateTicketArgs;
    type Output = TicketCreated;

    fn title(&self) -> &'static str {
        "Open a support ticket"
    }

    fn description(&self) -> &'static str {
        "Opens a support ticket for the current customer so the team follows up (a damaged or missing \
         order, a warranty claim, a refund, anything that needs a person to act later). Returns the \
         ticket id to give to the customer. Do not open a ticket for questions you can answer."
    }

    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::CREATES
    }

    fn scope(&self) -> Scope {
        Scope::Write
    }

    fn acts_for_customer(&self) -> bool {
        true
    }

    async fn call(
        &self,
        ctx: &ToolContext,
        args: CreateTicketArgs,
    ) -> Result<TicketCreated, ToolError> {
        let contact_id = customer(ctx)?;
        let ticket = NewTicket {
            contact_id: contact_id.to_string(),
            conversation_id: ctx.conversation_id.clone(),
            subject: required_text("subject", &args.subject, 200)?,
            description: required_text("description", &args.description, 4000)?,
            priority: args.priority,
            order_reference: optional_text(
                "order_reference",
                args.order_reference.as_deref(),
                100,
            )?,
        };
        let ticket = self
            .store
            .create_ticket(&ticket, self.clock.now())
            .await
            .map_err(ToolError::unavailable)?;
        tracing::info!(ticket = %ticket.id, priority = ticket.priority.as_str(), "ticket opened");
        Ok(TicketCreated {
            ticket_id: ticket.id.to_string(),
            status: ticket.status,
            priority: ticket.priority,
            subject: ticket.subject,
        })
    }
}

#[async_trait]
impl Tool for GetTicket {
    const NAME: &'static str = "get_ticket";
    type Args = GetTicketArgs;
    type Output = TicketView;

    fn title(&self) -> &'static str {
        "Look up a ticket"
    }

    fn description(&self) -> &'static str {
        "Shows the status and details of one of the current customer's support tickets, by its id \
         (e.g. \"T-000123\")."
    }

    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::READ_ONLY
    }

    fn scope(&self) -> Scope {
        Scope::Read
    }

    fn acts_for_customer(&self) -> bool {
        true
    }

    async fn call(&self, ctx: &ToolContext, args: GetTicketArgs) -> Result<TicketView, ToolError> {
        // Operators may read every ticket; anyone else only their customer's.
        let owner = match &ctx.caller {
            Caller::Operator { .. } => None,
            _ => Some(customer(ctx)?),
        };
        let id: TicketId = args.ticket_id.parse().map_err(ToolError::invalid)?;
        let not_found =
            || ToolError::not_found(format!("there is no ticket {id} for this customer"));
        let ticket = self
            .store
            .ticket(id)
            .await
            .map_err(ToolError::unavailable)?
            .ok_or_else(not_found)?;
        if owner.is_some_and(|owner| owner != ticket.contact_id) {
            // Someone else's ticket reads exactly like a missing one.
            return Err(not_found());
        }
        Ok(ticket.into())
    }
}
