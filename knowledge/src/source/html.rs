//! An HTML page reduced to Markdown-like text with html2text, without the parts that are not
//! content (scripts, styles, navigation, forms), and its title.

use html2text::Handle;

/// Elements that never hold policy or FAQ content.
const DROPPED: &[&str] = &[
    "script", "style", "nav", "noscript", "template", "iframe", "svg", "form", "button", "select",
];

/// Lines are not wrapped: the splitter decides where text breaks.
const WIDTH: usize = 10_000;

/// A page as text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    /// The `<title>`, else the first `<h1>`.
    pub title: Option<String>,
    /// The content as Markdown-like text: headings keep their `#` marks.
    pub markdown: String,
}

/// Reduces `html` to text. The error is the reason, for a rejection.
pub(crate) fn to_markdown(html: &str) -> Result<Page, String> {
    let config = html2text::config::plain().link_footnotes(false);
    let dom = config
        .parse_html(html.as_bytes())
        .map_err(|error| format!("unreadable HTML: {error}"))?;
    let mut title = None;
    prune(&dom.document, &mut title);
    let tree = config
        .dom_to_render_tree(&dom)
        .map_err(|error| format!("unreadable HTML: {error}"))?;
    let markdown = config
        .render_to_string(tree, WIDTH)
        .map_err(|error| format!("unreadable HTML: {error}"))?;
    let markdown = markdown
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    let title = title.or_else(|| first_h1(&markdown));
    Ok(Page { title, markdown })
}

/// A fragment (a product description exported as HTML) as plain text, without Markdown marks.
pub(crate) fn to_plain_text(fragment: &str) -> Option<String> {
    let text = html2text::config::plain_no_decorate()
        .string_from_read(fragment.as_bytes(), WIDTH)
        .ok()?;
    Some(
        text.lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string(),
    )
}

/// Removes the dropped elements below `node` and picks up the document's `<title>`.
fn prune(node: &Handle, title: &mut Option<String>) {
    node.children.borrow_mut().retain(|child| {
        child
            .element_name()
            .is_none_or(|name| !DROPPED.contains(&name.as_str()))
    });
    let children = node.children.borrow().clone();
    for child in &children {
        if title.is_none() && child.element_name().as_deref() == Some("title") {
            *title = element_text(child);
        }
        prune(child, title);
    }
}

/// The text of an element, entities decoded, whitespace collapsed.
fn element_text(element: &Handle) -> Option<String> {
    let mut html = Vec::new();
    element.serialize(&mut html).ok()?;
    let html = String::from_utf8(html).ok()?;
    let inner = html.strip_prefix("<title>")?.strip_suffix("</title>")?;
    let text = html2text::config::plain()
        .string_from_read(format!("<p>{inner}</p>").as_bytes(), WIDTH)
        .ok()?;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

fn first_h1(markdown: &str) -> Option<String> {
    markdown.lines().find_map(|line| {
        let heading = line.strip_prefix("# ")?.trim();
        (!heading.is_empty()).then(|| heading.to_string())
    })
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head><title>Returns &amp; refunds</title>
<style>body { color: red }</style><script>var tracking = 1;</script></head>
<body><nav><a href="/">Home</a> | <a href="/shop">Shop</a></nav>
<h1>Returns</h1><p>You can return items within <b>30 days</b>.</p>
<h2>Damaged items</h2><p>Send us a photo.</p>
<ul><li>Within 48 hours</li><li>With the receipt</li></ul>
<script>alert("x")</script></body></html>"#;

    #[test]
    fn scripts_styles_and_navigation_are_dropped() {
        let page = to_markdown(PAGE).unwrap_or_else(|error| panic!("{error}"));
        assert!(!page.markdown.contains("tracking"), "{}", page.markdown);
        assert!(!page.markdown.contains("color: red"), "{}", page.markdown);
        assert!(!page.markdown.contains("Shop"), "{}", page.markdown);
        assert!(!page.markdown.contains("alert"), "{}", page.markdown);
    }

    #[test]
    fn headings_keep_their_markdown_marks_and_the_title_is_found() {
        let page = to_markdown(PAGE).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(page.title.as_deref(), Some("Returns & refunds"));
        assert!(page.markdown.contains("# Returns\n"), "{}", page.markdown);
        assert!(
            page.markdown.contains("## Damaged items\n"),
            "{}",
            page.markdown
        );
        assert!(page.markdown.contains("30 days"), "{}", page.markdown);
    }

    #[test]
    fn without_title_the_first_h1_is_the_title() {
        let page =
            to_markdown("<h1>Shipping</h1><p>Daily.</p>").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(page.title.as_deref(), Some("Shipping"));
    }
}
