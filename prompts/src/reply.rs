//! The offline model's replies: one variant per kind of message, each with a typed payload,
//! rendered from `templates/replies/<language>/<kind>.jinja`.
//!
//! Payload conventions, so every template can format values for its own language:
//! prices are [`Price`] values (amount + currency), dates are ISO `YYYY-MM-DD` strings and
//! times `HH:MM` (24-hour, local to the business). Everything else (names, ids, URLs) is shown
//! as given.

use crate::format::Price;
use serde::{Deserialize, Serialize};

/// A reply the offline model sends, with what it needs to say.
///
/// Rendered with [`Prompts::render_reply`](crate::Prompts::render_reply). The template context
/// is the payload's fields plus `language` (the code of the language rendered) and `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    /// The first message of a conversation, or a reply to "hi".
    Greeting {
        /// The business's name.
        business_name: String,
        /// The customer's first name, when known (their WhatsApp profile name).
        customer_name: Option<String>,
    },
    /// Products found in the catalog. An empty `items` list reads as [`Reply::NoProductResults`].
    ProductResults {
        /// What the customer looked for, in their words (may be empty).
        query: String,
        /// The products, best match first.
        items: Vec<ProductItem>,
    },
    /// A catalog search found nothing.
    NoProductResults {
        /// What the customer looked for, in their words (may be empty).
        query: String,
    },
    /// An answer quoted from an FAQ or a policy: "Here's what our {source} says: ...".
    SourceAnswer {
        /// The source's human-readable name, such as "returns policy".
        source: String,
        /// The passage that answers the question, as retrieved.
        text: String,
        /// The language the passage is written in (ISO 639-1), when it is not the reply's:
        /// the reply then says, in the customer's language, that the text is quoted as
        /// published and offers to explain it.
        #[serde(default)]
        original_language: Option<String>,
    },
    /// No source answers the question: say so and offer a person.
    DontKnow,
    /// A support ticket was opened.
    TicketCreated {
        /// The ticket's id, as the ticket tool returned it.
        ticket_id: String,
    },
    /// Where a ticket stands.
    TicketStatus {
        /// The ticket's id.
        ticket_id: String,
        /// Its state.
        status: TicketState,
        /// The team's latest note for the customer, if any.
        note: Option<String>,
    },
    /// Free slots for a service; the customer picks one by its number. An empty `slots` list
    /// says there is nothing free and offers another day.
    AvailabilityOffer {
        /// The service's name in the customer's language.
        service: String,
        /// The location's name, when the business has several.
        location: Option<String>,
        /// The free slots, earliest first.
        slots: Vec<Slot>,
    },
    /// A booking or ticket needs one more piece of information.
    AskMissingInfo {
        /// What is missing.
        missing: MissingInfo,
        /// The choices to offer, if the answer is one of a few (service names, locations...).
        options: Vec<String>,
    },
    /// A booking was made.
    BookingConfirmed {
        /// The booking.
        booking: BookingDetails,
        /// How many hours ahead a booking must be cancelled or moved, if the business says.
        cancellation_notice_hours: Option<u32>,
    },
    /// A booking was cancelled.
    BookingCancelled {
        /// The booking that no longer stands.
        booking: BookingDetails,
        /// What the business's rules charge for cancelling this late (less than
        /// `cancellation_notice_hours` before the start), when they charge anything: the
        /// reply says so.
        #[serde(default)]
        late_fee: Option<Price>,
        /// The notice the rules ask for, in hours; said with `late_fee`.
        #[serde(default)]
        cancellation_notice_hours: Option<u32>,
    },
    /// A booking could not be made; offer `alternatives` if there are any.
    BookingFailed {
        /// The service's name in the customer's language.
        service: String,
        /// Why it failed.
        reason: BookingFailure,
        /// Free slots to offer instead, earliest first.
        alternatives: Vec<Slot>,
    },
    /// The conversation was handed to a person.
    HandoffAnnouncement {
        /// Whether someone from the team is working now.
        team: TeamAvailability,
    },
    /// The operator handed the conversation back to the bot.
    BotBack,
    /// The customer stopped marketing messages.
    OptOutConfirmed,
    /// The customer agreed to receive marketing messages.
    OptInConfirmed,
    /// The customer said thanks or goodbye.
    Goodbye,
    /// The question is not about the business.
    OutOfScope {
        /// The business's name.
        business_name: String,
    },
    /// Something failed on charla's side; ask the customer to try again.
    GenericError,
}

/// One product in [`Reply::ProductResults`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductItem {
    /// The product's name.
    pub name: String,
    /// Its price, if the catalog has one.
    pub price: Option<Price>,
    /// Units in stock, if the catalog tracks stock (0 reads as "out of stock").
    pub stock: Option<u32>,
    /// The product page.
    pub url: Option<String>,
}

/// A bookable time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// The start time, `HH:MM`.
    pub time: String,
}

/// A booking as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingDetails {
    /// The booking's reference, as the booking tool returned it.
    pub booking_id: String,
    /// The service's name in the customer's language.
    pub service: String,
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// The start time, `HH:MM`.
    pub time: String,
    /// The location's name.
    pub location: String,
    /// The location's street address, when it helps the customer find it.
    pub address: Option<String>,
}

/// Where a support ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Opened, not yet picked up.
    Open,
    /// Someone is working on it.
    InProgress,
    /// The team is waiting for the customer.
    WaitingOnCustomer,
    /// Solved.
    Resolved,
    /// Closed without further action.
    Closed,
}

/// The piece of information [`Reply::AskMissingInfo`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingInfo {
    /// Which service to book.
    Service,
    /// Which shop or location.
    Location,
    /// Which day.
    Date,
    /// What time.
    Time,
    /// The customer's name.
    Name,
    /// An email address.
    Email,
    /// An order number.
    OrderNumber,
    /// Which of the customer's bookings (the options list them).
    BookingReference,
    /// A short description of the problem.
    Description,
}

/// Why a booking failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingFailure {
    /// Someone else took the slot first.
    SlotTaken,
    /// The time is not bookable (closed, outside workshop hours, too far ahead, in the past).
    Unavailable,
}

/// Whether a person can pick up a handed-off conversation now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamAvailability {
    /// Within the team's hours: someone takes over shortly.
    Online,
    /// Outside them: the team answers when it is back.
    Offline,
}

/// Declares the reply kinds once: the [`ReplyKind`] enum, its list, its template stems, and
/// the embedded templates of every built-in language, so none of them can drift apart.
macro_rules! reply_kinds {
    ($($kind:ident => $stem:literal),* $(,)?) => {
        /// The kind of a [`Reply`], without its payload.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ReplyKind {
            $(
                #[doc = concat!("See [`Reply::", stringify!($kind), "`].")]
                $kind,
            )*
        }

        impl ReplyKind {
            /// Every reply kind.
            pub const ALL: &'static [ReplyKind] = &[$(ReplyKind::$kind),*];

            /// The kind's `snake_case` name: its template's file stem and the `kind` in the
            /// template context.
            pub fn name(self) -> &'static str {
                match self {
                    $(ReplyKind::$kind => $stem,)*
                }
            }
        }

        impl Reply {
            /// This reply's kind.
            pub fn kind(&self) -> ReplyKind {
                match self {
                    $(Reply::$kind { .. } => ReplyKind::$kind,)*
                }
            }
        }

        /// The built-in reply templates: `(name, source)`.
        pub(crate) const EMBEDDED_REPLIES: &[(&str, &str)] = &[
            $(
                embedded_reply!("en", $stem),
                embedded_reply!("es", $stem),
                embedded_reply!("it", $stem),
                embedded_reply!("pt", $stem),
            )*
        ];
    };
}

macro_rules! embedded_reply {
    ($language:literal, $stem:literal) => {
        (
            concat!("replies/", $language, "/", $stem, ".jinja"),
            include_str!(concat!(
                "../templates/replies/",
                $language,
                "/",
                $stem,
                ".jinja"
            )),
        )
    };
}

reply_kinds! {
    Greeting => "greeting",
    ProductResults => "product_results",
    NoProductResults => "no_product_results",
    SourceAnswer => "source_answer",
    DontKnow => "dont_know",
    TicketCreated => "ticket_created",
    TicketStatus => "ticket_status",
    AvailabilityOffer => "availability_offer",
    AskMissingInfo => "ask_missing_info",
    BookingConfirmed => "booking_confirmed",
    BookingCancelled => "booking_cancelled",
    BookingFailed => "booking_failed",
    HandoffAnnouncement => "handoff_announcement",
    BotBack => "bot_back",
    OptOutConfirmed => "opt_out_confirmed",
    OptInConfirmed => "opt_in_confirmed",
    Goodbye => "goodbye",
    OutOfScope => "out_of_scope",
    GenericError => "generic_error",
}

/// The template that renders `kind` in the language with code `language`.
pub(crate) fn reply_template_name(language: &str, kind: ReplyKind) -> String {
    format!("replies/{language}/{}.jinja", kind.name())
}
