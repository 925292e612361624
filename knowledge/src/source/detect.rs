//! Guessing whether a file is a catalog, FAQs or a policy: first from the words in its name and
//! its nearest folders, then from its content.

use super::columns::{self, fold};
use super::{Format, html, markdown, read, table};
use crate::record::Kind;
use std::path::Path;

/// Words that name a kind outright (matched as word prefixes: `products`, `productos`...).
const NAMES: &[(Kind, &[&str])] = &[
    (
        Kind::Catalog,
        &[
            "catalog",
            "product",
            "prodott",
            "produt",
            "produit",
            "inventor",
            "articulos",
            "articoli",
        ],
    ),
    (
        Kind::Faq,
        &[
            "faq", "pregunta", "domand", "pergunta", "question", "qna", "fragen",
        ],
    ),
    (
        Kind::Policy,
        &["polic", "politic", "politique", "richtlinie"],
    ),
];

/// Topics that policies are about (matched as word prefixes).
const POLICY_TOPICS: &[&str] = &[
    "terms",
    "legal",
    "shipping",
    "return",
    "refund",
    "privacy",
    "warrant",
    "garanti",
    "envio",
    "devoluc",
    "reembols",
    "condicion",
    "condition",
    "condizion",
    "cookie",
    "aviso",
    "spedizion",
    "resi",
    "reso",
    "rimbors",
    "entrega",
    "devoluc",
    "delivery",
    "gdpr",
    "rgpd",
    "tos",
    "payment",
    "pago",
    "pagament",
    "agb",
    "datenschutz",
    "versand",
];

/// The kind of the file at `path`, or `None` when neither its path nor its content says.
///
/// The path is read first: the file name, then its two nearest folders, looking for a kind's
/// name (`catalog`, `products`, `productos`, `prodotti`, `produtos`, `faq`, `preguntas`,
/// `domande`, `perguntas`, `policy`, `politica`...), then for a policy topic (`terms`, `legal`,
/// `shipping`, `returns`, `privacy`, `envios`, `devoluciones`...). A guess the file's format
/// cannot hold (a `.md` in a `products` folder) is ignored. Then the content: CSV/JSON with
/// question and answer columns are FAQs, with price, SKU, stock or name columns a catalog;
/// Markdown or HTML whose headings mostly end in `?` (or sit under an "FAQ" title) are FAQs;
/// other Markdown, text and HTML are policies.
pub fn detect_kind(path: &Path) -> Option<Kind> {
    let format = Format::from_path(path)?;
    from_path(path, format).or_else(|| from_content(path, format))
}

fn from_path(path: &Path, format: Format) -> Option<Kind> {
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned());
    let folders = path
        .parent()
        .into_iter()
        .flat_map(Path::ancestors)
        .take(2)
        .filter_map(|folder| {
            folder
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        });
    let names: Vec<Vec<String>> = stem
        .into_iter()
        .chain(folders)
        .map(|name| words(&name))
        .collect();
    let accept = |kind: Kind| format.can_hold(kind).then_some(kind);
    let by_name = names.iter().find_map(|words| {
        NAMES
            .iter()
            .find(|(_, stems)| has_stem(words, stems))
            .and_then(|(kind, _)| accept(*kind))
    });
    by_name.or_else(|| {
        names
            .iter()
            .any(|words| has_stem(words, POLICY_TOPICS))
            .then_some(Kind::Policy)
            .and_then(accept)
    })
}

fn words(name: &str) -> Vec<String> {
    fold(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

fn has_stem(words: &[String], stems: &[&str]) -> bool {
    words.iter().any(|word| {
        stems.iter().any(|stem| {
            // Short stems must be the whole word: "resi" is not "resin", "tos" is not "tostadas".
            if stem.len() <= 4 {
                word == stem || word == &format!("{stem}s")
            } else {
                word.starts_with(stem)
            }
        })
    })
}

fn from_content(path: &Path, format: Format) -> Option<Kind> {
    let bytes = std::fs::read(path).ok()?;
    let text = read::decode(&bytes, matches!(format, Format::Csv | Format::Tsv))?;
    match format {
        Format::Csv | Format::Tsv | Format::Json | Format::Jsonl => {
            let array_keys = [
                "products",
                "items",
                "catalog",
                "faq",
                "faqs",
                "questions",
                "data",
            ];
            let table = table::read("", format, &text, &array_keys);
            kind_of_columns(&table.columns)
        }
        Format::Markdown => Some(kind_of_markdown(&text)),
        Format::Html => html::to_markdown(&text)
            .ok()
            .map(|page| kind_of_markdown(&page.markdown)),
        Format::Text => Some(Kind::Policy),
    }
}

fn kind_of_columns(names: &[String]) -> Option<Kind> {
    let has = |aliases: &[&str]| names.iter().any(|name| columns::is_any_of(name, aliases));
    if has(columns::QUESTION) && has(columns::ANSWER) {
        Some(Kind::Faq)
    } else if has(columns::PRICE) || has(columns::SKU) || has(columns::STOCK) || has(columns::NAME)
    {
        Some(Kind::Catalog)
    } else {
        None
    }
}

fn kind_of_markdown(text: &str) -> Kind {
    let sections = markdown::parse(text).sections;
    let headings: Vec<&str> = sections
        .iter()
        .filter(|section| section.level > 0)
        .map(|section| section.heading.trim())
        .collect();
    let questions = headings
        .iter()
        .filter(|heading| heading.ends_with('?') || heading.ends_with('？'))
        .count();
    let faq_title = headings.iter().any(|heading| {
        let words = words(heading);
        words.iter().any(|word| word == "faq" || word == "faqs")
    });
    if faq_title || (questions > 0 && questions * 2 > headings.len()) {
        Kind::Faq
    } else {
        Kind::Policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_in_the_path_decide() {
        assert_eq!(
            from_path(Path::new("/x/productos.csv"), Format::Csv),
            Some(Kind::Catalog)
        );
        assert_eq!(
            from_path(Path::new("/x/prodotti/2024.json"), Format::Json),
            Some(Kind::Catalog)
        );
        assert_eq!(
            from_path(Path::new("/x/Preguntas-frecuentes.md"), Format::Markdown),
            Some(Kind::Faq)
        );
        assert_eq!(
            from_path(Path::new("/x/faq/returns.md"), Format::Markdown),
            Some(Kind::Faq)
        );
        assert_eq!(
            from_path(Path::new("/x/legal/privacy.html"), Format::Html),
            Some(Kind::Policy)
        );
        assert_eq!(
            from_path(Path::new("/x/Política de envíos.txt"), Format::Text),
            Some(Kind::Policy)
        );
    }

    #[test]
    fn a_guess_the_format_cannot_hold_is_ignored() {
        assert_eq!(
            from_path(Path::new("/x/products/about-us.md"), Format::Markdown),
            None
        );
        assert_eq!(from_path(Path::new("/x/returns.csv"), Format::Csv), None);
        assert_eq!(from_path(Path::new("/x/resin.md"), Format::Markdown), None);
    }

    #[test]
    fn far_ancestors_do_not_count() {
        assert_eq!(
            from_path(Path::new("/faq-bot/a/b/notes.md"), Format::Markdown),
            None
        );
    }

    #[test]
    fn columns_decide_for_tables() {
        let names = |list: &[&str]| list.iter().map(|name| name.to_string()).collect::<Vec<_>>();
        assert_eq!(
            kind_of_columns(&names(&["Pregunta", "Respuesta"])),
            Some(Kind::Faq)
        );
        assert_eq!(
            kind_of_columns(&names(&["SKU", "Title", "Price"])),
            Some(Kind::Catalog)
        );
        assert_eq!(kind_of_columns(&names(&["date", "amount_eur"])), None);
    }

    #[test]
    fn markdown_with_question_headings_is_faq() {
        assert_eq!(
            kind_of_markdown("# Help\n## Do you ship?\nYes.\n## Can I pay cash?\nNo."),
            Kind::Faq
        );
        assert_eq!(
            kind_of_markdown("# Returns\nWithin 30 days.\n## Damaged?\nCall."),
            Kind::Policy
        );
    }
}
