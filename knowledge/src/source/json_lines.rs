//! Where each item of a JSON array starts, so a rejected item can be reported by line:
//! serde_json's `Value` keeps no positions. The text has already been parsed successfully, so
//! this scanner only tracks strings, nesting and newlines.

/// The 1-based line on which each item of the array starts: the top-level array when `key` is
/// `None`, else the array under the top-level object's `key`.
pub(crate) fn array_item_lines(text: &str, key: Option<&str>) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut line = 1;
    let mut depth = 0usize;
    let mut target_depth: Option<usize> = None;
    let mut expecting_item = false;
    let mut last_top_level_string: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let starts_value = !matches!(c, '\n' | ' ' | '\t' | '\r' | ',' | ':' | ']' | '}');
        if starts_value && expecting_item && target_depth == Some(depth) {
            lines.push(line);
            expecting_item = false;
        }
        match c {
            '\n' => line += 1,
            '"' => {
                let mut string = String::new();
                let mut escaped = false;
                for c in chars.by_ref() {
                    match c {
                        '\n' => line += 1,
                        '\\' if !escaped => {
                            escaped = true;
                            continue;
                        }
                        '"' if !escaped => break,
                        _ => {}
                    }
                    escaped = false;
                    string.push(c);
                }
                if depth == 1 {
                    last_top_level_string = Some(string);
                }
            }
            '[' | '{' => {
                depth += 1;
                let is_target = match key {
                    None => depth == 1,
                    Some(key) => depth == 2 && last_top_level_string.as_deref() == Some(key),
                };
                if c == '[' && is_target && target_depth.is_none() && lines.is_empty() {
                    target_depth = Some(depth);
                    expecting_item = true;
                }
            }
            ']' | '}' => {
                if target_depth == Some(depth) {
                    target_depth = None;
                    expecting_item = false;
                }
                depth = depth.saturating_sub(1);
            }
            ',' if target_depth == Some(depth) => expecting_item = true,
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_items_are_located() {
        let text = "[\n  {\"a\": \"x,[y\"},\n  {\"a\": [1,\n 2]},\n\n  3\n]";
        assert_eq!(array_item_lines(text, None), vec![2, 3, 6]);
    }

    #[test]
    fn items_under_a_key_are_located_and_other_arrays_ignored() {
        let text = "{\"tags\": [\"a\",\n \"b\"],\n \"items\": [\n {\"q\": \"\\\"x\\\"\"},\n {\"q\": \"y\"}]}";
        assert_eq!(array_item_lines(text, Some("items")), vec![4, 5]);
    }

    #[test]
    fn an_empty_array_has_no_items() {
        assert!(array_item_lines("[ ]", None).is_empty());
    }
}
