//! The [`Tool`] seam: a typed tool, and [`DynTool`], its object-safe mirror that parses
//! arguments and maps errors in one place.
//!
//! A tool is written once with typed arguments and output; the registry turns it into JSON
//! Schemas for LLM function calling, MCP and WebMCP alike.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Who is calling a tool. Tools decide what the caller may see and change from this, never
/// from model-supplied arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A customer, through the agent on WhatsApp or `charla chat`.
    Customer {
        /// The customer's contact id (their WhatsApp business-scoped id or phone number).
        contact_id: String,
    },
    /// A human operator of the business.
    Operator {
        /// The operator's id.
        id: String,
    },
    /// An external agent over MCP, or a browser agent over WebMCP.
    Agent {
        /// Who the token or session belongs to (for logs and rate limits).
        principal: String,
        /// The customer this caller acts for, if its credentials name one.
        acts_for: Option<String>,
    },
}

impl Caller {
    /// The customer whose data this caller may read and change, if any. Operators act for
    /// nobody in particular: tools that need a customer ask for one explicitly.
    pub fn customer(&self) -> Option<&str> {
        match self {
            Caller::Customer { contact_id } => Some(contact_id),
            Caller::Agent { acts_for, .. } => acts_for.as_deref(),
            Caller::Operator { .. } => None,
        }
    }

    /// Whether the caller is one of the business's operators.
    pub fn is_operator(&self) -> bool {
        matches!(self, Caller::Operator { .. })
    }
}

/// What a tool call runs within: who calls, in which conversation, until when.
#[derive(Debug, Clone)]
pub struct ToolContext {
    /// Who is calling.
    pub caller: Caller,
    /// The conversation the call belongs to, if any.
    pub conversation_id: Option<String>,
    /// When the call must be finished; the registry enforces it.
    pub deadline: Option<Instant>,
    /// Cancelled when the caller no longer wants the result.
    pub cancel: CancellationToken,
}

impl ToolContext {
    /// A context for `caller` with no conversation, no deadline and a fresh cancellation token.
    pub fn new(caller: Caller) -> Self {
        Self {
            caller,
            conversation_id: None,
            deadline: None,
            cancel: CancellationToken::new(),
        }
    }

    /// Sets the conversation.
    pub fn with_conversation(mut self, id: impl Into<String>) -> Self {
        self.conversation_id = Some(id.into());
        self
    }

    /// Sets a deadline `timeout` from now.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.deadline = Some(Instant::now() + timeout);
        self
    }
}

/// What a tool does to the world, as MCP annotates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    /// It changes nothing.
    pub read_only_hint: bool,
    /// It may remove or overwrite something (only meaningful when not read-only).
    pub destructive_hint: bool,
    /// Calling it twice with the same arguments has the same effect as once.
    pub idempotent_hint: bool,
    /// It reaches beyond the business's own data.
    pub open_world_hint: bool,
}

impl ToolAnnotations {
    /// A tool that only reads.
    pub const READ_ONLY: ToolAnnotations = ToolAnnotations {
        read_only_hint: true,
        destructive_hint: false,
        idempotent_hint: true,
        open_world_hint: false,
    };
    /// A tool that creates something new on each call.
    pub const CREATES: ToolAnnotations = ToolAnnotations {
        read_only_hint: false,
        destructive_hint: false,
        idempotent_hint: false,
        open_world_hint: false,
    };
    /// A tool that removes or cancels something.
    pub const DESTRUCTIVE: ToolAnnotations = ToolAnnotations {
        read_only_hint: false,
        destructive_hint: true,
        idempotent_hint: true,
        open_world_hint: false,
    };
}

/// What kind of access a tool needs; MCP tokens and WebMCP sessions are granted scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Searching and reading public knowledge.
    Read,
    /// Creating or changing tickets and bookings.
    Write,
    /// Handing a conversation to a person: only inside a conversation.
    Conversation,
}

/// Why a tool call failed. The message is safe to show to the model and the customer;
/// internals go to the log only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ToolError {
    /// What the caller can do about it.
    pub kind: ToolErrorKind,
    /// A message for the model (and so for the customer).
    pub message: String,
}

/// The kinds of [`ToolError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolErrorKind {
    /// The arguments do not fit the schema or make no sense; the model should correct them.
    InvalidArguments,
    /// No such thing (or none the caller may see: the two are indistinguishable on purpose).
    NotFound,
    /// The caller may not do this.
    NotAllowed,
    /// The request conflicts with the current state (a slot just taken, a ticket closed).
    Conflict,
    /// The call ran out of time.
    Timeout,
    /// The caller cancelled the call.
    Cancelled,
    /// No tool of that name.
    UnknownTool,
    /// Something on our side failed; retrying later may help.
    Unavailable,
    /// The caller made too many calls; the message says when to retry.
    RateLimited,
}

impl fmt::Display for ToolErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ToolErrorKind::InvalidArguments => "invalid arguments",
            ToolErrorKind::NotFound => "not found",
            ToolErrorKind::NotAllowed => "not allowed",
            ToolErrorKind::Conflict => "conflict",
            ToolErrorKind::Timeout => "timeout",
            ToolErrorKind::Cancelled => "cancelled",
            ToolErrorKind::UnknownTool => "unknown tool",
            ToolErrorKind::Unavailable => "unavailable",
            ToolErrorKind::RateLimited => "rate limited",
        };
        f.write_str(s)
    }
}

impl ToolError {
    /// An error of `kind` with a message for the model.
    pub fn new(kind: ToolErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Invalid arguments.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ToolErrorKind::InvalidArguments, message)
    }

    /// Not found (also used for things the caller may not see).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ToolErrorKind::NotFound, message)
    }

    /// Not allowed.
    pub fn not_allowed(message: impl Into<String>) -> Self {
        Self::new(ToolErrorKind::NotAllowed, message)
    }

    /// A conflict with the current state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ToolErrorKind::Conflict, message)
    }

    /// Our side failed. Log `internal` and show the model only that the service is unavailable.
    pub fn unavailable(internal: impl fmt::Display) -> Self {
        tracing::error!(error = %internal, "tool failed");
        Self::new(
            ToolErrorKind::Unavailable,
            "the service is temporarily unavailable; try again later",
        )
    }
}

/// A typed tool.
#[async_trait]
pub trait Tool: Send + Sync + 'static {
    /// The tool's name, as models and MCP clients call it (`snake_case`).
    const NAME: &'static str;
    /// Its arguments; the JSON Schema comes from here.
    type Args: DeserializeOwned + JsonSchema + Send;
    /// Its result; the output schema comes from here.
    type Output: Serialize + JsonSchema + Send;

    /// A short human title.
    fn title(&self) -> &'static str;
    /// What it does and when to use it, for the model.
    fn description(&self) -> &'static str;
    /// What it does to the world.
    fn annotations(&self) -> ToolAnnotations;
    /// The scope a caller needs.
    fn scope(&self) -> Scope;
    /// Whether it reads or changes one customer's own data (tickets, bookings), so that only a
    /// caller acting for a customer can use it. MCP and WebMCP leave such tools out for
    /// callers that act for nobody.
    fn acts_for_customer(&self) -> bool {
        false
    }

    /// Runs the tool.
    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError>;
}

/// Everything a client needs to know about a tool, without calling it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    /// The tool's name.
    pub name: String,
    /// A short human title.
    pub title: String,
    /// What it does and when to use it.
    pub description: String,
    /// JSON Schema of the arguments.
    pub input_schema: serde_json::Value,
    /// JSON Schema of the result.
    pub output_schema: serde_json::Value,
    /// What it does to the world.
    pub annotations: ToolAnnotations,
    /// The scope a caller needs.
    pub scope: Scope,
    /// Whether only a caller acting for a customer can use it.
    pub acts_for_customer: bool,
}

/// The object-safe mirror of [`Tool`], implemented for every tool.
#[async_trait]
pub trait DynTool: Send + Sync {
    /// The tool's description.
    fn spec(&self) -> ToolSpec;
    /// Parses `args`, runs the tool, serialises its output.
    async fn call_json(
        &self,
        ctx: &ToolContext,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, ToolError>;
}

#[async_trait]
impl<T: Tool> DynTool for T {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: T::NAME.to_string(),
            title: self.title().to_string(),
            description: self.description().to_string(),
            input_schema: crate::schema::input_schema::<T::Args>(),
            output_schema: crate::schema::output_schema::<T::Output>(),
            annotations: self.annotations(),
            scope: self.scope(),
            acts_for_customer: self.acts_for_customer(),
        }
    }

    async fn call_json(
        &self,
        ctx: &ToolContext,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, ToolError> {
        // Models often send `null` or nothing for a tool without required arguments.
        let args = if args.is_null() {
            serde_json::Value::Object(Default::default())
        } else {
            args
        };
        let args: T::Args = serde_json::from_value(args)
            .map_err(|e| ToolError::invalid(format!("arguments of {}: {e}", T::NAME)))?;
        let output = self.call(ctx, args).await?;
        serde_json::to_value(output).map_err(ToolError::unavailable)
    }
}
