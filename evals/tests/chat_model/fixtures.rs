//! Tiny datasets in the shape of `shared/datasets/bfcl_v4` and `shared/datasets/sgd`, written
//! into a temporary folder.

use serde_json::{Value, json};
use std::path::Path;

/// Every single-turn category `tools:bfcl` runs by default.
const CATEGORIES: [&str; 11] = [
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_relevance",
    "live_irrelevance",
];

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn jsonl(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn factorial() -> Value {
    json!({"name": "math.factorial", "description": "Factorial of a number.",
           "parameters": {"type": "dict", "properties": {
               "number": {"type": "integer", "description": "The number."}},
           "required": ["number"]}})
}

fn hypotenuse() -> Value {
    json!({"name": "math.hypot", "description": "Length of the hypotenuse.",
           "parameters": {"type": "dict", "properties": {
               "x": {"type": "integer"}, "y": {"type": "integer"},
               "z": {"type": "integer", "description": "Optional third side."}},
           "required": ["x", "y"]}})
}

fn triangle_area() -> Value {
    json!({"name": "geometry.area_triangle", "description": "Area of a triangle.",
           "parameters": {"type": "dict", "properties": {
               "base": {"type": "integer"}, "height": {"type": "float"},
               "unit": {"type": "string"}},
           "required": ["base", "height"]}})
}

fn example(id: &str, question: &str, functions: Vec<Value>) -> Value {
    json!({"id": id, "question": [[{"role": "user", "content": question}]],
           "function": functions})
}

fn answer(id: &str, ground_truth: Value) -> Value {
    json!({"id": id, "ground_truth": ground_truth})
}

/// BFCL: 3 simple_python examples, 2 irrelevance, 2 parallel, with their answers; every
/// other category gets one example (counted when not run) and no answers.
pub fn bfcl(root: &Path) {
    let data = "bfcl_v4/data";
    for category in CATEGORIES {
        let line = example(
            &format!("{category}_0"),
            "Calculate the factorial of 5.",
            vec![factorial()],
        );
        write(
            root,
            &format!("{data}/BFCL_v4_{category}.json"),
            &jsonl(&[line]),
        );
    }
    write(
        root,
        &format!("{data}/BFCL_v4_simple_python.json"),
        &jsonl(&[
            example(
                "simple_python_0",
                "Calculate the factorial of 5.",
                vec![factorial()],
            ),
            example(
                "simple_python_1",
                "Calculate the factorial of 6.",
                vec![factorial()],
            ),
            example(
                "simple_python_2",
                "Find the hypotenuse of a right triangle with sides 3 and 4.",
                vec![hypotenuse()],
            ),
        ]),
    );
    write(
        root,
        &format!("{data}/possible_answer/BFCL_v4_simple_python.json"),
        &jsonl(&[
            answer(
                "simple_python_0",
                json!([{"math.factorial": {"number": [5]}}]),
            ),
            answer(
                "simple_python_1",
                json!([{"math.factorial": {"number": [6]}}]),
            ),
            answer(
                "simple_python_2",
                json!([{"math.hypot": {"x": [3], "y": [4], "z": ["", 0]}}]),
            ),
        ]),
    );
    write(
        root,
        &format!("{data}/BFCL_v4_irrelevance.json"),
        &jsonl(&[
            example(
                "irrelevance_0",
                "What's the weather in Paris?",
                vec![factorial()],
            ),
            example("irrelevance_1", "Tell me a joke.", vec![factorial()]),
        ]),
    );
    let two = "Find the areas of two triangles: base 10 and height 5, then base 8 and height 4.";
    let small =
        "Find the areas of two small triangles: base 1 and height 2, then base 3 and height 4.";
    write(
        root,
        &format!("{data}/BFCL_v4_parallel.json"),
        &jsonl(&[
            example("parallel_0", two, vec![triangle_area()]),
            example("parallel_1", small, vec![triangle_area()]),
        ]),
    );
    let area = |base: i64, height: f64| {
        json!({"geometry.area_triangle": {"base": [base], "height": [height],
                                          "unit": ["", "units"]}})
    };
    write(
        root,
        &format!("{data}/possible_answer/BFCL_v4_parallel.json"),
        &jsonl(&[
            answer("parallel_0", json!([area(10, 5.0), area(8, 4.0)])),
            answer("parallel_1", json!([area(1, 2.0), area(3, 4.0)])),
        ]),
    );
}

/// SGD: a schema of two services and three dialogues, each with one service call.
pub fn sgd(root: &Path) {
    let slot = |name: &str, description: &str| {
        json!({"name": name, "description": description, "is_categorical": false,
               "possible_values": []})
    };
    let schema = json!([
        {"service_name": "Restaurants_2", "description": "Restaurant reservations",
         "slots": [slot("restaurant_name", "Name of the restaurant"),
                   slot("location", "City of the restaurant"),
                   slot("time", "Time of the reservation"),
                   slot("number_of_seats", "Number of seats"),
                   slot("category", "Cuisine")],
         "intents": [
            {"name": "ReserveRestaurant", "description": "Reserve a table",
             "is_transactional": true,
             "required_slots": ["restaurant_name", "location", "time"],
             "optional_slots": {"number_of_seats": "2"}, "result_slots": []},
            {"name": "FindRestaurants", "description": "Find restaurants",
             "is_transactional": false, "required_slots": ["category", "location"],
             "optional_slots": {}, "result_slots": []}]},
        {"service_name": "Hotels_4", "description": "Hotel search",
         "slots": [slot("location", "City of the hotel")],
         "intents": [
            {"name": "SearchHotel", "description": "Find a hotel", "is_transactional": false,
             "required_slots": ["location"], "optional_slots": {}, "result_slots": []}]}
    ]);
    let turn = |speaker: &str, utterance: &str| json!({"speaker": speaker, "utterance": utterance, "frames": []});
    let call = |utterance: &str, service: &str, method: &str, parameters: Value| {
        json!({"speaker": "SYSTEM", "utterance": utterance, "frames": [
            {"service": service, "actions": [], "slots": [],
             "service_call": {"method": method, "parameters": parameters},
             "service_results": []}]})
    };
    let dialogues = json!([
        {"dialogue_id": "1_00000", "services": ["Restaurants_2"], "turns": [
            turn("USER", "I want a table at Sushi Zone in Palo Alto at 7 pm."),
            turn("SYSTEM", "Please confirm: Sushi Zone in Palo Alto at 7 pm."),
            turn("USER", "Yes, book it."),
            call("Your table is booked.", "Restaurants_2", "ReserveRestaurant",
                 json!({"restaurant_name": "Sushi Zone", "location": "Palo Alto",
                        "time": "19:00"}))]},
        {"dialogue_id": "1_00001", "services": ["Restaurants_2"], "turns": [
            turn("USER", "Book Taqueria in San Jose at noon for 4."),
            turn("SYSTEM", "Please confirm: Taqueria in San Jose at 12 pm for 4."),
            turn("USER", "Sure, go ahead."),
            call("Done.", "Restaurants_2", "ReserveRestaurant",
                 json!({"restaurant_name": "Taqueria", "location": "San Jose",
                        "time": "12:00", "number_of_seats": "4"}))]},
        {"dialogue_id": "1_00002", "services": ["Hotels_4"], "turns": [
            turn("USER", "Find me a hotel in London."),
            call("I found 10 hotels.", "Hotels_4", "SearchHotel",
                 json!({"location": "London"})),
            turn("USER", "Thanks, that's all."),
            turn("SYSTEM", "Goodbye.")]}
    ]);
    write(root, "sgd/test/schema.json", &schema.to_string());
    write(root, "sgd/test/dialogues_001.json", &dialogues.to_string());
}

/// A tiny CLINC150-shaped dataset: two intents and out-of-scope examples for training, four
/// test queries.
pub fn clinc150(root: &Path) {
    let line = |text: &str, label: &str| json!({"text": text, "label": label});
    write(
        root,
        "clinc150/train.jsonl",
        &jsonl(&[
            line("what is my balance", "balance"),
            line("how much money is in my account", "balance"),
            line("send 20 dollars to john", "transfer"),
            line("move money to savings", "transfer"),
            line("what is the capital of france", "oos"),
        ]),
    );
    write(
        root,
        "clinc150/test.jsonl",
        &jsonl(&[
            line("tell me my balance please", "balance"),
            line("transfer 50 to my mom", "transfer"),
            line("tell me a joke", "oos"),
            line("how much do I have", "balance"),
        ]),
    );
}
