//! Tabular sources (CSV, TSV, JSON, JSONL) as rows of `(column, value)` cells with the line
//! each row starts on. Rows that cannot be read become rejections; the rest is still read.

use super::{Format, Rejection, json_lines};
use serde_json::Value;

/// One row: an object of a JSON array, a JSON line, or a CSV record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// The 1-based line the row starts on.
    pub line: usize,
    /// The 1-based position of the row in a JSON array: the line alone does not tell apart
    /// items written on one line (a minified export). `None` for CSV records and JSON lines.
    pub item: Option<usize>,
    /// The cells as `(column as written, value)`, in column order.
    pub cells: Vec<(String, Value)>,
}

/// The rows of a tabular source.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Table {
    /// The CSV header, or every key seen in a JSON source, in order of first appearance.
    pub columns: Vec<String>,
    /// The rows that could be read.
    pub rows: Vec<Row>,
    /// The rows that could not.
    pub rejected: Vec<Rejection>,
}

/// Reads a tabular `text`. For a JSON object, the rows are the array under the first of
/// `array_keys` it has (compared case-insensitively).
pub(crate) fn read(source: &str, format: Format, text: &str, array_keys: &[&str]) -> Table {
    match format {
        Format::Json => json(source, text, array_keys),
        Format::Jsonl => jsonl(source, text),
        Format::Tsv => csv(source, text, Some(b'\t')),
        _ => csv(source, text, None),
    }
}

fn csv(source: &str, text: &str, delimiter: Option<u8>) -> Table {
    let mut table = Table::default();
    // Excel writes "sep=;" as a first line to say which delimiter it used.
    let (text, skipped_lines, hinted) = match text.split_once('\n') {
        Some((first, rest)) if first.trim().to_ascii_lowercase().starts_with("sep=") => {
            let hint = first.trim().as_bytes().get(4).copied();
            (rest, 1, hint)
        }
        _ => (text, 0, None),
    };
    let delimiter = delimiter
        .or(hinted)
        .unwrap_or_else(|| sniff_delimiter(text));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            table.rejected.push(Rejection::new(
                source,
                1 + skipped_lines,
                format!("unreadable header: {error}"),
            ));
            return table;
        }
    };
    table.columns = headers
        .iter()
        .enumerate()
        .map(|(index, name)| {
            if name.is_empty() {
                format!("column_{}", index + 1)
            } else {
                name.to_string()
            }
        })
        .collect();
    for result in reader.records() {
        let record = match result {
            Ok(record) => record,
            Err(error) => {
                let line = error
                    .position()
                    .map_or(0, |position| position.line() as usize);
                table.rejected.push(Rejection::new(
                    source,
                    line + skipped_lines,
                    format!("unreadable row: {error}"),
                ));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(0, |position| position.line() as usize)
            + skipped_lines;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > table.columns.len() {
            let shown = if delimiter == b'\t' {
                "tab".to_string()
            } else {
                char::from(delimiter).to_string()
            };
            table.rejected.push(Rejection::new(
                source,
                line,
                format!(
                    "row has {} values but the header has {} columns (put values that contain `{shown}` in double quotes)",
                    record.len(),
                    table.columns.len()
                ),
            ));
            continue;
        }
        let cells = table
            .columns
            .iter()
            .zip(record.iter())
            .map(|(column, value)| (column.clone(), Value::String(value.to_string())))
            .collect();
        table.rows.push(Row {
            line,
            item: None,
            cells,
        });
    }
    table
}

/// The delimiter used most on the header line, outside quotes: `,`, `;` (spreadsheets in
/// countries that write decimal commas), tab or `|`.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for byte in header.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (delimiter, count) in &mut counts {
                if byte == *delimiter {
                    *count += 1;
                }
            }
        }
    }
    // Ties go to the earlier (more common) delimiter.
    counts
        .iter()
        .fold((b',', 0), |best, &(delimiter, count)| {
            if count > best.1 {
                (delimiter, count)
            } else {
                best
            }
        })
        .0
}

fn json(source: &str, text: &str, array_keys: &[&str]) -> Table {
    let mut table = Table::default();
    if text.trim().is_empty() {
        return table;
    }
    let document: Value = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(error) => {
            table.rejected.push(Rejection::new(
                source,
                error.line().max(1),
                invalid_json(&error),
            ));
            return table;
        }
    };
    let (items, key) = match document {
        Value::Array(items) => (items, None),
        Value::Object(mut object) => {
            let found = array_keys.iter().find_map(|wanted| {
                object
                    .iter()
                    .find(|(key, value)| key.eq_ignore_ascii_case(wanted) && value.is_array())
                    .map(|(key, _)| key.clone())
            });
            match found.and_then(|key| object.remove(&key).map(|items| (items, key))) {
                Some((Value::Array(items), key)) => (items, Some(key)),
                _ => {
                    let expected = array_keys
                        .iter()
                        .map(|key| format!("`{key}`"))
                        .collect::<Vec<_>>()
                        .join(" or ");
                    table.rejected.push(Rejection::new(
                        source,
                        1,
                        format!(
                            "expected an array of objects, or an object with a {expected} array"
                        ),
                    ));
                    return table;
                }
            }
        }
        _ => {
            table
                .rejected
                .push(Rejection::new(source, 1, "expected an array of objects"));
            return table;
        }
    };
    let lines = json_lines::array_item_lines(text, key.as_deref());
    for (index, item) in items.into_iter().enumerate() {
        let line = lines.get(index).copied().unwrap_or(1);
        push_object(&mut table, source, line, Some(index + 1), item);
    }
    table
}

fn jsonl(source: &str, text: &str) -> Table {
    let mut table = Table::default();
    for (index, line_text) in text.lines().enumerate() {
        let line = index + 1;
        if line_text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line_text) {
            Ok(item) => push_object(&mut table, source, line, None, item),
            Err(error) => table
                .rejected
                .push(Rejection::new(source, line, invalid_json(&error))),
        }
    }
    table
}

fn push_object(table: &mut Table, source: &str, line: usize, position: Option<usize>, item: Value) {
    let Value::Object(object) = item else {
        let what = position.map_or_else(|| "line".to_string(), |n| format!("item {n}"));
        table.rejected.push(Rejection::new(
            source,
            line,
            format!("{what} is not a JSON object"),
        ));
        return;
    };
    for key in object.keys() {
        if !table.columns.contains(key) {
            table.columns.push(key.clone());
        }
    }
    table.rows.push(Row {
        line,
        item: position,
        cells: object.into_iter().collect(),
    });
}

/// "invalid JSON at column 12: expected `,` or `}`": the line is already in the rejection.
fn invalid_json(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    format!("invalid JSON at column {}: {message}", error.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_are_detected_as_the_delimiter() {
        assert_eq!(sniff_delimiter("sku;name;price\nA;B;19,99"), b';');
        assert_eq!(sniff_delimiter("\"a;b\",c,d\n"), b',');
        assert_eq!(sniff_delimiter("sku\tname\n"), b'\t');
    }

    #[test]
    fn csv_rows_keep_their_lines_even_with_quoted_newlines() {
        let table = read("t.csv", Format::Csv, "a,b\n1,\"x\ny\"\n2,z\n", &[]);
        let lines: Vec<usize> = table.rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, vec![2, 4]);
    }

    #[test]
    fn excel_separator_hint_is_honoured() {
        let table = read("t.csv", Format::Csv, "sep=;\nsku;price\nA;1,5\n", &[]);
        assert_eq!(table.columns, vec!["sku", "price"]);
        assert_eq!(table.rows[0].line, 3);
    }

    #[test]
    fn json_items_are_found_under_a_known_key_with_their_lines() {
        let text = "{\n  \"Products\": [\n    {\"sku\": \"a\"},\n    {\"sku\": \"b\"}\n  ]\n}";
        let table = read("t.json", Format::Json, text, &["products", "items"]);
        let lines: Vec<usize> = table.rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, vec![3, 4]);
    }

    #[test]
    fn invalid_json_is_one_rejection_with_line_and_column() {
        let table = read(
            "t.json",
            Format::Json,
            "[\n {\"a\": 1},\n {\"a\" 2}\n]",
            &[],
        );
        assert!(table.rows.is_empty());
        assert_eq!(table.rejected.len(), 1);
        assert_eq!(table.rejected[0].line, 3);
        assert!(
            table.rejected[0]
                .reason
                .starts_with("invalid JSON at column 7"),
            "{}",
            table.rejected[0].reason
        );
    }
}
