//! Catalog rows to product records: recognised columns normalised into `sku`, `name`, `price`,
//! `currency`, `stock`, `in_stock`, `category`, `url`, `image`; every other column kept under
//! its `snake_case` name; a readable text for embedding.

use super::columns::{self, Cells};
use super::{Format, Parsed, Rejection, html, table, values};
use crate::record::{Kind, Record};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The keys a JSON catalog object may keep its products under.
const ARRAY_KEYS: &[&str] = &[
    "products",
    "items",
    "catalog",
    "productos",
    "prodotti",
    "produtos",
    "data",
];

/// Reads a catalog in a tabular `format`.
pub(crate) fn parse(source: &str, format: Format, text: &str) -> Parsed {
    let table = table::read(source, format, text, ARRAY_KEYS);
    let mut parsed = Parsed {
        records: Vec::with_capacity(table.rows.len()),
        rejected: table.rejected,
    };
    let mut first_line_of_sku: HashMap<String, usize> = HashMap::new();
    let mut keys_used: HashMap<String, usize> = HashMap::new();
    for row in table.rows {
        let line = row.line;
        let mut record = match product(row.cells, line) {
            Ok(record) => record,
            Err(reason) => {
                parsed.rejected.push(Rejection::new(source, line, reason));
                continue;
            }
        };
        if let Some(sku) = record.fields.get("sku").and_then(Value::as_str) {
            if let Some(first) = first_line_of_sku.get(sku) {
                parsed.rejected.push(Rejection::new(
                    source,
                    line,
                    format!("duplicate sku `{sku}` (first on line {first})"),
                ));
                continue;
            }
            first_line_of_sku.insert(sku.to_string(), line);
        }
        // Products without SKU are keyed by name; a repeated name gets its occurrence so ids stay
        // distinct.
        let seen = keys_used.entry(record.key.clone()).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            record.key = format!("{}#{}", record.key, seen);
        }
        parsed.records.push(record);
    }
    parsed
}

fn product(cells: Vec<(String, Value)>, line: usize) -> Result<Record, String> {
    let mut cells = Cells::new(cells);
    let sku = cells.take(columns::SKU).map(|value| values::text(&value));
    let name = cells.take(columns::NAME).map(|value| values::text(&value));
    let (key, title) = match (&sku, &name) {
        (Some(sku), Some(name)) => (sku.clone(), name.clone()),
        (Some(sku), None) => (sku.clone(), sku.clone()),
        (None, Some(name)) => (name.clone(), name.clone()),
        (None, None) => {
            return Err("row has neither a sku nor a name (expected a column such as sku, id, name or title)".to_string());
        }
    };
    let description = cells
        .take(columns::DESCRIPTION)
        .map(|value| plain_description(&values::text(&value)));
    let price = cells
        .take(columns::PRICE)
        .map(|value| values::price(&value))
        .transpose()?;
    let currency = cells
        .take(columns::CURRENCY)
        .and_then(|value| values::currency(&value))
        .or_else(|| price.as_ref().and_then(|price| price.currency.clone()));

    let mut fields = Map::new();
    if let Some(sku) = sku {
        fields.insert("sku".into(), Value::String(sku));
    }
    if let Some(name) = name {
        fields.insert("name".into(), Value::String(name));
    }
    if let Some(price) = &price {
        fields.insert("price".into(), serde_json::json!(price.amount));
    }
    if let Some(currency) = &currency {
        fields.insert("currency".into(), Value::String(currency.clone()));
    }
    stock_fields(&mut cells, &mut fields);
    let category = cells
        .take(columns::CATEGORY)
        .map(|value| values::text(&value).to_lowercase());
    if let Some(category) = &category {
        fields.insert("category".into(), Value::String(category.clone()));
    }
    if let Some(url) = cells.take(columns::URL) {
        fields.insert("url".into(), Value::String(first_text(&url)));
    }
    if let Some(image) = cells.take(columns::IMAGE) {
        fields.insert("image".into(), Value::String(first_text(&image)));
    }
    let mut others = Vec::new();
    for (column, value) in cells.rest() {
        let value = match value {
            Value::String(text) => Value::String(text.trim().to_string()),
            other => other,
        };
        let column = if column.is_empty() {
            "column".to_string()
        } else {
            column
        };
        let mut key = column.clone();
        let mut n = 1;
        while fields.contains_key(&key) {
            n += 1;
            key = format!("{column}_{n}");
        }
        others.push((key.clone(), value.clone()));
        fields.insert(key, value);
    }

    let text = render(
        &title,
        description.as_deref(),
        category.as_deref(),
        price.as_ref(),
        currency.as_deref(),
        &others,
    );
    Ok(Record {
        kind: Kind::Catalog,
        key,
        line,
        title,
        text,
        fields,
    })
}

/// `stock` from a number in a stock column; `in_stock` from an availability word (in either
/// column), else from `stock > 0`; the availability text itself is kept when it is words.
fn stock_fields(cells: &mut Cells, fields: &mut Map<String, Value>) {
    let stock_cell = cells.take(columns::STOCK);
    let availability_cell = cells.take(columns::AVAILABILITY);
    let stock = stock_cell.as_ref().and_then(values::stock);
    let words = [
        availability_cell.as_ref(),
        stock_cell.as_ref().filter(|_| stock.is_none()),
    ];
    let in_stock = words
        .into_iter()
        .flatten()
        .find_map(values::availability)
        .or_else(|| stock.map(|count| count > 0));
    let availability_text = words.into_iter().flatten().find_map(|cell| match cell {
        Value::String(text) if values::stock(cell).is_none() => Some(text.trim().to_string()),
        _ => None,
    });
    if let Some(count) = stock {
        fields.insert("stock".into(), Value::from(count));
    }
    if let Some(in_stock) = in_stock {
        fields.insert("in_stock".into(), Value::Bool(in_stock));
    }
    if let Some(text) = availability_text {
        fields.insert("availability".into(), Value::String(text));
    }
}

fn first_text(value: &Value) -> String {
    match value {
        Value::Array(items) => items.first().map(values::text).unwrap_or_default(),
        other => values::text(other),
    }
}

/// Shopify and WooCommerce export descriptions as HTML.
fn plain_description(text: &str) -> String {
    let looks_like_html = (text.contains('<') && text.contains("</")) || text.contains("<br");
    if !looks_like_html {
        return text.to_string();
    }
    html::to_plain_text(text).unwrap_or_else(|| text.to_string())
}

/// The product as a short readable text: what a customer would search for.
fn render(
    title: &str,
    description: Option<&str>,
    category: Option<&str>,
    price: Option<&values::Price>,
    currency: Option<&str>,
    others: &[(String, Value)],
) -> String {
    let mut lines = vec![title.to_string()];
    if let Some(description) = description.filter(|text| !text.is_empty()) {
        lines.push(description.to_string());
    }
    if let Some(category) = category {
        lines.push(format!("Category: {category}"));
    }
    if let Some(price) = price {
        let amount = format!("{:.2}", price.amount);
        lines.push(match currency {
            Some(currency) => format!("Price: {amount} {currency}"),
            None => format!("Price: {amount}"),
        });
    }
    // Short descriptive columns (brand, colour, size...) help search; links and ids do not.
    // Sorted by column so that reordering the file's columns embeds nothing again.
    let mut others: Vec<&(String, Value)> = others.iter().collect();
    others.sort_by(|a, b| a.0.cmp(&b.0));
    for (column, value) in others {
        let Value::String(text) = value else { continue };
        let is_descriptive = text.chars().count() <= 80
            && !text.contains("://")
            && !column.ends_with("_id")
            && !column.ends_with("url")
            && !column.ends_with("_at");
        if is_descriptive {
            lines.push(format!("{}: {text}", label(column)));
        }
    }
    lines.join("\n")
}

/// `shoe_size` -> `Shoe size`.
fn label(column: &str) -> String {
    let words = column.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(csv: &str) -> Result<Record, Vec<Rejection>> {
        let parsed = parse("p.csv", Format::Csv, csv);
        if parsed.rejected.is_empty() {
            Ok(parsed.records.into_iter().next().unwrap())
        } else {
            Err(parsed.rejected)
        }
    }

    #[test]
    fn recognised_columns_are_normalised() {
        let record = one("Product ID;Title;Precio;Moneda;Qty;Categoría;Link;Image URL;Brand\nA1;Trail shoe;19,99;eur;3; Shoes ;https://x/a1;https://x/a1.jpg;Acme\n").unwrap();
        assert_eq!(record.key, "A1");
        assert_eq!(record.title, "Trail shoe");
        let expected = json!({
            "sku": "A1", "name": "Trail shoe", "price": 19.99, "currency": "EUR", "stock": 3,
            "in_stock": true, "category": "shoes", "url": "https://x/a1", "image": "https://x/a1.jpg",
            "brand": "Acme"
        });
        assert_eq!(Value::Object(record.fields.clone()), expected);
        assert_eq!(
            record.text,
            "Trail shoe\nCategory: shoes\nPrice: 19.99 EUR\nBrand: Acme"
        );
    }

    #[test]
    fn availability_words_set_in_stock_and_are_kept() {
        let record = one("sku,name,availability\nB2,Hat,Agotado\n").unwrap();
        assert_eq!(record.fields.get("in_stock"), Some(&json!(false)));
        assert_eq!(record.fields.get("availability"), Some(&json!("Agotado")));
        assert_eq!(record.fields.get("stock"), None);
    }

    #[test]
    fn price_currency_comes_from_the_price_when_there_is_no_column() {
        let record = one("sku,name,price\nC3,Mug,€12.50\n").unwrap();
        assert_eq!(record.fields.get("currency"), Some(&json!("EUR")));
        assert_eq!(record.fields.get("price"), Some(&json!(12.5)));
    }

    #[test]
    fn html_descriptions_become_text() {
        let record =
            one("sku,name,Body (HTML)\nD4,Cap,\"<p>Soft <b>cotton</b> cap</p>\"\n").unwrap();
        assert!(record.text.contains("Soft cotton cap"), "{}", record.text);
        assert!(!record.text.contains("<p>"), "{}", record.text);
    }

    #[test]
    fn products_without_sku_are_keyed_by_name_and_repeats_stay_distinct() {
        let parsed = parse("p.csv", Format::Csv, "name,price\nTee,5\nTee,6\n");
        let keys: Vec<&str> = parsed
            .records
            .iter()
            .map(|record| record.key.as_str())
            .collect();
        assert_eq!(keys, vec!["Tee", "Tee#2"]);
    }
}
