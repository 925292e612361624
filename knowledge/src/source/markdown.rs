//! A Markdown document as a list of heading sections, found with pulldown-cmark so that `#`
//! lines inside code blocks are not headings, setext headings (`Title\n===`) are, and YAML
//! front matter is set aside.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// A heading with the text under it, up to the next heading of any level.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Section {
    /// 1 to 6; 0 for the text before the first heading.
    pub level: usize,
    /// The heading as plain text (empty for the text before the first heading).
    pub heading: String,
    /// The 1-based line of the heading (of the first text, before the first heading).
    pub line: usize,
    /// The Markdown under the heading, trimmed; may be empty.
    pub body: String,
}

/// A Markdown document split at its headings.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Document {
    /// The `title:` of the YAML front matter, if any.
    pub title: Option<String>,
    /// The sections in order; the first has level 0 when text precedes the first heading.
    pub sections: Vec<Section>,
}

struct Heading {
    level: usize,
    text: String,
    range: Range<usize>,
}

/// Splits `text` at its headings.
pub(crate) fn parse(text: &str) -> Document {
    let options = Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut headings: Vec<Heading> = Vec::new();
    let mut open: Option<Heading> = None;
    let mut front_matter: Option<(Range<usize>, String)> = None;
    let mut in_front_matter = false;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                open = Some(Heading {
                    level: level as usize,
                    text: String::new(),
                    range,
                });
            }
            Event::End(TagEnd::Heading(_)) => headings.extend(open.take()),
            Event::Start(Tag::MetadataBlock(_)) => {
                in_front_matter = true;
                front_matter = Some((range, String::new()));
            }
            Event::End(TagEnd::MetadataBlock(_)) => in_front_matter = false,
            Event::Text(content) | Event::Code(content) => {
                if let Some(heading) = open.as_mut() {
                    heading.text.push_str(&content);
                } else if in_front_matter && let Some((_, yaml)) = front_matter.as_mut() {
                    yaml.push_str(&content);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(heading) = open.as_mut() {
                    heading.text.push(' ');
                }
            }
            _ => {}
        }
    }

    let lines = LineIndex::new(text);
    let start = front_matter
        .as_ref()
        .map_or(0, |(range, _)| range.end.min(text.len()));
    let mut sections = Vec::with_capacity(headings.len() + 1);
    let first_heading = headings
        .first()
        .map_or(text.len(), |heading| heading.range.start);
    let preamble = text.get(start..first_heading.max(start)).unwrap_or("");
    if !preamble.trim().is_empty() {
        let offset = start + (preamble.len() - preamble.trim_start().len());
        sections.push(Section {
            level: 0,
            heading: String::new(),
            line: lines.line_of(offset),
            body: preamble.trim().to_string(),
        });
    }
    for (index, heading) in headings.iter().enumerate() {
        let end = headings
            .get(index + 1)
            .map_or(text.len(), |next| next.range.start);
        let body = text
            .get(heading.range.end..end.max(heading.range.end))
            .unwrap_or("");
        sections.push(Section {
            level: heading.level,
            heading: collapse_whitespace(&heading.text),
            line: lines.line_of(heading.range.start),
            body: body.trim().to_string(),
        });
    }
    Document {
        title: front_matter.and_then(|(_, yaml)| front_matter_title(&yaml)),
        sections,
    }
}

fn front_matter_title(yaml: &str) -> Option<String> {
    yaml.lines().find_map(|line| {
        let value = line.strip_prefix("title:")?.trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Byte offset to 1-based line number.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub(crate) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        LineIndex { starts }
    }

    /// The line holding byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_follow_headings_but_not_code_blocks() {
        let text = "Intro line.\n\n# Returns\n\nWithin 30 days.\n\n```\n# not a heading\n```\n\nSub\n---\nDamaged: tell us.\n";
        let document = parse(text);
        let summary: Vec<(usize, &str, usize)> = document
            .sections
            .iter()
            .map(|section| (section.level, section.heading.as_str(), section.line))
            .collect();
        assert_eq!(summary, vec![(0, "", 1), (1, "Returns", 3), (2, "Sub", 11)]);
        assert!(document.sections[1].body.contains("# not a heading"));
        assert_eq!(document.sections[2].body, "Damaged: tell us.");
    }

    #[test]
    fn front_matter_gives_the_title_and_is_not_text() {
        let document = parse("---\ntitle: \"Shipping policy\"\n---\nWe ship daily.\n");
        assert_eq!(document.title.as_deref(), Some("Shipping policy"));
        assert_eq!(document.sections.len(), 1);
        assert_eq!(document.sections[0].body, "We ship daily.");
        assert_eq!(document.sections[0].line, 4);
    }

    #[test]
    fn heading_markup_is_reduced_to_text() {
        let document = parse("## How do I pay with `PayPal`? ##\nEasily.");
        assert_eq!(document.sections[0].heading, "How do I pay with PayPal?");
    }
}
