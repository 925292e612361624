//! [`Agent::handle`]: the path of one message (DESIGN.md, steps 3 to 5): understand it, stay
//! silent if an operator has the conversation, escalate if the policy says so, otherwise run
//! the loop (model, tools, model...) and reply; persist everything in one place at the end.

use super::history::{to_chat_messages, trim_to_budget};
use super::machine::{Finish, Next, ToolOutcome, TurnMachine, parse_arguments};
use super::{Agent, AgentError, HandoffNotice, Inbound, TurnOutcome, prompting, sources};
use crate::conversation::{
    Conversation, ConversationChanges, ConversationStatus, MessageRole, NewMessage, StoredMessage,
};
use crate::escalation::{AfterTurn, BeforeTurn, Escalation, EscalationReason, policy_polarity};
use crate::model::{ChatMessage, ChatRequest, ToolCall, ToolSchema, TurnHints};
use crate::understanding::Understanding;
use crate::understanding::injection::looks_like_injection;
use crate::understanding::sentiment::lexicon_score;
use charla_prompts::{Reply, TeamAvailability};
use charla_tools::{Caller, ToolContext, ToolErrorKind};

/// The handoff tool: a successful call hands the conversation over.
const HANDOFF_TOOL: &str = "handoff_to_human";

impl Agent {
    /// Runs one turn for `inbound` and returns what happened. The customer's message and
    /// everything the turn did are stored before this returns.
    ///
    /// Errors: the store, the embedder or a template failed; nothing of the turn is stored
    /// then, so the caller may retry the message.
    #[tracing::instrument(skip_all, fields(contact = %inbound.contact_id, channel = %inbound.channel))]
    pub async fn handle(&self, inbound: Inbound) -> Result<TurnOutcome, AgentError> {
        let parts = &self.parts;
        let now = parts.clock.now();
        let conversation = parts
            .conversations
            .for_contact(&inbound.contact_id, &inbound.channel, now)
            .await?;
        // Only what came after the bot last took the conversation back from people.
        let stored = parts
            .conversations
            .context_messages(&conversation.id, self.config.history_messages)
            .await?;

        let fallback = conversation
            .language
            .clone()
            .unwrap_or_else(|| self.default_language());
        let understanding = parts
            .understander
            .understand(&inbound.text, &fallback)
            .await?;
        let language = understanding.language.code.clone();
        // Stored with the turn's messages: one write per turn.
        let mut changes = ConversationChanges {
            language: (conversation.language.as_deref() != Some(language.as_str()))
                .then(|| language.clone()),
            failures: None,
        };
        let customer_message = NewMessage::customer(inbound.text.clone(), understanding.clone());

        // Waiting for an operator or with one: people answer, the bot stays silent.
        if conversation.status != ConversationStatus::Bot {
            parts
                .conversations
                .append_with(&conversation.id, &[customer_message], &changes, now)
                .await?;
            return Ok(silent_outcome(&conversation, understanding));
        }

        let previous_customer_texts: Vec<String> = stored
            .iter()
            .filter(|m| m.role == MessageRole::Customer)
            .filter_map(|m| m.text.clone())
            .collect();
        let before = self.config.escalation.before_turn(&BeforeTurn {
            text: &inbound.text,
            intent: &understanding.intent.intent,
            intent_confidence: understanding.intent.confidence,
            polarity: policy_polarity(
                &understanding.sentiment,
                lexicon_score(&inbound.text, &language),
            ),
            previous_customer_texts: &previous_customer_texts,
            failures: conversation.failures,
        });
        if let Some(escalation) = before {
            return self
                .escalate_now(
                    &inbound,
                    &conversation,
                    &stored,
                    understanding,
                    customer_message,
                    changes,
                    escalation,
                )
                .await;
        }

        // The loop.
        let mut messages = Vec::new();
        let mut context = None;
        if parts.model.reads_prompts() {
            messages.push(ChatMessage::system(self.system_prompt(Some(&language))?));
            context = self.context_block(&inbound.text).await?;
            if let Some((block, _)) = &context {
                messages.push(ChatMessage::system(block.clone()));
            }
            messages.extend(trim_to_budget(
                to_chat_messages(&stored),
                self.config.history_token_budget,
            ));
        } else {
            // The offline model reads the earlier messages, never the prompt: skip building it.
            messages.extend(to_chat_messages(&stored));
        }
        messages.push(ChatMessage::user(inbound.text.clone()));
        let hints = TurnHints {
            language: Some(language.clone()),
            intent: Some(understanding.intent.intent.clone()),
            confidence: Some(understanding.intent.confidence),
            polarity: Some(understanding.sentiment.polarity),
            previous_intent: previous_intent(&stored),
            suspected_injection: looks_like_injection(&inbound.text),
        };
        if hints.suspected_injection {
            tracing::warn!(
                "the message tries to override the agent's instructions: read-only tools only this turn"
            );
        }
        let mut machine = TurnMachine::new(messages, self.config.max_model_calls);
        let finish = self
            .run_loop(&mut machine, &inbound, &conversation, hints)
            .await;

        let (mut reply, cited, mut choices, loop_failed) = match finish {
            Finish::Reply {
                text,
                cited_sources,
                choices,
            } if !text.trim().is_empty() => (text, cited_sources, choices, false),
            Finish::Reply { .. } | Finish::StepLimit => (
                self.render(&language, &Reply::DontKnow)?,
                Vec::new(),
                Vec::new(),
                true,
            ),
            Finish::ModelFailed(error) => {
                tracing::warn!(%error, "the model failed; apologising to the customer");
                (
                    self.render(&language, &Reply::GenericError)?,
                    Vec::new(),
                    Vec::new(),
                    true,
                )
            }
        };
        let records = machine.records().to_vec();
        let context_sources = context.map(|(_, s)| s).unwrap_or_default();
        let sources = if cited.is_empty() {
            sources::retrieved(&records, &context_sources)
        } else {
            cited
        };

        // Escalation after the loop: a tool or the model asked, or too many failures.
        let handoff_call = records.iter().find(|r| r.name == HANDOFF_TOOL && r.ok);
        // A tool that refuses as not allowed is asking for someone with more authority.
        let refused = records
            .iter()
            .find(|r| r.error_kind == Some(ToolErrorKind::NotAllowed));
        let failed = loop_failed || sources::turn_failed(&records);
        let (failures, after) = self.config.escalation.after_turn(&AfterTurn {
            failed,
            failures_before: conversation.failures,
            tool_requested_handoff: refused.map(|r| {
                format!(
                    "{} refused: {}",
                    r.name,
                    r.error.clone().unwrap_or_default()
                )
            }),
            model_requested_handoff: handoff_call.map(|r| argument(&r.arguments, "reason")),
        });
        changes.failures = (failures != conversation.failures).then_some(failures);

        let mut to_store = vec![customer_message];
        to_store.extend(
            machine
                .turn_messages()
                .iter()
                .map(|m| stored_form(m, &records)),
        );
        let mut handoff = None;
        if let Some(escalation) = after {
            let summary =
                self.handoff_summary(&inbound, &stored, &understanding, &escalation, &records)?;
            if escalation.reason != EscalationReason::ModelRequested {
                // The model's reply did not say a person is coming: say it.
                reply = self.render(
                    &language,
                    &Reply::HandoffAnnouncement {
                        team: self.team_availability(),
                    },
                )?;
                choices.clear();
            }
            parts
                .conversations
                .hand_off(&conversation.id, escalation.reason.as_str(), &summary, now)
                .await?;
            to_store.push(NewMessage::event(format!(
                "handed to a person: {}",
                escalation.reason.as_str()
            )));
            handoff = Some(HandoffNotice {
                reason: escalation.reason,
                detail: escalation.detail,
                summary,
            });
        }
        to_store.push(NewMessage::assistant(reply.clone(), sources.clone()));
        parts
            .conversations
            .append_with(&conversation.id, &to_store, &changes, now)
            .await?;

        Ok(TurnOutcome {
            conversation_id: conversation.id,
            reply: Some(reply),
            understanding,
            tool_calls: records,
            sources,
            choices,
            with_operator: handoff.is_some(),
            handoff,
            failed,
        })
    }

    async fn run_loop(
        &self,
        machine: &mut TurnMachine,
        inbound: &Inbound,
        conversation: &Conversation,
        hints: TurnHints,
    ) -> Finish {
        let guarded = hints.suspected_injection;
        let tools: Vec<ToolSchema> = self
            .parts
            .tools
            .specs()
            .into_iter()
            .filter(|spec| !guarded || allowed_when_guarded(spec))
            .map(|spec| ToolSchema {
                name: spec.name,
                description: spec.description,
                parameters: spec.input_schema,
            })
            .collect();
        loop {
            match machine.next() {
                Next::CallModel => {
                    let request = ChatRequest {
                        messages: machine.messages().to_vec(),
                        tools: tools.clone(),
                        temperature: Some(0.2),
                        max_tokens: Some(700),
                        hints: hints.clone(),
                    };
                    match self.parts.model.complete(&request).await {
                        Ok(response) => machine.model_answered(response),
                        Err(error) => machine.model_failed(error),
                    }
                }
                Next::RunTools(calls) => {
                    let mut outcomes = Vec::with_capacity(calls.len());
                    for call in calls {
                        outcomes.push(self.run_tool(call, inbound, conversation, guarded).await);
                    }
                    machine.tools_ran(outcomes);
                }
                Next::Finish(finish) => return finish,
            }
        }
    }

    async fn run_tool(
        &self,
        call: ToolCall,
        inbound: &Inbound,
        conversation: &Conversation,
        guarded: bool,
    ) -> ToolOutcome {
        // A model may call a tool it was not offered: the guard holds at the call too.
        let refused = guarded
            && self
                .parts
                .tools
                .get(&call.name)
                .is_some_and(|tool| !allowed_when_guarded(&tool.spec()));
        if refused {
            tracing::warn!(tool = %call.name, "refused: the message tried to override the agent's instructions");
            return ToolOutcome {
                call,
                arguments: None,
                result: Err(charla_tools::ToolError::not_allowed(
                    "this message tries to override the assistant's instructions, so nothing can be changed in this turn; ask the customer to say plainly what they want",
                )),
            };
        }
        let ctx = ToolContext::new(Caller::Customer {
            contact_id: inbound.contact_id.clone(),
        })
        .with_conversation(conversation.id.clone())
        .with_timeout(self.config.tool_timeout);
        match parse_arguments(&call) {
            Ok(arguments) => {
                let result = self
                    .parts
                    .tools
                    .call(&ctx, &call.name, arguments.clone())
                    .await;
                if let Err(error) = &result {
                    tracing::info!(tool = %call.name, %error, "tool call failed; the model will read why");
                }
                ToolOutcome {
                    call,
                    arguments: Some(arguments),
                    result,
                }
            }
            Err(error) => ToolOutcome {
                call,
                arguments: None,
                result: Err(error),
            },
        }
    }

    /// Hands over before the model runs (the customer asked, is upset, or repeats themselves):
    /// the handoff tool runs so the turn's record shows it, the customer is told a person is
    /// coming.
    async fn escalate_now(
        &self,
        inbound: &Inbound,
        conversation: &Conversation,
        stored: &[StoredMessage],
        understanding: Understanding,
        customer_message: NewMessage,
        changes: ConversationChanges,
        escalation: Escalation,
    ) -> Result<TurnOutcome, AgentError> {
        let language = understanding.language.code.clone();
        let now = self.parts.clock.now();
        let summary = self.handoff_summary(inbound, stored, &understanding, &escalation, &[])?;
        let mut records = Vec::new();
        let mut to_store = vec![customer_message];
        if self.parts.tools.get(HANDOFF_TOOL).is_some() {
            let arguments =
                serde_json::json!({ "reason": escalation.reason.as_str(), "summary": summary });
            let call = ToolCall {
                id: "policy_handoff".into(),
                name: HANDOFF_TOOL.into(),
                arguments: arguments.to_string(),
            };
            let outcome = self
                .run_tool(call.clone(), inbound, conversation, false)
                .await;
            to_store.push(NewMessage::assistant_tool_calls(vec![call]));
            to_store.push(NewMessage::tool_result(
                outcome.call.id.clone(),
                outcome.to_message_content(),
                outcome.result.is_ok(),
            ));
            records.push(outcome.record());
        }
        let reply = self.render(
            &language,
            &Reply::HandoffAnnouncement {
                team: self.team_availability(),
            },
        )?;
        self.parts
            .conversations
            .hand_off(&conversation.id, escalation.reason.as_str(), &summary, now)
            .await?;
        to_store.push(NewMessage::event(format!(
            "handed to a person: {}",
            escalation.reason.as_str()
        )));
        to_store.push(NewMessage::assistant(reply.clone(), Vec::new()));
        self.parts
            .conversations
            .append_with(&conversation.id, &to_store, &changes, now)
            .await?;
        Ok(TurnOutcome {
            conversation_id: conversation.id.clone(),
            reply: Some(reply),
            understanding,
            tool_calls: records,
            sources: Vec::new(),
            choices: Vec::new(),
            handoff: Some(HandoffNotice {
                reason: escalation.reason,
                detail: escalation.detail,
                summary,
            }),
            with_operator: true,
            failed: false,
        })
    }

    pub(super) fn render(&self, language: &str, reply: &Reply) -> Result<String, AgentError> {
        Ok(self.parts.prompts.render_reply(language, reply)?)
    }

    pub(super) fn default_language(&self) -> String {
        self.parts
            .business
            .as_ref()
            .map(|b| b.default_language.clone())
            .unwrap_or_else(|| self.config.default_language.clone())
    }

    /// Whether people are answering now, from the business's team hours.
    pub(super) fn team_availability(&self) -> TeamAvailability {
        match &self.parts.business {
            Some(business) if !prompting::team_online(business, self.parts.clock.now()) => {
                TeamAvailability::Offline
            }
            _ => TeamAvailability::Online,
        }
    }
}

/// The tools a turn whose message tried to override the instructions may still use: those
/// that change nothing, and the handoff (a person looking at it is always safe).
fn allowed_when_guarded(spec: &charla_tools::ToolSpec) -> bool {
    spec.annotations.read_only_hint || spec.name == HANDOFF_TOOL
}

fn silent_outcome(conversation: &Conversation, understanding: Understanding) -> TurnOutcome {
    TurnOutcome {
        conversation_id: conversation.id.clone(),
        reply: None,
        understanding,
        tool_calls: Vec::new(),
        sources: Vec::new(),
        choices: Vec::new(),
        handoff: None,
        with_operator: true,
        failed: false,
    }
}

/// The intent of the latest stored customer message.
fn previous_intent(stored: &[StoredMessage]) -> Option<String> {
    stored
        .iter()
        .rev()
        .find(|m| m.role == MessageRole::Customer)
        .and_then(|m| m.understanding.as_ref())
        .map(|u| u.intent.intent.clone())
}

/// A message of the loop in the form it is stored.
fn stored_form(message: &ChatMessage, records: &[super::ToolCallRecord]) -> NewMessage {
    match (&message.tool_call_id, message.tool_calls.is_empty()) {
        (Some(id), _) => {
            let ok = records.iter().any(|r| &r.call_id == id && r.ok);
            NewMessage::tool_result(id.clone(), message.content.clone().unwrap_or_default(), ok)
        }
        (None, false) => NewMessage::assistant_tool_calls(message.tool_calls.clone()),
        (None, true) => {
            NewMessage::assistant(message.content.clone().unwrap_or_default(), Vec::new())
        }
    }
}

/// A string argument of a call, or "" when absent.
fn argument(arguments: &serde_json::Value, name: &str) -> String {
    arguments
        .get(name)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}
