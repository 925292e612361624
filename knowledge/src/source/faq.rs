//! FAQ entries from Markdown (question headings), HTML (as Markdown), plain text (lines ending
//! in `?`), CSV/TSV and JSON/JSONL (question and answer columns in several languages).
//!
//! An entry is keyed by its question, unless a table or JSON entry has an id (`id`, `qid` or
//! `faq_id`): then by its id, so entries that share a question but not an id (one question
//! with several answers) are all kept, and a repeated id is rejected instead.

use super::columns::{self, Cells, fold};
use super::markdown::{self, Section};
use super::table::{self, Row};
use super::{Format, Parsed, Rejection, html, values};
use crate::record::{Kind, Record};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// The keys a JSON FAQ object may keep its entries under.
const ARRAY_KEYS: &[&str] = &[
    "faq",
    "faqs",
    "items",
    "questions",
    "entries",
    "preguntas",
    "data",
];

/// Reads FAQs in any supported `format`.
pub(crate) fn parse(source: &str, format: Format, text: &str) -> Parsed {
    let mut faqs = Faqs::new(source);
    match format {
        Format::Markdown => {
            faqs.read_sections(&markdown::parse(text).sections);
            // No question headings at all: the questions are probably bold lines ("**Can I...?**").
            if faqs.parsed == Parsed::default() {
                faqs.read_text(text);
            }
        }
        Format::Html => match html::to_markdown(text) {
            Ok(page) => faqs.read_sections(&markdown::parse(&page.markdown).sections),
            Err(reason) => faqs.reject(1, reason),
        },
        Format::Text => faqs.read_text(text),
        Format::Csv | Format::Tsv | Format::Json | Format::Jsonl => faqs.read_table(format, text),
    }
    faqs.parsed
}

/// Where an entry starts. An item of a JSON array also has its place in the array, because a
/// minified file has every item on line 1.
#[derive(Debug, Clone, Copy)]
struct Position {
    line: usize,
    item: Option<usize>,
}

impl Position {
    fn line(line: usize) -> Self {
        Position { line, item: None }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.item {
            Some(item) => write!(f, "item {item} on line {}", self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

struct Faqs<'a> {
    source: &'a str,
    parsed: Parsed,
    /// Entries keyed by their question: where each (folded) question was first asked.
    first_line_of_question: HashMap<String, usize>,
    /// Entries keyed by their id: where each id was first used.
    first_use_of_id: HashMap<String, Position>,
}

impl<'a> Faqs<'a> {
    fn new(source: &'a str) -> Self {
        Faqs {
            source,
            parsed: Parsed::default(),
            first_line_of_question: HashMap::new(),
            first_use_of_id: HashMap::new(),
        }
    }

    fn reject(&mut self, line: usize, reason: impl Into<String>) {
        self.parsed
            .rejected
            .push(Rejection::new(self.source, line, reason));
    }

    /// Adds an entry, or rejects it when its answer is empty, or when it repeats an id (entries
    /// with an id) or a question (entries without one).
    fn add(
        &mut self,
        at: Position,
        id: Option<String>,
        question: &str,
        answer: &str,
        category: Option<String>,
        others: Vec<(String, Value)>,
    ) {
        let line = at.line;
        let question = question.split_whitespace().collect::<Vec<_>>().join(" ");
        let answer = answer.trim();
        if question.is_empty() {
            return self.reject(line, "entry has no question");
        }
        if answer.is_empty() {
            return self.reject(line, format!("question `{question}` has an empty answer"));
        }
        let mut fields = Map::new();
        let key = match id {
            Some(id) => {
                if let Some(first) = self.first_use_of_id.get(&id) {
                    let reason = match at.item {
                        Some(item) => {
                            format!("item {item}: duplicate id `{id}` (first used by {first})")
                        }
                        None => format!("duplicate id `{id}` (first used on {first})"),
                    };
                    return self.reject(line, reason);
                }
                self.first_use_of_id.insert(id.clone(), at);
                // Under `id` whatever the column was called: evaluations and tools look there.
                fields.insert("id".into(), Value::String(id.clone()));
                id
            }
            None => {
                let folded = fold(&question);
                if let Some(first) = self.first_line_of_question.get(&folded) {
                    return self.reject(
                        line,
                        format!("duplicate question `{question}` (first on line {first})"),
                    );
                }
                self.first_line_of_question.insert(folded, line);
                question.clone()
            }
        };
        if let Some(category) = category
            .map(|category| category.trim().to_lowercase())
            .filter(|c| !c.is_empty())
        {
            fields.insert("category".into(), Value::String(category));
        }
        for (column, value) in others {
            fields.entry(column).or_insert(value);
        }
        self.parsed.records.push(Record {
            kind: Kind::Faq,
            key,
            line,
            text: format!("{question}\n\n{answer}"),
            title: question,
            fields,
        });
    }

    fn read_table(&mut self, format: Format, text: &str) {
        let table = table::read(self.source, format, text, ARRAY_KEYS);
        self.parsed.rejected.extend(table.rejected);
        // A CSV without a question or answer column has nothing to read: one rejection says why.
        if matches!(format, Format::Csv | Format::Tsv) && !table.columns.is_empty() {
            for (role, aliases) in [("question", columns::QUESTION), ("answer", columns::ANSWER)] {
                if !table
                    .columns
                    .iter()
                    .any(|column| columns::is_any_of(column, aliases))
                {
                    let expected = aliases.join(", ");
                    return self
                        .reject(1, format!("no {role} column (expected one of: {expected})"));
                }
            }
        }
        for Row { line, item, cells } in table.rows {
            let at = Position { line, item };
            let mut cells = Cells::new(cells);
            let id = match cells.take(columns::FAQ_ID) {
                None => None,
                Some(value @ (Value::String(_) | Value::Number(_))) => Some(values::text(&value)),
                Some(other) => {
                    let whose = at.item.map_or_else(String::new, |n| format!("item {n}: "));
                    self.reject(
                        line,
                        format!("{whose}id `{other}` is not a string or a number"),
                    );
                    continue;
                }
            };
            let Some(question) = cells
                .take(columns::QUESTION)
                .map(|value| values::text(&value))
            else {
                self.reject(
                    line,
                    "entry has no question (expected a `question` or `q` field)",
                );
                continue;
            };
            let answer = cells
                .take(columns::ANSWER)
                .map(|value| values::text(&value))
                .unwrap_or_default();
            let category = cells
                .take(columns::FAQ_CATEGORY)
                .map(|value| values::text(&value));
            self.add(at, id, &question, &answer, category, cells.rest());
        }
    }

    /// Questions are headings ending in `?`, or any heading with text under it below an "FAQ"
    /// title; the answer runs to the next heading of the same or a higher level (or the next
    /// question). Other headings name the category of the questions below them.
    fn read_sections(&mut self, sections: &[Section]) {
        enum Role {
            FaqTitle,
            Category(String),
            Question,
            Answer,
        }
        let mut stack: Vec<(usize, Role)> = Vec::new();
        for (index, section) in sections.iter().enumerate() {
            if section.level == 0 {
                continue;
            }
            while stack
                .last()
                .is_some_and(|(level, _)| *level >= section.level)
            {
                stack.pop();
            }
            let asks = is_question(&section.heading);
            let role = if is_faq_title(&section.heading) && !asks {
                Role::FaqTitle
            } else if !asks && stack.iter().any(|(_, role)| matches!(role, Role::Question)) {
                Role::Answer
            } else if asks
                || stack.iter().any(|(_, role)| matches!(role, Role::FaqTitle))
                    && !section.body.is_empty()
            {
                Role::Question
            } else {
                Role::Category(section.heading.clone())
            };
            if matches!(role, Role::Question) {
                let mut answer = section.body.clone();
                for sub in sections[index + 1..]
                    .iter()
                    .take_while(|sub| sub.level > section.level && !is_question(&sub.heading))
                {
                    let marks = "#".repeat(sub.level);
                    answer.push_str(&format!("\n\n{marks} {}\n\n{}", sub.heading, sub.body));
                }
                let category = stack.iter().rev().find_map(|(_, role)| match role {
                    Role::Category(name) => Some(name.clone()),
                    _ => None,
                });
                self.add(
                    Position::line(section.line),
                    None,
                    &section.heading,
                    &answer,
                    category,
                    Vec::new(),
                );
            }
            stack.push((section.level, role));
        }
    }

    /// A line ending in `?` (or starting with `Q:`, `P:`, `D:`...) asks; the lines up to the next
    /// question answer it, without an `A:`/`R:` prefix.
    fn read_text(&mut self, text: &str) {
        let mut current: Option<(usize, String, Vec<&str>)> = None;
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if let Some(question) = question_line(trimmed) {
                if let Some((line, question, answer)) = current.take() {
                    self.add_text_entry(line, &question, &answer);
                }
                current = Some((index + 1, question, Vec::new()));
            } else if let Some((_, _, answer)) = current.as_mut() {
                answer.push(strip_answer_prefix(trimmed));
            }
        }
        if let Some((line, question, answer)) = current {
            self.add_text_entry(line, &question, &answer);
        }
    }

    fn add_text_entry(&mut self, line: usize, question: &str, answer: &[&str]) {
        let answer = answer.join("\n");
        self.add(
            Position::line(line),
            None,
            question,
            &answer,
            None,
            Vec::new(),
        );
    }
}

fn is_question(heading: &str) -> bool {
    let heading = heading.trim_end();
    heading.ends_with('?') || heading.ends_with('？')
}

fn is_faq_title(heading: &str) -> bool {
    const TITLES: &[&str] = &[
        "frequently asked questions",
        "preguntas frecuentes",
        "domande frequenti",
        "perguntas frequentes",
        "questions frequentes",
        "foire aux questions",
        "haufig gestellte fragen",
        "haufige fragen",
        "veelgestelde vragen",
        "preguntes frequents",
        "common questions",
        "q&a",
        "q & a",
    ];
    let folded = fold(heading);
    folded
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word == "faq" || word == "faqs")
        || TITLES.iter().any(|title| folded.contains(title))
}

const QUESTION_PREFIXES: &[&str] = &[
    "q:",
    "q.",
    "p:",
    "d:",
    "question:",
    "pregunta:",
    "domanda:",
    "pergunta:",
    "frage:",
];
const ANSWER_PREFIXES: &[&str] = &[
    "a:",
    "a.",
    "r:",
    "answer:",
    "respuesta:",
    "risposta:",
    "resposta:",
    "antwort:",
];

fn question_line(line: &str) -> Option<String> {
    let line = strip_markup(line);
    let lower = line.to_lowercase();
    if let Some(prefix) = QUESTION_PREFIXES
        .iter()
        .find(|prefix| lower.starts_with(**prefix))
    {
        let question = line.get(prefix.len()..).unwrap_or("").trim();
        return (!question.is_empty()).then(|| question.to_string());
    }
    (is_question(line) && line.chars().count() <= 300).then(|| line.to_string())
}

/// `**Can I pay?**`, `- Can I pay?`, `1. Can I pay?` -> `Can I pay?`.
fn strip_markup(line: &str) -> &str {
    let line = line.trim().trim_matches(|c| c == '*' || c == '_').trim();
    let line = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .unwrap_or(line);
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let line = match line.get(digits..) {
        Some(rest) if digits > 0 && (rest.starts_with(". ") || rest.starts_with(") ")) => {
            rest.get(2..).unwrap_or(rest)
        }
        _ => line,
    };
    line.trim().trim_matches(|c| c == '*' || c == '_').trim()
}

fn strip_answer_prefix(line: &str) -> &str {
    let lower = line.to_lowercase();
    ANSWER_PREFIXES
        .iter()
        .find(|prefix| lower.starts_with(**prefix))
        .and_then(|prefix| line.get(prefix.len()..))
        .map_or(line, str::trim_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn questions(parsed: &Parsed) -> Vec<(&str, Option<&str>)> {
        parsed
            .records
            .iter()
            .map(|record| {
                (
                    record.key.as_str(),
                    record.fields.get("category").and_then(Value::as_str),
                )
            })
            .collect()
    }

    #[test]
    fn markdown_questions_take_category_from_the_heading_above() {
        let text = "# Help\n\n## Shipping\n\n### How long does delivery take?\n2 days.\n\n#### Islands\nOne more day.\n\n### Can I track it?\nYes.\n";
        let parsed = parse("f.md", Format::Markdown, text);
        assert_eq!(
            questions(&parsed),
            vec![
                ("How long does delivery take?", Some("shipping")),
                ("Can I track it?", Some("shipping"))
            ]
        );
        assert!(parsed.records[0].text.contains("One more day."));
        assert!(!parsed.records[0].text.contains("Yes."));
    }

    #[test]
    fn headings_under_an_faq_title_are_questions_without_question_marks() {
        let text = "# Preguntas frecuentes\n\n## Horario\nDe 9 a 18.\n\n## Envíos\n\n### Plazo de entrega\n48 horas.\n";
        let parsed = parse("f.md", Format::Markdown, text);
        assert_eq!(
            questions(&parsed),
            vec![("Horario", None), ("Plazo de entrega", Some("envíos"))]
        );
    }

    #[test]
    fn markdown_with_bold_questions_instead_of_headings_is_read() {
        let text = "# FAQ\n\n**Do you ship abroad?**\nYes, to the EU.\n\n1. **¿Puedo pagar en efectivo?**\nNo, solo tarjeta.\n";
        let parsed = parse("f.md", Format::Markdown, text);
        assert_eq!(
            questions(&parsed),
            vec![
                ("Do you ship abroad?", None),
                ("¿Puedo pagar en efectivo?", None)
            ]
        );
        assert_eq!(
            parsed.records[1].text,
            "¿Puedo pagar en efectivo?\n\nNo, solo tarjeta."
        );
    }

    #[test]
    fn faq_titles_are_recognised_in_several_languages() {
        assert!(is_faq_title("FAQ"));
        assert!(is_faq_title("Shipping FAQs"));
        assert!(is_faq_title("Domande frequenti"));
        assert!(!is_faq_title("Returns"));
        assert!(!is_faq_title("Faqir's shop"));
    }

    #[test]
    fn text_faqs_pair_question_lines_with_the_lines_below() {
        let text = "Our FAQ\n\nQ: Do you ship abroad\nA: Yes, to the EU.\n\n¿Aceptan tarjetas?\nSí, todas.\n";
        let parsed = parse("f.txt", Format::Text, text);
        assert_eq!(
            questions(&parsed),
            vec![("Do you ship abroad", None), ("¿Aceptan tarjetas?", None)]
        );
        assert_eq!(
            parsed.records[0].text,
            "Do you ship abroad\n\nYes, to the EU."
        );
        assert_eq!(parsed.records[1].line, 6);
    }
}
