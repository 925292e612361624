//! [`TurnMachine`]: the agent loop as a state machine with no I/O. It says what to do next
//! (call the model, run tools, finish) and is told what happened; the driver in
//! [`super::Agent`] does the calling. Keeping the decisions here makes every path of the loop
//! (tool calls, unknown tools, invalid arguments, the step limit) testable without a model.

use crate::model::{ChatMessage, ChatResponse, Choice, ModelError, ToolCall};
use charla_tools::{ToolError, ToolErrorKind};
use serde::Serialize;

/// What the driver does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Ask the model for the next message, with [`TurnMachine::messages`].
    CallModel,
    /// Run these tool calls (in order) and report with [`TurnMachine::tools_ran`].
    RunTools(Vec<ToolCall>),
    /// The turn is over.
    Finish(Finish),
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// The model answered.
    Reply {
        /// The answer.
        text: String,
        /// The sources the model says it quoted (empty: not said).
        cited_sources: Vec<String>,
        /// Options the reply offers to pick from.
        choices: Vec<Choice>,
    },
    /// The model kept asking for tools until the step limit.
    StepLimit,
    /// The model could not be reached or refused.
    ModelFailed(ModelError),
}

/// One tool call of a turn and how it went, as every surface shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCallRecord {
    /// The call's id (links the record to the stored tool result).
    #[serde(skip)]
    pub call_id: String,
    /// The tool's name, as the model called it.
    pub name: String,
    /// The arguments: parsed JSON, or the raw text when it was not valid JSON.
    pub arguments: serde_json::Value,
    /// Whether it succeeded.
    pub ok: bool,
    /// What went wrong, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The kind of error, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ToolErrorKind>,
    /// The tool's output, when it succeeded (not shown in summaries; sources come from here).
    #[serde(skip)]
    pub output: Option<serde_json::Value>,
}

/// The result of running one tool call.
#[derive(Debug, Clone)]
pub struct ToolOutcome {
    /// The call as the model made it.
    pub call: ToolCall,
    /// Its arguments parsed, or `None` when they were not valid JSON.
    pub arguments: Option<serde_json::Value>,
    /// The output, or the error to feed back to the model.
    pub result: Result<serde_json::Value, ToolError>,
}

impl ToolOutcome {
    /// The message the model reads: the output, or `{"error": {"kind", "message"}}` so it
    /// can correct itself.
    pub fn to_message_content(&self) -> String {
        let value = match &self.result {
            Ok(output) => output.clone(),
            Err(error) => serde_json::json!({
                "error": { "kind": error.kind, "message": error.message }
            }),
        };
        value.to_string()
    }

    /// The record every surface shows of this call.
    pub fn record(&self) -> ToolCallRecord {
        ToolCallRecord {
            call_id: self.call.id.clone(),
            name: self.call.name.clone(),
            arguments: self
                .arguments
                .clone()
                .unwrap_or_else(|| serde_json::Value::String(self.call.arguments.clone())),
            ok: self.result.is_ok(),
            error: self.result.as_ref().err().map(|e| e.message.clone()),
            error_kind: self.result.as_ref().err().map(|e| e.kind),
            output: self.result.as_ref().ok().cloned(),
        }
    }
}

/// Parses a tool call's JSON arguments; malformed JSON becomes an invalid-arguments error the
/// model can read and fix.
pub fn parse_arguments(call: &ToolCall) -> Result<serde_json::Value, ToolError> {
    let text = call.arguments.trim();
    if text.is_empty() {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    serde_json::from_str(text).map_err(|e| {
        ToolError::new(
            ToolErrorKind::InvalidArguments,
            format!(
                "the arguments of {} are not valid JSON ({e}); send a JSON object",
                call.name
            ),
        )
    })
}

/// The loop of one turn: messages so far, steps taken, and what was done.
#[derive(Debug, Clone)]
pub struct TurnMachine {
    messages: Vec<ChatMessage>,
    /// Messages added during this turn start here (the rest was history).
    turn_start: usize,
    model_calls: usize,
    max_model_calls: usize,
    state: State,
    records: Vec<ToolCallRecord>,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    NeedModel,
    NeedTools(Vec<ToolCall>),
    Done(Finish),
}

impl TurnMachine {
    /// A turn over `messages` (system prompt, history, the customer's message) that calls the
    /// model at most `max_model_calls` times (at least once).
    pub fn new(messages: Vec<ChatMessage>, max_model_calls: usize) -> Self {
        let turn_start = messages.len();
        Self {
            messages,
            turn_start,
            model_calls: 0,
            max_model_calls: max_model_calls.max(1),
            state: State::NeedModel,
            records: Vec::new(),
        }
    }

    /// What to do next.
    pub fn next(&self) -> Next {
        match &self.state {
            State::NeedModel => Next::CallModel,
            State::NeedTools(calls) => Next::RunTools(calls.clone()),
            State::Done(finish) => Next::Finish(finish.clone()),
        }
    }

    /// The conversation as the model must see it now.
    pub fn messages(&self) -> &[ChatMessage] {
        &self.messages
    }

    /// The messages this turn added (assistant tool calls and tool results), to persist.
    pub fn turn_messages(&self) -> &[ChatMessage] {
        self.messages.get(self.turn_start..).unwrap_or_default()
    }

    /// The tool calls made so far, in order.
    pub fn records(&self) -> &[ToolCallRecord] {
        &self.records
    }

    /// How many times the model was called.
    pub fn model_calls(&self) -> usize {
        self.model_calls
    }

    /// The model answered.
    pub fn model_answered(&mut self, response: ChatResponse) {
        if self.state != State::NeedModel {
            return;
        }
        self.model_calls += 1;
        let message = response.message;
        if message.tool_calls.is_empty() {
            let text = message.content.clone().unwrap_or_default();
            self.state = State::Done(Finish::Reply {
                text,
                cited_sources: response.cited_sources,
                choices: response.choices,
            });
            return;
        }
        if self.model_calls >= self.max_model_calls {
            // Running these tools would need one more model call to say anything about them.
            self.state = State::Done(Finish::StepLimit);
            return;
        }
        let calls = message.tool_calls.clone();
        self.messages.push(message);
        self.state = State::NeedTools(calls);
    }

    /// The model failed (after the adapter's own retries).
    pub fn model_failed(&mut self, error: ModelError) {
        self.model_calls += 1;
        self.state = State::Done(Finish::ModelFailed(error));
    }

    /// The tools of the last [`Next::RunTools`] ran; their results go back to the model.
    pub fn tools_ran(&mut self, outcomes: Vec<ToolOutcome>) {
        if !matches!(self.state, State::NeedTools(_)) {
            return;
        }
        for outcome in &outcomes {
            self.messages.push(ChatMessage::tool_result(
                outcome.call.id.clone(),
                outcome.to_message_content(),
            ));
            self.records.push(outcome.record());
        }
        self.state = State::NeedModel;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::model::{FinishReason, Usage};

    fn response(message: ChatMessage) -> ChatResponse {
        ChatResponse {
            message,
            finish_reason: FinishReason::Stop,
            usage: Usage::default(),
            cited_sources: vec![],
            choices: vec![],
        }
    }

    fn call(id: &str, name: &str, args: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: args.into(),
        }
    }

    #[test]
    fn a_text_answer_finishes_the_turn() {
        let mut machine = TurnMachine::new(vec![ChatMessage::user("hi")], 4);
        assert_eq!(machine.next(), Next::CallModel);
        machine.model_answered(response(ChatMessage::assistant("hello")));
        assert_eq!(
            machine.next(),
            Next::Finish(Finish::Reply {
                text: "hello".into(),
                cited_sources: vec![],
                choices: vec![]
            })
        );
    }

    #[test]
    fn tool_results_go_back_to_the_model_in_call_order() {
        let mut machine = TurnMachine::new(vec![ChatMessage::user("hi")], 4);
        let calls = vec![call("a", "one", "{}"), call("b", "two", "{}")];
        machine.model_answered(response(ChatMessage::assistant_tool_calls(calls.clone())));
        assert_eq!(machine.next(), Next::RunTools(calls.clone()));
        let outcomes = calls
            .iter()
            .map(|c| ToolOutcome {
                call: c.clone(),
                arguments: Some(serde_json::json!({})),
                result: Ok(serde_json::json!({"n": c.id})),
            })
            .collect();
        machine.tools_ran(outcomes);
        assert_eq!(machine.next(), Next::CallModel);
        let ids: Vec<_> = machine
            .turn_messages()
            .iter()
            .filter_map(|m| m.tool_call_id.clone())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(machine.records().len(), 2);
    }

    #[test]
    fn a_model_that_only_calls_tools_stops_at_the_step_limit() {
        let mut machine = TurnMachine::new(vec![ChatMessage::user("hi")], 2);
        machine.model_answered(response(ChatMessage::assistant_tool_calls(vec![call(
            "a", "x", "{}",
        )])));
        machine.tools_ran(vec![ToolOutcome {
            call: call("a", "x", "{}"),
            arguments: None,
            result: Err(ToolError::invalid("no")),
        }]);
        machine.model_answered(response(ChatMessage::assistant_tool_calls(vec![call(
            "b", "x", "{}",
        )])));
        assert_eq!(machine.next(), Next::Finish(Finish::StepLimit));
        assert_eq!(machine.model_calls(), 2);
    }

    #[test]
    fn malformed_arguments_become_an_error_the_model_can_read() {
        let error = parse_arguments(&call("a", "catalog_search", "{\"query\": ")).unwrap_err();
        assert_eq!(error.kind, ToolErrorKind::InvalidArguments);
        assert!(
            error.message.contains("catalog_search"),
            "{}",
            error.message
        );
        let outcome = ToolOutcome {
            call: call("a", "catalog_search", "{"),
            arguments: None,
            result: Err(error),
        };
        let content: serde_json::Value =
            serde_json::from_str(&outcome.to_message_content()).unwrap();
        assert_eq!(content["error"]["kind"], "invalid_arguments");
        assert_eq!(
            outcome.record().arguments,
            serde_json::Value::String("{".into())
        );
    }
}
