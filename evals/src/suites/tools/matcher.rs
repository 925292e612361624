//! BFCL's AST match: whether a model's calls are one of the acceptable answers.
//!
//! A ground-truth entry gives, per argument, a list of acceptable values; `""` in the list
//! means the argument may be omitted. A call matches an entry when (after BFCL's
//! `simple_function_checker`):
//! - the function is the entry's;
//! - every parameter the function's schema requires is given;
//! - every argument given is a parameter of the function and of the entry, has the schema's
//!   type, and its value is one of the acceptable ones;
//! - every argument of the entry without `""` is given.
//!
//! Leniency, as BFCL's checker: an integer is accepted for a `float` parameter (not for a
//! `float` list item); a value of the type the answers have is accepted when the schema says
//! otherwise (then compared exactly), and so are list items of the acceptable lists' type;
//! strings are compared after BFCL's `standardize_string` (spaces and `, . / - _ * ^`
//! removed, lowercased, `'` read as `"`), also inside lists and dicts; numbers compare by
//! value (`5` equals `5.0`). A dict argument matches when each of its keys has one of the
//! entry's values for that key and every key it omits may be omitted.
//!
//! Several calls (the parallel categories) must pair one-to-one with the entries, in any
//! order. BFCL pairs them greedily, in the entries' order; here a pairing is searched for
//! (augmenting paths), so a set of calls that only a different pairing fits is accepted where
//! BFCL would reject it. Such sets need two entries that accept the same call, which is rare.

use super::function::Function;
use serde_json::{Map, Value};
use std::fmt;

/// A call the model made: the dataset's function name and the parsed arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The function, its dotted name restored.
    pub function: String,
    /// The arguments.
    pub args: Map<String, Value>,
}

/// One acceptable call of a ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The function.
    pub function: String,
    /// Per argument, its acceptable values (`""` among them: it may be omitted).
    pub args: Map<String, Value>,
}

impl Expected {
    /// Reads one entry of `ground_truth`: `{"function": {"argument": [values...]}}`.
    ///
    /// Errors: an entry that is not an object with exactly one function of object arguments.
    pub fn from_ground_truth(entry: &Value) -> Result<Self, String> {
        let Some(object) = entry.as_object().filter(|o| o.len() == 1) else {
            return Err(format!(
                "ground truth entry {entry} is not {{function: args}}"
            ));
        };
        let Some((function, Value::Object(args))) = object.iter().next() else {
            return Err(format!("ground truth entry {entry} has no argument object"));
        };
        Ok(Self {
            function: function.clone(),
            args: args.clone(),
        })
    }
}

/// Why calls do not match the ground truth.
#[derive(Debug, Clone, PartialEq)]
pub enum Mismatch {
    /// Not as many calls as expected.
    WrongCount {
        /// Calls expected.
        expected: usize,
        /// Calls made.
        got: usize,
    },
    /// Another function was called.
    WrongFunction {
        /// The expected function.
        expected: String,
        /// The function called.
        got: String,
    },
    /// A parameter the schema requires, or one the answer cannot do without, was not given.
    MissingArgument(String),
    /// An argument the function or the answer does not have.
    UnknownArgument(String),
    /// An argument of the wrong type.
    WrongType {
        /// The argument.
        argument: String,
        /// The schema's type.
        expected: String,
        /// The value given.
        value: String,
    },
    /// An argument whose value is none of the acceptable ones.
    WrongValue {
        /// The argument.
        argument: String,
        /// The value given.
        value: String,
        /// The acceptable values.
        accepted: String,
    },
    /// With several calls: no call pairs with an expected one.
    Unmatched {
        /// The expected function left without a call.
        expected: String,
        /// Why the call of that function (if any) did not match.
        reason: Option<Box<Mismatch>>,
    },
    /// The ground truth names a function the example does not offer (a dataset error).
    UnknownExpectedFunction(String),
}

impl Mismatch {
    /// A short name of the kind of error, for counting.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::WrongCount { .. } => "wrong_count",
            Self::WrongFunction { .. } => "wrong_function",
            Self::MissingArgument(_) => "missing_argument",
            Self::UnknownArgument(_) => "unknown_argument",
            Self::WrongType { .. } => "wrong_type",
            Self::WrongValue { .. } => "wrong_value",
            Self::Unmatched { reason, .. } => {
                reason.as_deref().map_or("wrong_function", Self::kind)
            }
            Self::UnknownExpectedFunction(_) => "dataset_error",
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongCount { expected, got } => write!(f, "{got} calls, expected {expected}"),
            Self::WrongFunction { expected, got } => write!(f, "called {got}, expected {expected}"),
            Self::MissingArgument(a) => write!(f, "argument {a} missing"),
            Self::UnknownArgument(a) => write!(f, "unexpected argument {a}"),
            Self::WrongType {
                argument,
                expected,
                value,
            } => write!(f, "{argument} = {value} is not of type {expected}"),
            Self::WrongValue {
                argument,
                value,
                accepted,
            } => write!(f, "{argument} = {value}, accepted: {accepted}"),
            Self::Unmatched { expected, reason } => match reason {
                Some(reason) => write!(f, "no call matches {expected}: {reason}"),
                None => write!(f, "no call of {expected}"),
            },
            Self::UnknownExpectedFunction(name) => {
                write!(
                    f,
                    "the answer names {name}, which the example does not offer"
                )
            }
        }
    }
}

/// Whether `calls` are the ground truth `expected`, one call per entry in any order, with
/// `functions` the example's function documents.
pub fn match_calls(
    functions: &[Function],
    calls: &[Call],
    expected: &[Expected],
) -> Result<(), Mismatch> {
    if calls.len() != expected.len() {
        return Err(Mismatch::WrongCount {
            expected: expected.len(),
            got: calls.len(),
        });
    }
    if let ([call], [entry]) = (calls, expected) {
        return match_one(functions, call, entry);
    }
    let fits: Vec<Vec<usize>> = expected
        .iter()
        .map(|entry| {
            calls
                .iter()
                .enumerate()
                .filter(|(_, call)| match_one(functions, call, entry).is_ok())
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    let Some(unmatched) = unpaired(&fits, calls.len()) else {
        return Ok(());
    };
    let Some(entry) = expected.get(unmatched) else {
        return Ok(());
    };
    let reason = calls
        .iter()
        .find(|c| c.function == entry.function)
        .and_then(|call| match_one(functions, call, entry).err())
        .map(Box::new);
    Err(Mismatch::Unmatched {
        expected: entry.function.clone(),
        reason,
    })
}

/// The first entry left without a call by a maximum pairing of entries with the calls that
/// fit them (`fits[entry]`), or `None` when every entry has its own call.
fn unpaired(fits: &[Vec<usize>], calls: usize) -> Option<usize> {
    fn augment(
        entry: usize,
        fits: &[Vec<usize>],
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for &call in fits.get(entry).into_iter().flatten() {
            if seen.get(call).copied().unwrap_or(true) {
                continue;
            }
            seen[call] = true;
            let free = match owner[call] {
                None => true,
                Some(other) => augment(other, fits, seen, owner),
            };
            if free {
                owner[call] = Some(entry);
                return true;
            }
        }
        false
    }
    let mut owner: Vec<Option<usize>> = vec![None; calls];
    (0..fits.len()).find(|&entry| {
        let mut seen = vec![false; calls];
        !augment(entry, fits, &mut seen, &mut owner)
    })
}

fn match_one(functions: &[Function], call: &Call, entry: &Expected) -> Result<(), Mismatch> {
    let Some(function) = functions.iter().find(|f| f.name == entry.function) else {
        return Err(Mismatch::UnknownExpectedFunction(entry.function.clone()));
    };
    match_call(function, call, entry)
}

/// Whether `call` is the acceptable call `entry` of `function`.
pub fn match_call(function: &Function, call: &Call, entry: &Expected) -> Result<(), Mismatch> {
    if call.function != function.name {
        return Err(Mismatch::WrongFunction {
            expected: function.name.clone(),
            got: call.function.clone(),
        });
    }
    if let Some(missing) = function.required().find(|r| !call.args.contains_key(*r)) {
        return Err(Mismatch::MissingArgument(missing.to_string()));
    }
    for (argument, value) in &call.args {
        let (Some(schema), Some(accepted)) =
            (function.property(argument), entry.args.get(argument))
        else {
            return Err(Mismatch::UnknownArgument(argument.clone()));
        };
        check_value(argument, schema, value, as_list(accepted))?;
    }
    for (argument, accepted) in &entry.args {
        if !call.args.contains_key(argument) && !as_list(accepted).iter().any(is_omittable) {
            return Err(Mismatch::MissingArgument(argument.clone()));
        }
    }
    Ok(())
}

/// An answer's acceptable values (a bare value is read as the only one).
fn as_list(accepted: &Value) -> &[Value] {
    match accepted {
        Value::Array(values) => values,
        other => std::slice::from_ref(other),
    }
}

/// `""`, the mark of an argument that may be omitted.
fn is_omittable(value: &Value) -> bool {
    value.as_str() == Some("")
}

fn check_value(
    argument: &str,
    schema: &Value,
    value: &Value,
    accepted: &[Value],
) -> Result<(), Mismatch> {
    let declared = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    let items = schema
        .get("items")
        .and_then(|i| i.get("type"))
        .and_then(Value::as_str);
    let wrong_value = || Mismatch::WrongValue {
        argument: argument.to_string(),
        value: value.to_string(),
        accepted: Value::Array(accepted.to_vec()).to_string(),
    };
    let wrong_type = || Mismatch::WrongType {
        argument: argument.to_string(),
        expected: declared.to_string(),
        value: value.to_string(),
    };
    if !has_type(declared, value) {
        // BFCL's "variable" case: a value of the answers' own type is compared exactly,
        // whatever the schema says.
        let answers_type = accepted.iter().find(|a| !is_omittable(a)).map(json_kind);
        if answers_type != Some(json_kind(value)) {
            return Err(wrong_type());
        }
        return if accepted.contains(value) {
            Ok(())
        } else {
            Err(wrong_value())
        };
    }
    let items_ok = match (value, items) {
        (Value::Array(list), Some(items)) => items_fit(list, items, accepted),
        _ => true,
    };
    if !items_ok {
        return Err(wrong_type());
    }
    if accepted.iter().any(|a| same(value, a)) {
        Ok(())
    } else {
        Err(wrong_value())
    }
}

/// Whether a list's items have the schema's item type, BFCL's way: some acceptable value
/// must be a list whose items' type (the type of its first item) or the schema's each item
/// has, where Python's int is not a float; an acceptable value that is no list (`""`) lets
/// any list through.
fn items_fit(list: &[Value], items: &str, accepted: &[Value]) -> bool {
    accepted.iter().any(|answer| match answer {
        Value::Array(answer_items) => {
            let answer_type = answer_items
                .iter()
                .find(|a| !is_omittable(a))
                .map(json_kind);
            list.iter().all(|v| {
                let schema_type = match items {
                    "float" | "number" => v.is_f64(),
                    other => has_type(other, v),
                };
                schema_type || answer_type == Some(json_kind(v))
            })
        }
        _ => true,
    })
}

/// Whether `value` has BFCL type `declared` (a list's items are checked apart).
fn has_type(declared: &str, value: &Value) -> bool {
    match declared {
        "string" => value.is_string(),
        "integer" | "int" => value.is_i64() || value.is_u64(),
        // BFCL lets Python turn an int into a float.
        "float" | "number" => value.is_number(),
        "boolean" | "bool" => value.is_boolean(),
        "array" | "tuple" | "list" => value.is_array(),
        "dict" | "object" => value.is_object(),
        _ => true,
    }
}

/// The Python type a JSON value decodes to (`5` an int, `5.0` a float), as BFCL compares
/// types.
fn json_kind(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(n) if n.is_f64() => 2,
        Value::Number(_) => 3,
        Value::String(_) => 4,
        Value::Array(_) => 5,
        Value::Object(_) => 6,
    }
}

/// Whether a given value equals one acceptable value, BFCL's way.
fn same(value: &Value, accepted: &Value) -> bool {
    match (value, accepted) {
        (Value::String(v), Value::String(a)) => standardize(v) == standardize(a),
        (Value::Number(v), Value::Number(a)) => v.as_f64() == a.as_f64(),
        (Value::Array(v), Value::Array(a)) => {
            v.len() == a.len() && v.iter().zip(a).all(|(v, a)| same(v, a))
        }
        (Value::Object(v), Value::Object(a)) => dict_matches(v, a),
        _ => value == accepted,
    }
}

/// A dict against an answer dict whose values are lists of acceptable values.
fn dict_matches(value: &Map<String, Value>, accepted: &Map<String, Value>) -> bool {
    let given_ok = value.iter().all(|(key, v)| {
        accepted
            .get(key)
            .is_some_and(|options| as_list(options).iter().any(|o| same(v, o)))
    });
    let omitted_ok = accepted
        .iter()
        .filter(|(key, _)| !value.contains_key(*key))
        .all(|(_, options)| as_list(options).iter().any(is_omittable));
    given_ok && omitted_ok
}

/// BFCL's `standardize_string`: spaces and `, . / - _ * ^` removed, lowercased, `'` → `"`.
pub fn standardize(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | ',' | '.' | '/' | '-' | '_' | '*' | '^'))
        .collect::<String>()
        .to_lowercase()
        .replace('\'', "\"")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn area() -> Function {
        serde_json::from_value(json!({
            "name": "geometry.area",
            "description": "Area of a shape.",
            "parameters": {
                "type": "dict",
                "properties": {
                    "shape": {"type": "string"},
                    "base": {"type": "integer"},
                    "height": {"type": "float"},
                    "unit": {"type": "string"},
                    "options": {"type": "dict"},
                    "sides": {"type": "array", "items": {"type": "integer"}}
                },
                "required": ["shape", "base"]
            }
        }))
        .unwrap()
    }

    fn call(args: Value) -> Call {
        Call {
            function: "geometry.area".into(),
            args: args.as_object().unwrap().clone(),
        }
    }

    fn truth(args: Value) -> Expected {
        Expected::from_ground_truth(&json!({ "geometry.area": args })).unwrap()
    }

    fn check(args: Value, answer: Value) -> Result<(), Mismatch> {
        match_call(&area(), &call(args), &truth(answer))
    }

    fn triangle() -> Value {
        json!({"shape": ["triangle"], "base": [10], "height": [5.0, ""],
               "unit": ["cm", "centimeters", ""]})
    }

    #[test]
    fn the_expected_call_matches() {
        assert_eq!(
            check(
                json!({"shape": "triangle", "base": 10, "height": 5.0, "unit": "cm"}),
                triangle()
            ),
            Ok(())
        );
    }

    #[test]
    fn a_call_missing_a_required_argument_does_not_match() {
        assert_eq!(
            check(json!({"shape": "triangle", "height": 5.0}), triangle()),
            Err(Mismatch::MissingArgument("base".into()))
        );
    }

    #[test]
    fn an_optional_argument_may_be_omitted_when_the_answer_allows_it() {
        assert_eq!(
            check(json!({"shape": "triangle", "base": 10}), triangle()),
            Ok(())
        );
    }

    #[test]
    fn an_argument_the_answer_needs_must_be_given_even_if_the_schema_says_optional() {
        let answer = json!({"shape": ["triangle"], "base": [10], "height": [5.0]});
        assert_eq!(
            check(json!({"shape": "triangle", "base": 10}), answer),
            Err(Mismatch::MissingArgument("height".into()))
        );
    }

    #[test]
    fn any_listed_alternative_value_matches() {
        let args = json!({"shape": "triangle", "base": 10, "unit": "centimeters"});
        assert_eq!(check(args, triangle()), Ok(()));
        let args = json!({"shape": "triangle", "base": 10, "unit": "inches"});
        assert_eq!(check(args, triangle()).unwrap_err().kind(), "wrong_value");
    }

    #[test]
    fn strings_match_ignoring_case_spaces_and_bfcl_punctuation() {
        assert_eq!(standardize("April 1, 2024"), standardize("april 1 2024"));
        assert_eq!(standardize("New-York_City."), "newyorkcity");
        assert_eq!(standardize("it's"), "it\"s");
        assert_eq!(
            check(json!({"shape": " Tri-angle ", "base": 10}), triangle()),
            Ok(())
        );
        assert_ne!(standardize("triangle!"), standardize("triangle"));
    }

    #[test]
    fn an_integer_is_accepted_for_a_float_parameter_but_not_the_reverse() {
        assert_eq!(
            check(
                json!({"shape": "triangle", "base": 10, "height": 5}),
                triangle()
            ),
            Ok(())
        );
        assert_eq!(
            check(json!({"shape": "triangle", "base": 10.0}), triangle())
                .unwrap_err()
                .kind(),
            "wrong_type"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_does_not_match() {
        assert_eq!(
            check(json!({"shape": "triangle", "base": "10"}), triangle()),
            Err(Mismatch::WrongType {
                argument: "base".into(),
                expected: "integer".into(),
                value: "\"10\"".into()
            })
        );
        // Items of neither the schema's type nor the answer's.
        let sides = json!({"shape": ["square"], "base": [1], "sides": [[1, 2]]});
        assert_eq!(
            check(
                json!({"shape": "square", "base": 1, "sides": ["1", "2"]}),
                sides
            )
            .unwrap_err()
            .kind(),
            "wrong_type"
        );
    }

    #[test]
    fn list_items_may_have_the_answers_item_type_instead_of_the_schemas() {
        let sides = json!({"shape": ["square"], "base": [1], "sides": [["a", "b"]]});
        let given = json!({"shape": "square", "base": 1, "sides": ["A", "b"]});
        assert_eq!(check(given, sides), Ok(()));
        // An omittable list lets any list through the type check, to be compared after.
        let sides = json!({"shape": ["square"], "base": [1], "sides": ["", [1, 2]]});
        let given = json!({"shape": "square", "base": 1, "sides": ["1", "2"]});
        assert_eq!(check(given, sides).unwrap_err().kind(), "wrong_value");
    }

    #[test]
    fn a_value_of_the_answers_type_is_compared_exactly_whatever_the_schema_says() {
        let answer = json!({"shape": ["triangle"], "base": ["ten"]});
        assert_eq!(
            check(json!({"shape": "triangle", "base": "ten"}), answer.clone()),
            Ok(())
        );
        assert_eq!(
            check(json!({"shape": "triangle", "base": "Ten"}), answer)
                .unwrap_err()
                .kind(),
            "wrong_value"
        );
    }

    #[test]
    fn an_argument_outside_the_schema_or_the_answer_does_not_match() {
        assert_eq!(
            check(
                json!({"shape": "triangle", "base": 10, "colour": "red"}),
                triangle()
            ),
            Err(Mismatch::UnknownArgument("colour".into()))
        );
        // In the schema but not in the answer.
        assert_eq!(
            check(
                json!({"shape": "triangle", "base": 10, "sides": [1]}),
                triangle()
            ),
            Err(Mismatch::UnknownArgument("sides".into()))
        );
    }

    #[test]
    fn another_function_does_not_match() {
        let mut other = call(json!({"shape": "triangle", "base": 10}));
        other.function = "geometry.perimeter".into();
        assert_eq!(
            match_call(&area(), &other, &truth(triangle()))
                .unwrap_err()
                .kind(),
            "wrong_function"
        );
    }

    #[test]
    fn dict_arguments_match_key_by_key_with_omittable_keys() {
        let answer = json!({"shape": ["circle"], "base": [1],
                            "options": [{"precision": [2, 3], "round": ["", true]}]});
        let with = |options: Value| {
            check(
                json!({"shape": "circle", "base": 1, "options": options}),
                answer.clone(),
            )
        };
        assert_eq!(with(json!({"precision": 3})), Ok(()));
        assert_eq!(with(json!({"precision": 2, "round": true})), Ok(()));
        assert_eq!(
            with(json!({"precision": 4})).unwrap_err().kind(),
            "wrong_value"
        );
        assert_eq!(
            with(json!({"round": true})).unwrap_err().kind(),
            "wrong_value"
        );
        assert_eq!(
            with(json!({"precision": 2, "extra": 1}))
                .unwrap_err()
                .kind(),
            "wrong_value"
        );
    }

    fn parallel_call(base: i64) -> Call {
        call(json!({"shape": "triangle", "base": base}))
    }

    fn parallel_truth(bases: Value) -> Expected {
        truth(json!({"shape": ["triangle"], "base": bases}))
    }

    #[test]
    fn parallel_calls_match_in_any_order() {
        let expected = [
            parallel_truth(json!([1])),
            parallel_truth(json!([2])),
            parallel_truth(json!([3])),
        ];
        let calls = [parallel_call(3), parallel_call(1), parallel_call(2)];
        assert_eq!(match_calls(&[area()], &calls, &expected), Ok(()));
    }

    #[test]
    fn parallel_calls_pair_one_to_one() {
        // Two calls of base 1 cannot stand for the entries 1 and 2.
        let expected = [parallel_truth(json!([1])), parallel_truth(json!([2]))];
        let calls = [parallel_call(1), parallel_call(1)];
        let error = match_calls(&[area()], &calls, &expected).unwrap_err();
        assert_eq!(error.kind(), "wrong_value");
        assert!(
            error.to_string().contains("no call matches geometry.area"),
            "{error}"
        );
    }

    #[test]
    fn parallel_pairing_finds_the_fit_that_taking_calls_in_order_would_miss() {
        // Entry 0 accepts 1 or 2, entry 1 only 1: giving call 0 (base 1) to entry 0 first would
        // leave entry 1 without a call.
        let expected = [parallel_truth(json!([1, 2])), parallel_truth(json!([1]))];
        let calls = [parallel_call(1), parallel_call(2)];
        assert_eq!(match_calls(&[area()], &calls, &expected), Ok(()));
    }

    #[test]
    fn a_wrong_number_of_calls_does_not_match() {
        let expected = [parallel_truth(json!([1])), parallel_truth(json!([2]))];
        assert_eq!(
            match_calls(&[area()], &[parallel_call(1)], &expected),
            Err(Mismatch::WrongCount {
                expected: 2,
                got: 1
            })
        );
        assert_eq!(
            match_calls(&[area()], &[], &expected[..1]),
            Err(Mismatch::WrongCount {
                expected: 1,
                got: 0
            })
        );
    }

    #[test]
    fn a_ground_truth_entry_is_one_function_with_its_arguments() {
        assert!(Expected::from_ground_truth(&json!({"f": {"a": [1]}})).is_ok());
        assert!(Expected::from_ground_truth(&json!({"f": {}, "g": {}})).is_err());
        assert!(Expected::from_ground_truth(&json!({"f": [1]})).is_err());
    }
}
