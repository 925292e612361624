//! The tool outputs the offline model reads, as it needs them. The tools serialise richer
//! objects; these mirrors take only the fields used and ignore the rest, so a tool may grow
//! without breaking the offline model.

use serde::Deserialize;

/// `catalog_search`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CatalogOutput {
    /// Products, best first.
    #[serde(default)]
    pub items: Vec<CatalogItem>,
}

/// One product.
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogItem {
    /// Its name.
    pub name: String,
    /// Its price.
    #[serde(default)]
    pub price: Option<f64>,
    /// Its currency (ISO 4217).
    #[serde(default)]
    pub currency: Option<String>,
    /// Units in stock.
    #[serde(default)]
    pub stock: Option<i64>,
    /// Whether it can be bought now, when the catalog says without a count.
    #[serde(default)]
    pub in_stock: Option<bool>,
    /// Its page.
    #[serde(default)]
    pub url: Option<String>,
    /// The file it came from.
    #[serde(default)]
    pub source: String,
}

/// `knowledge_search`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct KnowledgeOutput {
    /// Passages, best first.
    #[serde(default)]
    pub passages: Vec<Passage>,
}

/// One FAQ answer or policy passage.
#[derive(Debug, Clone, Deserialize)]
pub struct Passage {
    /// The file it came from.
    pub source: String,
    /// Its question or heading.
    #[serde(default)]
    pub title: String,
    /// Its text.
    pub text: String,
    /// `faq` or `policy`.
    #[serde(default)]
    pub kind: String,
    /// The language it is written in (ISO 639-1), or "und" when unknown.
    #[serde(default)]
    pub locale: String,
}

/// `check_availability`.
#[derive(Debug, Clone, Deserialize)]
pub struct AvailabilityOutput {
    /// The service.
    pub service: ServiceRef,
    /// Free slots, earliest first.
    #[serde(default)]
    pub slots: Vec<FreeSlot>,
}

/// A service as the tools name it.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceRef {
    /// Its id.
    pub id: String,
}

/// One free slot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FreeSlot {
    /// RFC 3339 start with the location's offset.
    pub start: String,
    /// The location's id.
    pub location: String,
}

impl FreeSlot {
    /// `YYYY-MM-DD` of the start.
    pub fn date(&self) -> &str {
        self.start.get(..10).unwrap_or_default()
    }

    /// `HH:MM` of the start.
    pub fn time(&self) -> &str {
        self.start.get(11..16).unwrap_or_default()
    }

    /// Whether the slot starts at or before `now` (a slot offered in an earlier turn may
    /// have passed since). A start that does not parse counts as passed: it cannot be booked.
    pub fn has_started(&self, now: jiff::Timestamp) -> bool {
        self.start
            .parse::<jiff::Timestamp>()
            .map_or(true, |start| start <= now)
    }
}

/// `list_bookings`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BookingListOutput {
    /// The customer's bookings.
    #[serde(default)]
    pub bookings: Vec<BookingView>,
}

/// A booking, as `list_bookings` lists it and `book_appointment` and `cancel_booking` return
/// it (with a few more fields beside it).
#[derive(Debug, Clone, Deserialize)]
pub struct BookingView {
    /// Its reference.
    pub booking_id: String,
    /// `confirmed` or `cancelled`.
    #[serde(default)]
    pub status: String,
    /// The service.
    pub service: ServiceRef,
    /// The location's name.
    #[serde(default)]
    pub location_name: String,
    /// Its address.
    #[serde(default)]
    pub address: String,
    /// RFC 3339 start.
    pub start: String,
}

/// `create_ticket` and `get_ticket`.
#[derive(Debug, Clone, Deserialize)]
pub struct TicketOutput {
    /// Its reference.
    pub ticket_id: String,
    /// `open`, `pending`, `resolved`, `closed`.
    #[serde(default)]
    pub status: String,
}

/// Parses a tool message's JSON into `T`; `None` for errors and other shapes.
pub fn parse<T: serde::de::DeserializeOwned>(content: &str) -> Option<T> {
    serde_json::from_str(content).ok()
}

/// The error a tool message reports, if it is one: `(kind, message)`.
pub fn tool_error(content: &str) -> Option<(String, String)> {
    let value: serde_json::Value = serde_json::from_str(content).ok()?;
    let error = value.get("error")?;
    let kind = error.get("kind")?.as_str()?.to_string();
    let message = error
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or_default()
        .to_string();
    Some((kind, message))
}
