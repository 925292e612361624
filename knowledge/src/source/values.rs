//! Reading the values of a catalog as people write them: prices (`19,99`, `€19.99`,
//! `1.299,00 €`, `19.99 EUR`), currencies, stock counts and availability words in the
//! languages charla serves.

use super::columns::fold;
use serde_json::Value;

/// A price read from a cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Price {
    /// The amount.
    pub amount: f64,
    /// The ISO 4217 code the cell named, if any (`$` alone names none: too many currencies use it).
    pub currency: Option<String>,
}

/// Reads a price cell. The error is the reason, ready for a rejection.
///
/// Separators: with both `.` and `,`, the last one is the decimal separator (`1.299,00`,
/// `1,299.00`); a lone `,` is decimal unless exactly three digits follow (`19,99` vs `1,299`);
/// a lone `.` is decimal (`1.299` is one euro and 299 thousandths, as in JSON); repeated
/// separators group thousands. Negative amounts are refused.
pub(crate) fn price(value: &Value) -> Result<Price, String> {
    let price = match value {
        Value::Number(number) => number.as_f64().map(|amount| Price {
            amount,
            currency: None,
        }),
        Value::String(text) => price_text(text),
        // {"amount": 19.99, "currency": "EUR"}, as e-commerce APIs export it.
        Value::Object(object) => {
            let amount = ["amount", "value", "price"]
                .iter()
                .find_map(|key| object.get(*key));
            let code = ["currency", "currency_code", "currencyCode"]
                .iter()
                .find_map(|key| object.get(*key));
            return match amount {
                Some(amount) if !amount.is_object() => price(amount).map(|mut price| {
                    price.currency = code.and_then(currency).or(price.currency);
                    price
                }),
                _ => Err(format!("price `{}` is not a number", display(value))),
            };
        }
        _ => None,
    };
    match price {
        Some(price) if price.amount.is_finite() && price.amount >= 0.0 => Ok(price),
        Some(_) => Err(format!("price `{}` is negative", display(value))),
        None => Err(format!("price `{}` is not a number", display(value))),
    }
}

fn display(value: &Value) -> String {
    match value {
        Value::String(text) => text.trim().to_string(),
        other => other.to_string(),
    }
}

fn price_text(text: &str) -> Option<Price> {
    let mut currency = None;
    let mut rest = text.trim().to_string();
    for (symbol, code) in [
        ("R$", "BRL"),
        ("US$", "USD"),
        ("€", "EUR"),
        ("£", "GBP"),
        ("₹", "INR"),
    ] {
        if rest.contains(symbol) {
            rest = rest.replace(symbol, " ");
            currency = Some(code.to_string());
        }
    }
    rest = rest.replace('$', " ");
    let letters: String = rest.chars().filter(|c| c.is_alphabetic()).collect();
    if !letters.is_empty() {
        // Only a currency code may stand beside the number: "19.99 EUR", "EUR 19.99".
        if letters.chars().count() != 3 || !letters.is_ascii() {
            return None;
        }
        currency = Some(letters.to_ascii_uppercase());
        rest.retain(|c| !c.is_alphabetic());
    }
    // Spaces, non-breaking spaces and apostrophes group thousands ("1 299", "1'299").
    rest.retain(|c| !(c.is_whitespace() || c == '\'' || c == '’'));
    let amount = number(&rest)?;
    Some(Price { amount, currency })
}

fn number(text: &str) -> Option<f64> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    if !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == ',') {
        return None;
    }
    let commas = digits.matches(',').count();
    let dots = digits.matches('.').count();
    let normalised = match (commas, dots) {
        (0, 0) | (0, 1) => digits.to_string(),
        (_, 0) if commas > 1 => digits.replace(',', ""),
        (1, 0) => {
            let decimals = digits.rsplit(',').next().map_or(0, str::len);
            if decimals == 3 {
                digits.replace(',', "")
            } else {
                digits.replace(',', ".")
            }
        }
        (0, _) => digits.replace('.', ""),
        _ => {
            let last_comma = digits.rfind(',')?;
            let last_dot = digits.rfind('.')?;
            let (thousands, decimal) = if last_comma > last_dot {
                ('.', ',')
            } else {
                (',', '.')
            };
            if digits.matches(decimal).count() > 1 {
                return None;
            }
            digits.replace(thousands, "").replace(decimal, ".")
        }
    };
    let amount: f64 = normalised.parse().ok()?;
    Some(sign * amount)
}

/// A currency cell as an uppercase code (`eur` -> `EUR`, `€` -> `EUR`); other text as written.
pub(crate) fn currency(value: &Value) -> Option<String> {
    let text = value.as_str()?.trim();
    let code = match text {
        "€" => "EUR",
        "£" => "GBP",
        "R$" => "BRL",
        "US$" => "USD",
        _ if text.len() == 3 && text.chars().all(|c| c.is_ascii_alphabetic()) => {
            return Some(text.to_ascii_uppercase());
        }
        _ if text.is_empty() => return None,
        _ => return Some(text.to_string()),
    };
    Some(code.to_string())
}

/// A whole number of units in stock, if the cell is one (`5`, `5.0`, `"12"`, `"1,200"`).
pub(crate) fn stock(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        }),
        Value::String(text) => {
            let compact: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect();
            if let Ok(count) = compact.parse::<i64>() {
                return Some(count);
            }
            let grouped = compact.replace([',', '.'], "");
            let is_grouped = compact
                .split([',', '.'])
                .skip(1)
                .all(|group| group.len() == 3)
                && compact.contains([',', '.']);
            if is_grouped {
                grouped.parse().ok()
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether an availability cell says the product can be bought now (`in stock`, `disponible`,
/// `true`, schema.org `InStock`...) or not (`out of stock`, `agotado`, `esaurito`, `sold out`,
/// `preorder`...). `None` for words it does not know.
pub(crate) fn availability(value: &Value) -> Option<bool> {
    const AVAILABLE: &[&str] = &[
        "in stock",
        "instock",
        "available",
        "yes",
        "y",
        "true",
        "si",
        "sim",
        "ja",
        "oui",
        "disponible",
        "disponibles",
        "en stock",
        "hay stock",
        "en existencia",
        "disponibile",
        "in magazzino",
        "disponivel",
        "em estoque",
        "em stock",
        "auf lager",
        "verfugbar",
        "lieferbar",
        "op voorraad",
        "beschikbaar",
        "limited",
        "limited stock",
        "low stock",
        "few left",
        "last units",
        "ultimas unidades",
        "pocas unidades",
        "ultimi pezzi",
    ];
    const UNAVAILABLE: &[&str] = &[
        "out of stock",
        "outofstock",
        "sold out",
        "soldout",
        "unavailable",
        "not available",
        "no",
        "n",
        "false",
        "agotado",
        "agotada",
        "sin stock",
        "sin existencias",
        "no disponible",
        "esaurito",
        "esaurita",
        "non disponibile",
        "esgotado",
        "esgotada",
        "indisponivel",
        "sem estoque",
        "ausverkauft",
        "nicht verfugbar",
        "nicht lieferbar",
        "rupture de stock",
        "epuise",
        "indisponible",
        "uitverkocht",
        "niet beschikbaar",
        "discontinued",
        "descatalogado",
        "preorder",
        "pre order",
        "backorder",
        "back order",
        "on backorder",
        "bajo pedido",
        "su ordinazione",
        "sob encomenda",
    ];
    match value {
        Value::Bool(available) => Some(*available),
        Value::Number(number) => number.as_f64().map(|count| count > 0.0),
        Value::String(text) => {
            let folded = fold(text.trim());
            // schema.org values arrive as URLs: "https://schema.org/InStock".
            let word = folded.rsplit('/').next().unwrap_or(&folded);
            let words = word
                .split(|c: char| !c.is_alphanumeric())
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let compact = words.replace(' ', "");
            let known = |list: &[&str]| {
                list.iter()
                    .any(|phrase| *phrase == words || phrase.replace(' ', "") == compact)
            };
            if known(UNAVAILABLE) {
                Some(false)
            } else if known(AVAILABLE) {
                Some(true)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A cell as text: strings as they are (trimmed), numbers and booleans as written.
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.trim().to_string(),
        Value::Number(number) => match (number.as_i64(), number.as_u64()) {
            (Some(whole), _) => whole.to_string(),
            (None, Some(whole)) => whole.to_string(),
            _ => number.to_string(),
        },
        Value::Array(items) => items
            .iter()
            .map(text)
            .filter(|item| !item.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn amount(text: &str) -> Option<f64> {
        price(&json!(text)).ok().map(|price| price.amount)
    }

    #[test]
    fn prices_are_read_as_people_write_them() {
        assert_eq!(amount("19.99"), Some(19.99));
        assert_eq!(amount("19,99"), Some(19.99));
        assert_eq!(amount("€19.99"), Some(19.99));
        assert_eq!(amount("19.99 EUR"), Some(19.99));
        assert_eq!(amount("1.299,00 €"), Some(1299.0));
        assert_eq!(amount("$1,299.00"), Some(1299.0));
        assert_eq!(amount("1,299"), Some(1299.0));
        assert_eq!(amount("1 299,50"), Some(1299.5));
        assert_eq!(amount("1.000.000"), Some(1_000_000.0));
        assert_eq!(amount("0"), Some(0.0));
        assert_eq!(price(&json!(12.5)).ok().map(|p| p.amount), Some(12.5));
        let object = price(&json!({"amount": "19.99", "currency": "eur"})).ok();
        assert_eq!(
            object,
            Some(Price {
                amount: 19.99,
                currency: Some("EUR".into())
            })
        );
    }

    #[test]
    fn prices_name_their_currency_when_they_can() {
        let currency = |text: &str| price(&json!(text)).ok().and_then(|price| price.currency);
        assert_eq!(currency("€19.99").as_deref(), Some("EUR"));
        assert_eq!(currency("19.99 eur").as_deref(), Some("EUR"));
        assert_eq!(currency("R$ 10,00").as_deref(), Some("BRL"));
        assert_eq!(currency("$10"), None);
    }

    #[test]
    fn things_that_are_not_prices_are_refused_with_a_reason() {
        assert_eq!(
            price(&json!("abc")),
            Err("price `abc` is not a number".to_string())
        );
        assert!(price(&json!("call us")).is_err());
        assert!(price(&json!("12.50.3,1,2")).is_err());
        assert!(price(&json!("1,2,3.4.5")).is_err());
        assert!(price(&json!("")).is_err());
        assert!(price(&json!(true)).is_err());
        assert_eq!(
            price(&json!("-5")),
            Err("price `-5` is negative".to_string())
        );
    }

    #[test]
    fn stock_counts_are_whole_numbers() {
        assert_eq!(stock(&json!("12")), Some(12));
        assert_eq!(stock(&json!(3.0)), Some(3));
        assert_eq!(stock(&json!("1,200")), Some(1200));
        assert_eq!(stock(&json!("in stock")), None);
        assert_eq!(stock(&json!("2.5")), None);
    }

    #[test]
    fn availability_words_are_understood_in_several_languages() {
        for yes in [
            "In stock",
            "disponible",
            "Disponível",
            "https://schema.org/InStock",
            "yes",
        ] {
            assert_eq!(availability(&json!(yes)), Some(true), "{yes}");
        }
        for no in [
            "Out of stock",
            "AGOTADO",
            "esaurito",
            "sold-out",
            "OutOfStock",
            "false",
        ] {
            assert_eq!(availability(&json!(no)), Some(false), "{no}");
        }
        assert_eq!(availability(&json!("ask in shop")), None);
        assert_eq!(availability(&json!(false)), Some(false));
    }
}
