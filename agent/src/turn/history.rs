//! The conversation history the model sees: stored messages turned into [`ChatMessage`]s and
//! trimmed, oldest first, to a token budget counted with tiktoken's `cl100k_base` (close
//! enough for every current chat model; the budget leaves a margin).

use crate::conversation::{MessageRole, StoredMessage};
use crate::model::{ChatMessage, Role};

/// Tokens a message costs beyond its text (role, separators), as OpenAI documents it.
const PER_MESSAGE_OVERHEAD: usize = 4;

/// The tokens `message` costs.
pub fn message_tokens(message: &ChatMessage) -> usize {
    let bpe = tiktoken_rs::cl100k_base_singleton();
    let mut tokens = PER_MESSAGE_OVERHEAD;
    if let Some(text) = &message.content {
        tokens += bpe.encode_ordinary(text).len();
    }
    for call in &message.tool_calls {
        tokens +=
            bpe.encode_ordinary(&call.name).len() + bpe.encode_ordinary(&call.arguments).len();
    }
    tokens
}

/// Turns stored messages into the model's view. Operator messages read as the business's own
/// (the model continues after them); events and operators' internal notes are for people,
/// never for the model.
pub fn to_chat_messages(stored: &[StoredMessage]) -> Vec<ChatMessage> {
    stored
        .iter()
        .filter_map(|m| {
            let text = m.text.clone();
            match m.role {
                MessageRole::Customer => Some(ChatMessage::user(text.unwrap_or_default())),
                MessageRole::Assistant if !m.tool_calls.is_empty() => Some(ChatMessage {
                    role: Role::Assistant,
                    content: text,
                    tool_calls: m.tool_calls.clone(),
                    tool_call_id: None,
                }),
                MessageRole::Assistant => Some(ChatMessage::assistant(text.unwrap_or_default())),
                MessageRole::Operator => Some(ChatMessage::assistant(format!(
                    "[a person from the team wrote] {}",
                    text.unwrap_or_default()
                ))),
                MessageRole::Tool => m
                    .tool_call_id
                    .as_ref()
                    .map(|id| ChatMessage::tool_result(id.clone(), text.unwrap_or_default())),
                MessageRole::Event | MessageRole::Note => None,
            }
        })
        .collect()
}

/// The newest messages of `history` that fit in `budget` tokens, oldest first. The cut never
/// leaves a tool result without the assistant message that asked for it, nor a tool call
/// without its results (models reject both).
pub fn trim_to_budget(history: Vec<ChatMessage>, budget: usize) -> Vec<ChatMessage> {
    let mut used = 0;
    let mut start = history.len();
    for (i, message) in history.iter().enumerate().rev() {
        let cost = message_tokens(message);
        if used + cost > budget {
            break;
        }
        used += cost;
        start = i;
    }
    // Move the cut forward to the first message that begins an exchange on its own.
    while let Some(message) = history.get(start) {
        if message.role == Role::Tool {
            start += 1;
        } else {
            break;
        }
    }
    let mut kept: Vec<ChatMessage> = history.into_iter().skip(start).collect();
    drop_unanswered_tool_calls(&mut kept);
    kept
}

/// Removes assistant tool-call messages whose results are not all present (a turn cut short
/// by a crash), together with the partial results.
fn drop_unanswered_tool_calls(messages: &mut Vec<ChatMessage>) {
    let answered: std::collections::HashSet<String> = messages
        .iter()
        .filter_map(|m| m.tool_call_id.clone())
        .collect();
    let mut orphaned_ids = std::collections::HashSet::new();
    messages.retain(|m| {
        if m.role == Role::Assistant
            && !m.tool_calls.is_empty()
            && m.tool_calls.iter().any(|c| !answered.contains(&c.id))
        {
            orphaned_ids.extend(m.tool_calls.iter().map(|c| c.id.clone()));
            return false;
        }
        true
    });
    messages.retain(|m| {
        m.tool_call_id
            .as_ref()
            .is_none_or(|id| !orphaned_ids.contains(id))
    });
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::model::ToolCall;

    fn exchange(n: usize) -> Vec<ChatMessage> {
        let id = format!("call_{n}");
        vec![
            ChatMessage::user(format!("question number {n} about helmets and their sizes")),
            ChatMessage::assistant_tool_calls(vec![ToolCall {
                id: id.clone(),
                name: "catalog_search".into(),
                arguments: "{\"query\":\"helmet\"}".into(),
            }]),
            ChatMessage::tool_result(
                id,
                "{\"items\":[{\"name\":\"Urban helmet\",\"price\":49.0}]}",
            ),
            ChatMessage::assistant(format!("answer number {n}: we have the Urban helmet")),
        ]
    }

    #[test]
    fn a_small_budget_keeps_the_newest_messages() {
        let history: Vec<_> = (0..10).flat_map(exchange).collect();
        let kept = trim_to_budget(history.clone(), 120);
        assert!(kept.len() < history.len());
        assert_eq!(kept.last(), history.last());
        let total: usize = kept.iter().map(message_tokens).sum();
        assert!(total <= 120, "{total}");
    }

    #[test]
    fn the_cut_never_starts_with_a_tool_result_or_leaves_a_call_unanswered() {
        let history: Vec<_> = (0..6).flat_map(exchange).collect();
        for budget in 0..400 {
            let kept = trim_to_budget(history.clone(), budget);
            if let Some(first) = kept.first() {
                assert_ne!(first.role, Role::Tool, "budget {budget}");
            }
            let results: Vec<_> = kept.iter().filter_map(|m| m.tool_call_id.clone()).collect();
            for m in &kept {
                for call in &m.tool_calls {
                    assert!(
                        results.contains(&call.id),
                        "budget {budget}: {} unanswered",
                        call.id
                    );
                }
            }
        }
    }

    #[test]
    fn a_generous_budget_keeps_everything() {
        let history: Vec<_> = (0..3).flat_map(exchange).collect();
        assert_eq!(trim_to_budget(history.clone(), 100_000), history);
    }
}
