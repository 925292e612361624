//! [`ScriptedModel`]: plays back prepared responses in order and records every request, so
//! tests, benchmarks and evaluations can drive the agent loop exactly.

use super::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, FinishReason, ModelError, ToolCall, Usage,
};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::Mutex;

/// One prepared answer of a [`ScriptedModel`].
#[derive(Debug, Clone)]
pub enum ScriptedStep {
    /// Answer with this text.
    Text(String),
    /// Ask for these tool calls: `(name, arguments as JSON text)`; ids are `call_<n>`.
    ToolCalls(Vec<(String, String)>),
    /// Fail with this error.
    Fail(ModelError),
}

impl ScriptedStep {
    /// A text answer.
    pub fn text(text: impl Into<String>) -> Self {
        ScriptedStep::Text(text.into())
    }

    /// One tool call with `arguments` (JSON text, possibly malformed on purpose).
    pub fn call(name: impl Into<String>, arguments: impl Into<String>) -> Self {
        ScriptedStep::ToolCalls(vec![(name.into(), arguments.into())])
    }
}

/// A model that answers from a script. When the script runs out it either starts over
/// (`cycle`, for benchmarks) or fails with a permanent error (so a test notices an extra call).
#[derive(Debug)]
pub struct ScriptedModel {
    script: Vec<ScriptedStep>,
    state: Mutex<ScriptState>,
    cycle: bool,
}

#[derive(Debug, Default)]
struct ScriptState {
    next: usize,
    calls_made: usize,
    requests: VecDeque<ChatRequest>,
}

/// How many requests a [`ScriptedModel`] keeps for inspection (a benchmark runs thousands).
const KEPT_REQUESTS: usize = 64;

impl ScriptedModel {
    /// A model that plays `script` once.
    pub fn new(script: Vec<ScriptedStep>) -> Self {
        Self {
            script,
            state: Mutex::new(ScriptState::default()),
            cycle: false,
        }
    }

    /// A model that plays `script` over and over.
    pub fn cycling(script: Vec<ScriptedStep>) -> Self {
        Self {
            cycle: true,
            ..Self::new(script)
        }
    }

    /// The latest requests it received (up to 64), oldest first.
    pub fn requests(&self) -> Vec<ChatRequest> {
        self.lock().requests.iter().cloned().collect()
    }

    /// How many steps of the script have been played.
    pub fn calls_made(&self) -> usize {
        self.lock().calls_made
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ScriptState> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters for a script; keep going.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl ChatModel for ScriptedModel {
    fn id(&self) -> &str {
        "scripted"
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ModelError> {
        let step = {
            let mut state = self.lock();
            if state.requests.len() == KEPT_REQUESTS {
                state.requests.pop_front();
            }
            state.requests.push_back(request.clone());
            if state.next >= self.script.len() && self.cycle {
                state.next = 0;
            }
            let step = self.script.get(state.next).cloned();
            state.next += 1;
            state.calls_made += 1;
            step
        };
        let call_number = self.calls_made();
        match step {
            None => Err(ModelError::Permanent("the script has no more steps".into())),
            Some(ScriptedStep::Fail(error)) => Err(error),
            Some(ScriptedStep::Text(text)) => Ok(ChatResponse {
                message: ChatMessage::assistant(text),
                finish_reason: FinishReason::Stop,
                usage: Usage::default(),
                cited_sources: Vec::new(),
                choices: Vec::new(),
            }),
            Some(ScriptedStep::ToolCalls(calls)) => {
                let calls = calls
                    .into_iter()
                    .enumerate()
                    .map(|(i, (name, arguments))| ToolCall {
                        id: format!("call_{call_number}_{i}"),
                        name,
                        arguments,
                    })
                    .collect();
                Ok(ChatResponse {
                    message: ChatMessage::assistant_tool_calls(calls),
                    finish_reason: FinishReason::ToolCalls,
                    usage: Usage::default(),
                    cited_sources: Vec::new(),
                    choices: Vec::new(),
                })
            }
        }
    }
}
