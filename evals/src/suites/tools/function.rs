//! BFCL's function documents and their conversion to the OpenAI tools API.
//!
//! BFCL writes parameter schemas in a Python flavour of JSON Schema: `"type": "dict"`,
//! `"float"`, `"tuple"`, `"any"`, and an `optional` flag. An OpenAI-compatible endpoint
//! validates tool schemas, so they are converted to standard JSON Schema before they are sent
//! (`dict` → `object`, `float` → `number`, `tuple` → `array`, `any` → no `type`, `optional`
//! dropped). Function names may contain dots (`math.factorial`), which the API forbids: they
//! are sent with underscores, as BFCL's own harness does for function-calling models, and
//! mapped back before scoring.

use charla_agent::model::ToolSchema;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The sentence BFCL's harness appends to every Python function's description.
const PYTHON_NOTE: &str = " Note that the provided function is in Python 3 syntax.";

/// One function a BFCL example offers, as the dataset writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct Function {
    /// The name, possibly dotted (`math.hypot`).
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// The parameters: `{"type": "dict", "properties": {...}, "required": [...]}`.
    pub parameters: Value,
}

impl Function {
    /// The schema of parameter `name`, if the function has one.
    pub fn property(&self, name: &str) -> Option<&Value> {
        self.parameters.get("properties")?.get(name)
    }

    /// The names of the required parameters.
    pub fn required(&self) -> impl Iterator<Item = &str> {
        self.parameters
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// The tool as the chat endpoint receives it.
    pub fn to_tool(&self) -> ToolSchema {
        ToolSchema {
            name: api_name(&self.name),
            description: format!("{}{PYTHON_NOTE}", self.description),
            parameters: json_schema(&self.parameters),
        }
    }
}

/// A function's name as the API accepts it (`[a-zA-Z0-9_-]`): dots become underscores.
pub fn api_name(name: &str) -> String {
    name.replace('.', "_")
}

/// The dataset's names of `functions` by their API names, to map the model's calls back. When
/// two names collide once converted, the first keeps the API name.
pub fn names_by_api_name(functions: &[Function]) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for function in functions {
        names
            .entry(api_name(&function.name))
            .or_insert_with(|| function.name.clone());
    }
    names
}

/// The JSON Schema type of a BFCL type, or `None` for one that accepts anything.
fn json_type(bfcl: &str) -> Option<&'static str> {
    Some(match bfcl {
        "dict" | "object" => "object",
        "float" | "number" => "number",
        "integer" | "int" => "integer",
        "tuple" | "array" | "list" => "array",
        "boolean" | "bool" => "boolean",
        "string" => "string",
        "null" => "null",
        // "any" and anything unknown: no constraint rather than a schema the API rejects.
        _ => return None,
    })
}

/// `schema` converted to standard JSON Schema (see the module's header).
pub fn json_schema(schema: &Value) -> Value {
    let Value::Object(fields) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in fields {
        match key.as_str() {
            "type" => {
                if let Some(t) = value.as_str().and_then(json_type) {
                    out.insert(key.clone(), Value::String(t.to_string()));
                }
            }
            "properties" => {
                let properties: Map<String, Value> = value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, property)| (name.clone(), json_schema(property)))
                    .collect();
                out.insert(key.clone(), Value::Object(properties));
            }
            "items" | "additionalProperties" => {
                out.insert(key.clone(), json_schema(value));
            }
            // Not JSON Schema: whether a parameter is optional is said by `required`.
            "optional" => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn python_types_become_json_schema_types() {
        let bfcl = json!({
            "type": "dict",
            "properties": {
                "ratio": {"type": "float", "description": "A ratio.", "default": 0.5},
                "point": {"type": "tuple", "items": {"type": "float"}},
                "anything": {"type": "any", "description": "Whatever."},
                "options": {"type": "dict", "properties": {"deep": {"type": "boolean"}}},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                "note": {"type": "string", "optional": true}
            },
            "required": ["ratio"]
        });
        assert_eq!(
            json_schema(&bfcl),
            json!({
                "type": "object",
                "properties": {
                    "ratio": {"type": "number", "description": "A ratio.", "default": 0.5},
                    "point": {"type": "array", "items": {"type": "number"}},
                    "anything": {"description": "Whatever."},
                    "options": {"type": "object", "properties": {"deep": {"type": "boolean"}}},
                    "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                    "note": {"type": "string"}
                },
                "required": ["ratio"]
            })
        );
    }

    #[test]
    fn dotted_names_are_sent_with_underscores_and_mapped_back() {
        let function: Function = serde_json::from_value(json!({
            "name": "math.factorial",
            "description": "Factorial.",
            "parameters": {"type": "dict", "properties": {"number": {"type": "integer"}},
                           "required": ["number"]}
        }))
        .unwrap();
        let tool = function.to_tool();
        assert_eq!(tool.name, "math_factorial");
        assert_eq!(
            tool.description,
            "Factorial. Note that the provided function is in Python 3 syntax."
        );
        assert_eq!(tool.parameters["type"], "object");
        let names = names_by_api_name(&[function]);
        assert_eq!(names["math_factorial"], "math.factorial");
    }

    #[test]
    fn required_and_properties_are_read_from_the_parameters() {
        let function: Function = serde_json::from_value(json!({
            "name": "f",
            "parameters": {"type": "dict", "properties": {"a": {"type": "integer"}},
                           "required": ["a"]}
        }))
        .unwrap();
        assert_eq!(function.required().collect::<Vec<_>>(), ["a"]);
        assert!(function.property("a").is_some());
        assert!(function.property("b").is_none());
    }
}
