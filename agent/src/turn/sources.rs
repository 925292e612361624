//! Reading the search tools' outputs: which sources a turn retrieved, whether it found
//! anything, and a one-line description of an output for the operator's summary.

use super::ToolCallRecord;
use serde_json::Value;

/// Tools whose output lists retrieved records, and the array that holds them.
const SEARCH_OUTPUTS: &[(&str, &str)] = &[
    ("catalog_search", "items"),
    ("knowledge_search", "passages"),
];

/// Every source the turn retrieved (context passages first, then tool results), each once,
/// in order of first appearance.
pub(super) fn retrieved(records: &[ToolCallRecord], context_sources: &[String]) -> Vec<String> {
    let mut sources: Vec<String> = Vec::new();
    let mut add = |source: &str| {
        if !source.is_empty() && !sources.iter().any(|s| s == source) {
            sources.push(source.to_string());
        }
    };
    for source in context_sources {
        add(source);
    }
    for record in records {
        for item in search_results(record) {
            if let Some(source) = item.get("source").and_then(Value::as_str) {
                add(source);
            }
        }
    }
    sources
}

/// Whether the turn failed to help: a tool failed, or it searched and found nothing at all.
pub(super) fn turn_failed(records: &[ToolCallRecord]) -> bool {
    if records
        .iter()
        .any(|r| !r.ok && r.name != "handoff_to_human")
    {
        return true;
    }
    let searches: Vec<&ToolCallRecord> = records.iter().filter(|r| is_search(&r.name)).collect();
    !searches.is_empty() && searches.iter().all(|r| search_results(r).is_empty())
}

/// "3 results: A, B, C" for searches; the output's keys otherwise.
pub(super) fn describe_output(output: &Value) -> String {
    for (_, key) in SEARCH_OUTPUTS {
        if let Some(items) = output.get(*key).and_then(Value::as_array) {
            let titles: Vec<&str> = items
                .iter()
                .take(3)
                .filter_map(|i| {
                    i.get("name")
                        .or_else(|| i.get("title"))
                        .and_then(Value::as_str)
                })
                .collect();
            return match items.len() {
                0 => "no results".to_string(),
                n => format!("{n} results: {}", titles.join("; ")),
            };
        }
    }
    match output.as_object() {
        Some(object) => object.keys().cloned().collect::<Vec<_>>().join(", "),
        None => output.to_string(),
    }
}

fn is_search(name: &str) -> bool {
    SEARCH_OUTPUTS.iter().any(|(tool, _)| *tool == name)
}

fn search_results(record: &ToolCallRecord) -> &[Value] {
    let Some(key) = SEARCH_OUTPUTS
        .iter()
        .find(|(tool, _)| *tool == record.name)
        .map(|(_, key)| *key)
    else {
        return &[];
    };
    record
        .output
        .as_ref()
        .and_then(|o| o.get(key))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}
