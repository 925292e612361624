//! Column names: normalising them to `snake_case` and finding the columns a role goes by
//! (`sku`, `name`, `price`, ...) among the names businesses actually use, in several languages.

use serde_json::Value;

/// A row's cells, by normalised column name, from which recognised columns are taken out one
/// role at a time; what is left are the "other" columns.
#[derive(Debug, Clone)]
pub(crate) struct Cells {
    cells: Vec<(String, Value)>,
}

impl Cells {
    /// Cells from `(column as written, value)` pairs; empty strings and nulls are dropped.
    pub(crate) fn new(cells: Vec<(String, Value)>) -> Self {
        let cells = cells
            .into_iter()
            .filter(|(_, value)| !is_blank(value))
            .map(|(column, value)| (snake_case(&column), value))
            .collect();
        Cells { cells }
    }

    /// Takes the value of the first of `aliases` (in priority order) that the row has.
    pub(crate) fn take(&mut self, aliases: &[&str]) -> Option<Value> {
        let position = aliases
            .iter()
            .find_map(|alias| self.cells.iter().position(|(column, _)| column == alias))?;
        Some(self.cells.remove(position).1)
    }

    /// The cells not taken yet, in column order.
    pub(crate) fn rest(self) -> Vec<(String, Value)> {
        self.cells
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// Whether a column named `column` (as written) plays one of these roles.
pub(crate) fn is_any_of(column: &str, aliases: &[&str]) -> bool {
    aliases.contains(&snake_case(column).as_str())
}

/// `Product Name` -> `product_name`, `imageURL` -> `image_url`, `Precio (€)` -> `precio`,
/// `Descripción` -> `descripcion`: lowercase ASCII words joined by `_`.
pub(crate) fn snake_case(column: &str) -> String {
    let mut out = String::with_capacity(column.len());
    let mut previous: Option<char> = None;
    for c in column.trim().chars() {
        let c = fold_accent(c);
        if c.is_alphanumeric() {
            let starts_word = c.is_uppercase()
                && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        previous = Some(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Lowercase text without the accents of the Latin languages charla serves, for matching words.
pub(crate) fn fold(text: &str) -> String {
    text.chars()
        .map(fold_accent)
        .flat_map(char::to_lowercase)
        .collect()
}

fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'O',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ç' => 'c',
        'Ç' => 'C',
        other => other,
    }
}

/// Product identifier columns, most specific first.
pub(crate) const SKU: &[&str] = &[
    "sku",
    "variant_sku",
    "product_id",
    "item_id",
    "product_code",
    "article_number",
    "id",
    "code",
    "codigo",
    "codice",
    "referencia",
    "reference",
    "ref",
];
/// Product name columns.
pub(crate) const NAME: &[&str] = &[
    "name",
    "title",
    "product_name",
    "product_title",
    "item_name",
    "nombre",
    "nome",
    "titulo",
    "titolo",
    "producto",
    "prodotto",
    "produto",
];
/// Product description columns.
pub(crate) const DESCRIPTION: &[&str] = &[
    "description",
    "desc",
    "body",
    "body_html",
    "long_description",
    "short_description",
    "details",
    "summary",
    "descripcion",
    "descrizione",
    "descricao",
];
/// Price columns.
pub(crate) const PRICE: &[&str] = &[
    "price",
    "unit_price",
    "variant_price",
    "regular_price",
    "precio",
    "prezzo",
    "preco",
    "pvp",
    "amount",
];
/// Currency columns.
pub(crate) const CURRENCY: &[&str] = &[
    "currency",
    "currency_code",
    "moneda",
    "divisa",
    "valuta",
    "moeda",
];
/// Numeric stock columns (a word in them is read as availability).
pub(crate) const STOCK: &[&str] = &[
    "stock",
    "quantity",
    "qty",
    "inventory",
    "inventory_quantity",
    "variant_inventory_qty",
    "stock_quantity",
    "existencias",
    "cantidad",
    "quantita",
    "quantidade",
    "estoque",
    "units",
];
/// Availability columns (a number in them is read as stock).
pub(crate) const AVAILABILITY: &[&str] = &[
    "availability",
    "in_stock",
    "available",
    "disponibilidad",
    "disponible",
    "disponibilita",
    "disponibilidade",
];
/// Product category columns.
pub(crate) const CATEGORY: &[&str] = &[
    "category",
    "categories",
    "categoria",
    "categorias",
    "categorie",
    "product_type",
    "type",
    "tipo",
    "department",
];
/// Product page columns.
pub(crate) const URL: &[&str] = &["url", "link", "product_url", "permalink", "enlace", "href"];
/// Product image columns.
pub(crate) const IMAGE: &[&str] = &[
    "image",
    "image_url",
    "image_src",
    "images",
    "img",
    "picture",
    "photo",
    "imagen",
    "immagine",
    "imagem",
    "foto",
];

/// FAQ question columns.
pub(crate) const QUESTION: &[&str] = &[
    "question",
    "questions",
    "pregunta",
    "domanda",
    "pergunta",
    "frage",
    "q",
];
/// FAQ answer columns.
pub(crate) const ANSWER: &[&str] = &[
    "answer",
    "answers",
    "respuesta",
    "risposta",
    "resposta",
    "antwort",
    "reponse",
    "a",
];
/// FAQ identifier columns: an entry with one is keyed by it instead of by its question.
pub(crate) const FAQ_ID: &[&str] = &["id", "qid", "faq_id"];
/// FAQ category columns.
pub(crate) const FAQ_CATEGORY: &[&str] = &[
    "category",
    "categoria",
    "topic",
    "section",
    "tema",
    "argomento",
    "assunto",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn column_names_become_snake_case() {
        assert_eq!(snake_case("Product Name"), "product_name");
        assert_eq!(snake_case("imageURL"), "image_url");
        assert_eq!(snake_case("productId"), "product_id");
        assert_eq!(snake_case(" Precio (€) "), "precio");
        assert_eq!(snake_case("Descripción"), "descripcion");
        assert_eq!(snake_case("In stock?"), "in_stock");
        assert_eq!(snake_case("Body (HTML)"), "body_html");
    }

    #[test]
    fn the_most_specific_alias_wins_and_the_rest_is_kept() {
        let mut cells = Cells::new(vec![
            ("ID".into(), json!("7")),
            ("SKU".into(), json!("A-1")),
            ("Colour".into(), json!("red")),
            ("Notes".into(), json!("  ")),
        ]);
        assert_eq!(cells.take(SKU), Some(json!("A-1")));
        assert_eq!(cells.take(NAME), None);
        let rest = cells.rest();
        assert_eq!(
            rest,
            vec![
                ("id".to_string(), json!("7")),
                ("colour".to_string(), json!("red"))
            ]
        );
    }
}
