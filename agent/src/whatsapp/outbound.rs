//! What charla can send through the WhatsApp Cloud API (text, reply buttons, lists,
//! templates), checked against WhatsApp's limits before it leaves, and the exact
//! `POST /{phone-number-id}/messages` body for each.
//!
//! Display strings that only label a choice (button titles, row titles and descriptions, the
//! list button, section titles) are shortened with "…" by the constructors: a shorter label
//! still works. Anything whose loss would change the meaning (a body, an id, a template
//! parameter) is refused with an [`OutboundError`] instead. Long text is split with
//! [`split_text`] before it becomes messages ([`Outgoing::texts`]).

use serde_json::{Map, Value, json};
use std::collections::HashSet;
use unicode_segmentation::UnicodeSegmentation;

/// Longest text message body, in characters.
pub const TEXT_MAX_CHARS: usize = 4096;
/// Longest body of an interactive (buttons or list) message, in characters.
pub const INTERACTIVE_BODY_MAX_CHARS: usize = 1024;
/// Most reply buttons on one message.
pub const MAX_BUTTONS: usize = 3;
/// Longest reply button title, in characters.
pub const BUTTON_TITLE_MAX_CHARS: usize = 20;
/// Longest reply button id, in characters.
pub const BUTTON_ID_MAX_CHARS: usize = 256;
/// Most rows in a list message, over all its sections.
pub const MAX_LIST_ROWS: usize = 10;
/// Most sections in a list message.
pub const MAX_LIST_SECTIONS: usize = 10;
/// Longest label of the button that opens a list, in characters.
pub const LIST_BUTTON_MAX_CHARS: usize = 20;
/// Longest list section title, in characters.
pub const SECTION_TITLE_MAX_CHARS: usize = 24;
/// Longest list row title, in characters.
pub const ROW_TITLE_MAX_CHARS: usize = 24;
/// Longest list row description, in characters.
pub const ROW_DESCRIPTION_MAX_CHARS: usize = 72;
/// Longest list row id, in characters.
pub const ROW_ID_MAX_CHARS: usize = 200;

/// Why a message cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// A required text is empty (or only whitespace).
    #[error("the {field} is empty")]
    Empty {
        /// Which text.
        field: &'static str,
    },
    /// A text is longer than WhatsApp accepts and may not be shortened.
    #[error("the {field} has {chars} characters; WhatsApp accepts at most {limit}")]
    TooLong {
        /// Which text.
        field: &'static str,
        /// Its length in characters.
        chars: usize,
        /// WhatsApp's limit.
        limit: usize,
    },
    /// Too few or too many buttons, rows or sections.
    #[error("{count} {what}; WhatsApp accepts {min} to {max}")]
    Count {
        /// What was counted.
        what: &'static str,
        /// How many there were.
        count: usize,
        /// Fewest allowed.
        min: usize,
        /// Most allowed.
        max: usize,
    },
    /// Two buttons or rows share an id, or two buttons a title.
    #[error("two {what} are both {value:?}; WhatsApp needs them distinct")]
    Duplicate {
        /// Which kind of value.
        what: &'static str,
        /// The shared value.
        value: String,
    },
    /// A list with several sections has one without a title.
    #[error("a list with several sections needs a title on each")]
    MissingSectionTitle,
    /// A template parameter has a line break, a tab or more than four spaces in a row.
    #[error("template parameter {position} has a line break, a tab or more than 4 spaces in a row")]
    TemplateParameter {
        /// Its position, from 1 as in `{{1}}`.
        position: usize,
    },
    /// The recipient is not a usable phone number or user id.
    #[error("{0:?} is not a WhatsApp phone number (digits, optionally after +) or user id")]
    Recipient(String),
}

/// Who a message goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// A phone number as WhatsApp gives it (`wa_id`, digits with the country code), sent in
    /// the request's `to` field.
    Phone(String),
    /// A business-scoped user id (BSUID, e.g. `US.13491208655302741918`), for contacts who
    /// adopted a username and whose number the business may not have. Since the 2026
    /// username rollout the Messages API takes it in a separate `recipient` field (`to` stays
    /// for phone numbers and wins when both are given); Meta adds error 131062 for message
    /// kinds that cannot go to a BSUID (authentication templates).
    UserId(String),
}

impl Recipient {
    /// The recipient unchanged, or why WhatsApp would refuse it.
    pub fn validate(&self) -> Result<(), OutboundError> {
        let valid = match self {
            Self::Phone(number) => {
                let digits = number.strip_prefix('+').unwrap_or(number);
                (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
            }
            // BSUIDs are a country code, a dot and up to 128 letters and digits; only the
            // shape that could break the request is checked, so a future format still goes.
            Self::UserId(id) => {
                !id.is_empty() && id.len() <= 160 && !id.chars().any(char::is_whitespace)
            }
        };
        if valid {
            Ok(())
        } else {
            let (Self::Phone(value) | Self::UserId(value)) = self;
            Err(OutboundError::Recipient(value.clone()))
        }
    }
}

/// A reply button: the customer taps it and charla receives its `id` back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyButton {
    /// Returned in the `button_reply` when tapped (≤256 characters).
    pub id: String,
    /// Shown on the button (≤20 characters).
    pub title: String,
}

impl ReplyButton {
    /// A button; a long title is shortened when the message is built.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
        }
    }
}

/// A group of rows in a list message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSection {
    /// Shown above the rows (≤24 characters); required when the list has several sections.
    pub title: Option<String>,
    /// The rows.
    pub rows: Vec<ListRow>,
}

impl ListSection {
    /// A section.
    pub fn new(title: Option<String>, rows: Vec<ListRow>) -> Self {
        Self { title, rows }
    }
}

/// One choice in a list message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    /// Returned in the `list_reply` when picked (≤200 characters).
    pub id: String,
    /// Shown as the row (≤24 characters).
    pub title: String,
    /// Shown under the title (≤72 characters).
    pub description: Option<String>,
}

impl ListRow {
    /// A row without a description.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            description: None,
        }
    }

    /// The row with a description under its title.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A message WhatsApp can deliver. Build it with the constructors, which shorten labels and
/// check limits; a value built by hand is checked by [`OutboundMessage::validate`] at send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundMessage {
    /// Free-form text (only inside the 24-hour customer service window).
    Text {
        /// The text (≤4096 characters).
        body: String,
        /// Whether WhatsApp shows a preview of the first link.
        preview_url: bool,
    },
    /// Text with up to three reply buttons.
    Buttons {
        /// The text (≤1024 characters).
        body: String,
        /// 1 to 3 buttons.
        buttons: Vec<ReplyButton>,
    },
    /// Text with a button that opens a list of up to ten rows.
    List {
        /// The text (≤1024 characters).
        body: String,
        /// The label of the button that opens the list (≤20 characters).
        button: String,
        /// 1 to 10 sections, 1 to 10 rows in all.
        sections: Vec<ListSection>,
    },
    /// An approved template, the only kind allowed outside the 24-hour window.
    Template {
        /// The template's name as approved.
        name: String,
        /// Its language code as approved (`en_US`, `es`...).
        language: String,
        /// Values for `{{1}}`, `{{2}}`... in the body, in order.
        body_parameters: Vec<String>,
    },
}

impl OutboundMessage {
    /// A text message without link preview. Longer than 4096 characters is refused: split
    /// it first ([`split_text`], [`Outgoing::texts`]).
    pub fn text(body: impl Into<String>) -> Result<Self, OutboundError> {
        let message = Self::Text {
            body: body.into(),
            preview_url: false,
        };
        message.validate()?;
        Ok(message)
    }

    /// Reply buttons; titles over 20 characters are shortened with "…", and buttons whose
    /// titles or ids are then the same are refused.
    pub fn buttons(
        body: impl Into<String>,
        buttons: Vec<ReplyButton>,
    ) -> Result<Self, OutboundError> {
        let buttons = buttons
            .into_iter()
            .map(|b| ReplyButton {
                title: shorten(b.title.trim(), BUTTON_TITLE_MAX_CHARS),
                id: b.id,
            })
            .collect();
        let message = Self::Buttons {
            body: body.into(),
            buttons,
        };
        message.validate()?;
        Ok(message)
    }

    /// A list; the button label, section titles, row titles and descriptions are shortened
    /// with "…" to WhatsApp's limits, everything else is checked.
    pub fn list(
        body: impl Into<String>,
        button: impl Into<String>,
        sections: Vec<ListSection>,
    ) -> Result<Self, OutboundError> {
        let sections = sections
            .into_iter()
            .map(|section| ListSection {
                title: section
                    .title
                    .map(|t| shorten(t.trim(), SECTION_TITLE_MAX_CHARS)),
                rows: section
                    .rows
                    .into_iter()
                    .map(|row| ListRow {
                        title: shorten(row.title.trim(), ROW_TITLE_MAX_CHARS),
                        description: row
                            .description
                            .map(|d| shorten(d.trim(), ROW_DESCRIPTION_MAX_CHARS)),
                        id: row.id,
                    })
                    .collect(),
            })
            .collect();
        let message = Self::List {
            body: body.into(),
            button: shorten(button.into().trim(), LIST_BUTTON_MAX_CHARS),
            sections,
        };
        message.validate()?;
        Ok(message)
    }

    /// An approved template with its body parameters.
    pub fn template(
        name: impl Into<String>,
        language: impl Into<String>,
        body_parameters: Vec<String>,
    ) -> Result<Self, OutboundError> {
        let message = Self::Template {
            name: name.into(),
            language: language.into(),
            body_parameters,
        };
        message.validate()?;
        Ok(message)
    }

    /// `Ok` when WhatsApp's limits allow the message as it is (nothing is shortened here).
    pub fn validate(&self) -> Result<(), OutboundError> {
        match self {
            Self::Text { body, .. } => check_text("text body", body, TEXT_MAX_CHARS),
            Self::Buttons { body, buttons } => {
                check_text("message body", body, INTERACTIVE_BODY_MAX_CHARS)?;
                check_count("reply buttons", buttons.len(), 1, MAX_BUTTONS)?;
                let mut ids = HashSet::new();
                let mut titles = HashSet::new();
                for button in buttons {
                    check_text("button id", &button.id, BUTTON_ID_MAX_CHARS)?;
                    check_text("button title", &button.title, BUTTON_TITLE_MAX_CHARS)?;
                    check_distinct(&mut ids, "button ids", &button.id)?;
                    check_distinct(&mut titles, "button titles", &button.title)?;
                }
                Ok(())
            }
            Self::List {
                body,
                button,
                sections,
            } => {
                check_text("message body", body, INTERACTIVE_BODY_MAX_CHARS)?;
                check_text("list button", button, LIST_BUTTON_MAX_CHARS)?;
                check_count("list sections", sections.len(), 1, MAX_LIST_SECTIONS)?;
                let rows = sections.iter().map(|s| s.rows.len()).sum();
                check_count("list rows", rows, 1, MAX_LIST_ROWS)?;
                let mut ids = HashSet::new();
                for section in sections {
                    match &section.title {
                        Some(title) => check_text("section title", title, SECTION_TITLE_MAX_CHARS)?,
                        None if sections.len() > 1 => {
                            return Err(OutboundError::MissingSectionTitle);
                        }
                        None => {}
                    }
                    // An empty section would render as a bare heading.
                    check_count("rows in a section", section.rows.len(), 1, MAX_LIST_ROWS)?;
                    for row in &section.rows {
                        check_text("row id", &row.id, ROW_ID_MAX_CHARS)?;
                        check_text("row title", &row.title, ROW_TITLE_MAX_CHARS)?;
                        if let Some(description) = &row.description {
                            check_length(
                                "row description",
                                description,
                                ROW_DESCRIPTION_MAX_CHARS,
                            )?;
                        }
                        check_distinct(&mut ids, "row ids", &row.id)?;
                    }
                }
                Ok(())
            }
            Self::Template {
                name,
                language,
                body_parameters,
            } => {
                check_text("template name", name, 512)?;
                check_text("template language", language, 16)?;
                for (index, parameter) in body_parameters.iter().enumerate() {
                    check_text("template parameter", parameter, TEXT_MAX_CHARS)?;
                    // Meta refuses these (error 132018) after the request is made; caught
                    // here, the caller learns which parameter before anything is sent.
                    if parameter.contains(['\n', '\t']) || parameter.contains("     ") {
                        return Err(OutboundError::TemplateParameter {
                            position: index + 1,
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// Meta's `type` of the message: `text`, `interactive` or `template`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Buttons { .. } | Self::List { .. } => "interactive",
            Self::Template { .. } => "template",
        }
    }

    /// The object that goes under the request's `type` key.
    fn payload(&self) -> Value {
        match self {
            Self::Text { body, preview_url } => json!({ "preview_url": preview_url, "body": body }),
            Self::Buttons { body, buttons } => json!({
                "type": "button",
                "body": { "text": body },
                "action": {
                    "buttons": buttons.iter().map(|b| json!({
                        "type": "reply",
                        "reply": { "id": b.id, "title": b.title },
                    })).collect::<Vec<_>>(),
                },
            }),
            Self::List {
                body,
                button,
                sections,
            } => json!({
                "type": "list",
                "body": { "text": body },
                "action": {
                    "button": button,
                    "sections": sections.iter().map(section_json).collect::<Vec<_>>(),
                },
            }),
            Self::Template {
                name,
                language,
                body_parameters,
            } => {
                let mut template = json!({ "name": name, "language": { "code": language } });
                // A template without variables is sent without components: Meta refuses a
                // body component with no parameters.
                if !body_parameters.is_empty() {
                    template["components"] = json!([{
                        "type": "body",
                        "parameters": body_parameters
                            .iter()
                            .map(|p| json!({ "type": "text", "text": p }))
                            .collect::<Vec<_>>(),
                    }]);
                }
                template
            }
        }
    }
}

fn section_json(section: &ListSection) -> Value {
    let rows: Vec<Value> = section
        .rows
        .iter()
        .map(|row| {
            let mut value = json!({ "id": row.id, "title": row.title });
            if let Some(description) = &row.description {
                value["description"] = json!(description);
            }
            value
        })
        .collect();
    let mut value = json!({ "rows": rows });
    if let Some(title) = &section.title {
        value["title"] = json!(title);
    }
    value
}

/// A message addressed to a customer, optionally as a reply to one of theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Who receives it.
    pub to: Recipient,
    /// What.
    pub message: OutboundMessage,
    /// The `wamid` of the customer's message this quotes (`context.message_id`).
    pub reply_to: Option<String>,
}

impl Outgoing {
    /// A message that quotes nothing.
    pub fn new(to: Recipient, message: OutboundMessage) -> Self {
        Self {
            to,
            message,
            reply_to: None,
        }
    }

    /// The same message, quoting the customer's message `wamid`.
    pub fn in_reply_to(mut self, wamid: impl Into<String>) -> Self {
        self.reply_to = Some(wamid.into());
        self
    }

    /// Text of any length as as many text messages as WhatsApp's limit needs (see
    /// [`split_text`]); only the first quotes `reply_to`, so the thread reads naturally.
    /// Blank text gives no messages.
    pub fn texts(to: Recipient, body: &str, reply_to: Option<String>) -> Vec<Self> {
        let mut reply_to = reply_to;
        split_text(body, TEXT_MAX_CHARS)
            .into_iter()
            .map(|part| Self {
                to: to.clone(),
                message: OutboundMessage::Text {
                    body: part,
                    preview_url: false,
                },
                reply_to: reply_to.take(),
            })
            .collect()
    }

    /// `Ok` when the recipient, the quoted id and the message are all acceptable.
    pub fn validate(&self) -> Result<(), OutboundError> {
        self.to.validate()?;
        if let Some(wamid) = &self.reply_to {
            check_text("quoted message id", wamid, 512)?;
        }
        self.message.validate()
    }

    /// The exact body of `POST /{phone-number-id}/messages` for this message.
    pub fn to_request_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("messaging_product".into(), json!("whatsapp"));
        body.insert("recipient_type".into(), json!("individual"));
        match &self.to {
            Recipient::Phone(number) => body.insert("to".into(), json!(number)),
            Recipient::UserId(id) => body.insert("recipient".into(), json!(id)),
        };
        if let Some(wamid) = &self.reply_to {
            body.insert("context".into(), json!({ "message_id": wamid }));
        }
        let kind = self.message.kind();
        body.insert("type".into(), json!(kind));
        body.insert(kind.into(), self.message.payload());
        Value::Object(body)
    }
}

/// `body` cut into parts of at most `limit` characters, each cut at the last paragraph break
/// that fits, else the last line break, else the last sentence end, else the last space,
/// else the last word boundary, else the last grapheme boundary: never inside a character,
/// and inside a grapheme (an emoji with modifiers) only if one grapheme alone is longer than
/// `limit`. Whitespace around the cuts is dropped; blank text gives no parts. A `limit` of 0
/// is taken as 1.
pub fn split_text(body: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let mut parts = Vec::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        if rest.chars().count() <= limit {
            parts.push(rest.to_string());
            break;
        }
        let cut = best_cut(rest, window_end(rest, limit));
        let (part, tail) = rest.split_at(cut);
        // `rest` starts with a non-space and `cut > 0`, so the part is never blank.
        parts.push(part.trim_end().to_string());
        rest = tail.trim_start();
    }
    parts
}

/// Byte length of the longest prefix of `text` made of whole graphemes and at most `limit`
/// characters; at least one character, so splitting always makes progress.
fn window_end(text: &str, limit: usize) -> usize {
    let mut end = 0;
    let mut chars = 0;
    for (start, grapheme) in text.grapheme_indices(true) {
        chars += grapheme.chars().count();
        if chars > limit {
            break;
        }
        end = start + grapheme.len();
    }
    if end == 0 {
        // One grapheme longer than the limit: cut it at a character boundary.
        end = text
            .char_indices()
            .nth(limit)
            .map_or(text.len(), |(index, _)| index);
    }
    end
}

/// Where to cut `text` so the first part ends at or before `window_end`, at the strongest
/// boundary available (see [`split_text`]). Always in `1..=window_end`.
fn best_cut(text: &str, window_end: usize) -> usize {
    let window = &text[..window_end];
    let useful = |cut: &usize| *cut > 0 && !text[..*cut].trim().is_empty();
    if let Some(cut) = window.rfind("\n\n").filter(useful) {
        return cut;
    }
    if let Some(cut) = window.rfind('\n').filter(useful) {
        return cut;
    }
    // Boundaries are found in the whole text, not the window, so the window's edge is never
    // mistaken for the end of a sentence.
    let last_boundary = |boundaries: &mut dyn Iterator<Item = usize>| {
        boundaries
            .take_while(|&cut| cut <= window_end)
            .filter(useful)
            .last()
    };
    if let Some(cut) = last_boundary(&mut text.split_sentence_bound_indices().map(|(i, _)| i)) {
        return cut;
    }
    if let Some(cut) = window
        .char_indices()
        .rev()
        .map(|(i, _)| i)
        .find(|&i| window[i..].starts_with(char::is_whitespace) && useful(&i))
    {
        return cut;
    }
    if let Some(cut) = last_boundary(&mut text.split_word_bound_indices().map(|(i, _)| i)) {
        return cut;
    }
    window_end
}

/// `text` unchanged if it fits in `limit` characters, else cut at a grapheme boundary with
/// "…" so the result is exactly within the limit.
fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let kept = &text[..window_end(text, limit.saturating_sub(1).max(1))];
    format!("{}…", kept.trim_end())
}

fn check_text(field: &'static str, text: &str, limit: usize) -> Result<(), OutboundError> {
    if text.trim().is_empty() {
        return Err(OutboundError::Empty { field });
    }
    check_length(field, text, limit)
}

fn check_length(field: &'static str, text: &str, limit: usize) -> Result<(), OutboundError> {
    let chars = text.chars().count();
    if chars > limit {
        return Err(OutboundError::TooLong {
            field,
            chars,
            limit,
        });
    }
    Ok(())
}

fn check_count(
    what: &'static str,
    count: usize,
    min: usize,
    max: usize,
) -> Result<(), OutboundError> {
    if (min..=max).contains(&count) {
        Ok(())
    } else {
        Err(OutboundError::Count {
            what,
            count,
            min,
            max,
        })
    }
}

fn check_distinct<'a>(
    seen: &mut HashSet<&'a str>,
    what: &'static str,
    value: &'a str,
) -> Result<(), OutboundError> {
    if seen.insert(value) {
        Ok(())
    } else {
        Err(OutboundError::Duplicate {
            what,
            value: value.to_string(),
        })
    }
}
