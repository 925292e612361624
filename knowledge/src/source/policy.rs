//! Policy documents (Markdown, plain text, HTML) split into sections: one record per heading
//! with text under it, titled by its heading path ("Returns > Damaged items").

use super::markdown::{self, LineIndex, Section};
use super::{Format, Parsed, Rejection, html};
use crate::record::{Kind, Record};
use serde_json::Map;
use std::collections::HashMap;

/// Reads a policy document; `stem` (the file name without extension) titles text that has no
/// heading above it when the document names no title of its own.
pub(crate) fn parse(source: &str, stem: &str, format: Format, text: &str) -> Parsed {
    match format {
        Format::Markdown => {
            let document = markdown::parse(text);
            let title = document.title.unwrap_or_else(|| humanise(stem));
            records(&title, &document.sections)
        }
        Format::Html => match html::to_markdown(text) {
            Ok(page) => {
                let mut sections = markdown::parse(&page.markdown).sections;
                locate_in_html(text, &mut sections);
                let title = page.title.unwrap_or_else(|| humanise(stem));
                records(&title, &sections)
            }
            Err(reason) => Parsed {
                records: Vec::new(),
                rejected: vec![Rejection::new(source, 1, reason)],
            },
        },
        _ => {
            let sections = text_sections(text);
            let title = humanise(stem);
            records(&title, &sections)
        }
    }
}

/// One record per section with text; the title is the heading path, the key adds how many
/// times that path occurred so far, so repeated headings keep distinct, stable ids.
fn records(document_title: &str, sections: &[Section]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut path: Vec<(usize, String)> = Vec::new();
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    for section in sections {
        if section.level > 0 {
            while path
                .last()
                .is_some_and(|(level, _)| *level >= section.level)
            {
                path.pop();
            }
            path.push((section.level, section.heading.clone()));
        }
        if section.body.trim().is_empty() {
            continue;
        }
        let title = if section.level == 0 {
            document_title.to_string()
        } else {
            path.iter()
                .map(|(_, heading)| heading.as_str())
                .filter(|heading| !heading.is_empty())
                .collect::<Vec<_>>()
                .join(" > ")
        };
        let title = if title.is_empty() {
            document_title.to_string()
        } else {
            title
        };
        let occurrence = occurrences.entry(title.clone()).or_insert(0);
        *occurrence += 1;
        parsed.records.push(Record {
            kind: Kind::Policy,
            key: format!("{title}#{occurrence}"),
            line: section.line,
            title,
            text: section.body.clone(),
            fields: Map::new(),
        });
    }
    parsed
}

/// Plain text as sections: blocks are separated by blank lines; a one-line block that looks
/// like a title (short, no closing period) and is followed by text is a heading; the first
/// such block of the document is its title (level 1), the others are its sections (level 2).
/// A line underlined with `===` or `---` is a heading too.
fn text_sections(text: &str) -> Vec<Section> {
    let blocks = blocks(text);
    let mut sections: Vec<Section> = Vec::new();
    let mut body: Vec<String> = Vec::new();
    let mut current = Section {
        level: 0,
        heading: String::new(),
        line: blocks.first().map_or(1, |(line, _)| *line),
        body: String::new(),
    };
    for (index, (line, lines)) in blocks.iter().enumerate() {
        let heading = heading_of(lines);
        let next_is_text = blocks
            .get(index + 1)
            .is_some_and(|(_, next)| heading_of(next).is_none());
        let has_body_below = heading.as_ref().is_some_and(|(_, rest)| !rest.is_empty());
        match heading {
            Some((heading, rest)) if next_is_text || has_body_below => {
                current.body = body.join("\n\n");
                sections.push(current);
                body = Vec::new();
                if !rest.is_empty() {
                    body.push(rest.join("\n"));
                }
                let level = if index == 0 { 1 } else { 2 };
                current = Section {
                    level,
                    heading,
                    line: *line,
                    body: String::new(),
                };
            }
            _ => body.push(lines.join("\n")),
        }
    }
    current.body = body.join("\n\n");
    sections.push(current);
    sections.retain(|section| section.level > 0 || !section.body.is_empty());
    sections
}

/// The blocks of `text` separated by blank lines, each with its first line number.
fn blocks(text: &str) -> Vec<(usize, Vec<&str>)> {
    let mut blocks: Vec<(usize, Vec<&str>)> = Vec::new();
    let mut current: Option<(usize, Vec<&str>)> = None;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blocks.extend(current.take());
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        } else {
            current = Some((index + 1, vec![line]));
        }
    }
    blocks.extend(current);
    blocks
}

/// The heading a block starts with, and the lines under it in the same block.
fn heading_of<'a>(lines: &[&'a str]) -> Option<(String, Vec<&'a str>)> {
    let first = lines.first()?.trim();
    let underlined = lines.get(1).is_some_and(|second| {
        second.trim().len() >= 3 && second.trim().chars().all(|c| c == '=' || c == '-')
    });
    if underlined {
        return Some((first.to_string(), lines.get(2..).unwrap_or(&[]).to_vec()));
    }
    (lines.len() == 1 && looks_like_title(first))
        .then(|| (first.trim_end_matches(':').trim().to_string(), Vec::new()))
}

fn looks_like_title(line: &str) -> bool {
    let chars = line.chars().count();
    (1..=80).contains(&chars)
        && line.split_whitespace().count() <= 12
        && line.chars().any(char::is_alphabetic)
        && !line.ends_with(['.', ',', ';', '!'])
}

/// Converted HTML has other line numbers than the file: point each section at the line of the
/// file where its heading's text first appears after the previous one.
fn locate_in_html(html: &str, sections: &mut [Section]) {
    let lines = LineIndex::new(html);
    let mut from = 0;
    for section in sections.iter_mut() {
        let found = (!section.heading.is_empty())
            .then(|| {
                html.get(from..)
                    .and_then(|rest| rest.find(&section.heading))
            })
            .flatten();
        match found {
            Some(offset) => {
                from += offset;
                section.line = lines.line_of(from);
            }
            None => section.line = lines.line_of(from),
        }
    }
}

/// `shipping-policy` -> `Shipping policy`.
fn humanise(stem: &str) -> String {
    let words = stem.replace(['-', '_'], " ");
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => stem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(parsed: &Parsed) -> Vec<(&str, &str, usize)> {
        parsed
            .records
            .iter()
            .map(|record| (record.title.as_str(), record.key.as_str(), record.line))
            .collect()
    }

    #[test]
    fn markdown_sections_are_titled_by_their_heading_path() {
        let text = "# Returns\n\nWithin 30 days.\n\n## Damaged items\n\nSend a photo.\n\n## Refunds\n\n### Damaged items\n\nFull refund.\n";
        let parsed = parse("r.md", "returns", Format::Markdown, text);
        assert_eq!(
            titles(&parsed),
            vec![
                ("Returns", "Returns#1", 1),
                ("Returns > Damaged items", "Returns > Damaged items#1", 5),
                (
                    "Returns > Refunds > Damaged items",
                    "Returns > Refunds > Damaged items#1",
                    11
                ),
            ]
        );
    }

    #[test]
    fn repeated_headings_get_distinct_keys() {
        let text = "## Note\nA.\n\n## Note\nB.\n";
        let parsed = parse("r.md", "r", Format::Markdown, text);
        let keys: Vec<&str> = parsed
            .records
            .iter()
            .map(|record| record.key.as_str())
            .collect();
        assert_eq!(keys, vec!["Note#1", "Note#2"]);
    }

    #[test]
    fn text_without_headings_is_titled_by_the_file() {
        let parsed = parse(
            "t.txt",
            "shipping-policy",
            Format::Text,
            "We ship daily.\nOrders before 2pm leave today.\n",
        );
        assert_eq!(
            titles(&parsed),
            vec![("Shipping policy", "Shipping policy#1", 1)]
        );
    }

    #[test]
    fn text_title_and_short_lines_followed_by_text_become_headings() {
        let text = "Terms of service\n\nThese terms apply to every order.\n\nPayments\n\nWe accept cards.\nAnd transfers.\n\nThank you!\n";
        let parsed = parse("t.txt", "terms", Format::Text, text);
        assert_eq!(
            titles(&parsed),
            vec![
                ("Terms of service", "Terms of service#1", 1),
                (
                    "Terms of service > Payments",
                    "Terms of service > Payments#1",
                    5
                )
            ]
        );
        assert_eq!(
            parsed.records[1].text,
            "We accept cards.\nAnd transfers.\n\nThank you!"
        );
    }
}
