//! The escalation policy: when a conversation goes to a person (DESIGN.md, "The way a message
//! travels", step 4). Pure and synchronous: the turn gathers the signals, the policy decides.
//!
//! Before the model runs ([`EscalationPolicy::before_turn`]): the customer asked for a person,
//! is strongly upset, or repeats a request the bot already failed on. After the loop
//! ([`EscalationPolicy::after_turn`]): a tool or the model asked for a person, or the bot
//! failed too many turns in a row.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// How many of the customer's latest (non-trivial) messages a repeat is looked for in.
const REPEAT_WINDOW: usize = 3;

/// Messages of at most this many words ("ok", "hola", "thanks!") are never a repeat: customers
/// say them all the time.
const TRIVIAL_WORDS: usize = 2;

/// See [`EscalationPolicy::negative_sentiment_threshold`].
pub const DEFAULT_NEGATIVE_THRESHOLD: f32 = -0.75;

/// How much shouting ("!!!", capitals) deepens the words' negativity for the policy.
const AROUSAL_WEIGHT: f32 = 0.3;

/// The polarity the policy judges: the less negative of the message's sentiment and its
/// words' (the lexicon's polarity, deepened by shouting). Both must say "strongly negative":
/// the embedding prototypes alone rate many plain requests ("cancel my appointment") as
/// confidently negative, and words alone miss context.
pub fn policy_polarity(
    sentiment: &crate::understanding::Sentiment,
    words: crate::understanding::sentiment::LexiconScore,
) -> f32 {
    sentiment
        .polarity
        .max(words.polarity - AROUSAL_WEIGHT * words.arousal)
}

/// When to hand a conversation to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EscalationPolicy {
    /// A message whose polarity (-1 to 1, as [`policy_polarity`] combines it) is at or below
    /// this escalates. Below -1 turns the trigger off. The default lets a plain complaint
    /// ("it arrived broken, I'm upset": about -0.7) get a ticket, and hands over anger and
    /// insults ("you are useless", "¡¡una vergüenza!!": -0.8 and below).
    pub negative_sentiment_threshold: f32,
    /// The failed turn that makes this many consecutive failures escalates: with 2, the
    /// second failure in a row. 0 behaves as 1 (every failure escalates); `u32::MAX` turns the
    /// trigger off.
    pub max_failures: u32,
    /// Two customer messages are the same request when their word sets' Jaccard similarity is
    /// at least this (0 to 1), or when they are equal once case and punctuation are ignored.
    pub repeat_similarity: f32,
    /// Intents that mean "let me talk to a person".
    pub human_request_intents: Vec<String>,
    /// One of `human_request_intents` escalates only with at least this confidence.
    pub min_intent_confidence: f32,
}

impl Default for EscalationPolicy {
    fn default() -> Self {
        Self {
            negative_sentiment_threshold: DEFAULT_NEGATIVE_THRESHOLD,
            max_failures: 2,
            repeat_similarity: 0.9,
            human_request_intents: vec!["human_request".to_string()],
            min_intent_confidence: 0.0,
        }
    }
}

/// Why a conversation is handed to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    /// The customer asked for a person.
    CustomerAsked,
    /// The customer's message was strongly negative.
    NegativeSentiment,
    /// The bot failed several turns in a row.
    RepeatedFailures,
    /// The customer repeated a request the bot had already failed on.
    CustomerRepeating,
    /// A tool refused in a way only a person can resolve.
    ToolRequested,
    /// The model decided to hand over (it called the handoff tool).
    ModelRequested,
}

impl EscalationReason {
    /// Its name, as serde writes it (`customer_asked`...).
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationReason::CustomerAsked => "customer_asked",
            EscalationReason::NegativeSentiment => "negative_sentiment",
            EscalationReason::RepeatedFailures => "repeated_failures",
            EscalationReason::CustomerRepeating => "customer_repeating",
            EscalationReason::ToolRequested => "tool_requested",
            EscalationReason::ModelRequested => "model_requested",
        }
    }

    /// The reason as the operator's handoff summary names it. A customer repeating
    /// themselves is the bot failing them again; the model's own reasons are "other" (the
    /// detail says which).
    pub fn handoff_reason(&self) -> charla_prompts::HandoffReason {
        use charla_prompts::HandoffReason;
        match self {
            EscalationReason::CustomerAsked => HandoffReason::CustomerAsked,
            EscalationReason::NegativeSentiment => HandoffReason::NegativeSentiment,
            EscalationReason::RepeatedFailures | EscalationReason::CustomerRepeating => {
                HandoffReason::RepeatedFailures
            }
            EscalationReason::ToolRequested => HandoffReason::ToolRequested,
            EscalationReason::ModelRequested => HandoffReason::Other,
        }
    }
}

/// A decision to hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// Why.
    pub reason: EscalationReason,
    /// The particulars, for the operator (the intent and its confidence, the polarity, the
    /// tool's refusal, the model's words...).
    pub detail: String,
}

impl Escalation {
    fn new(reason: EscalationReason, detail: impl Into<String>) -> Self {
        Self {
            reason,
            detail: detail.into(),
        }
    }
}

/// What is known of a customer's message before the model runs.
#[derive(Debug, Clone, Copy)]
pub struct BeforeTurn<'a> {
    /// The message.
    pub text: &'a str,
    /// Its detected intent.
    pub intent: &'a str,
    /// How sure the intent is.
    pub intent_confidence: f32,
    /// Its sentiment polarity, -1 (very negative) to 1.
    pub polarity: f32,
    /// The customer's earlier messages in this conversation, most recent last (not including
    /// this one).
    pub previous_customer_texts: &'a [String],
    /// The bot's consecutive failed turns so far.
    pub failures: u32,
}

/// How a turn went.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AfterTurn {
    /// The bot did not help: searches found nothing, a tool failed, or it answered that it
    /// does not know.
    pub failed: bool,
    /// The consecutive failed turns before this one.
    pub failures_before: u32,
    /// A tool asked for a person; what it said.
    pub tool_requested_handoff: Option<String>,
    /// The model asked for a person; its reason.
    pub model_requested_handoff: Option<String>,
}

impl EscalationPolicy {
    /// Whether to hand over before the model runs, checking in order: the customer asked for
    /// a person (an intent of `human_request_intents` with at least `min_intent_confidence`);
    /// the polarity is at or below `negative_sentiment_threshold`; the customer repeats one of
    /// their last three non-trivial messages (see `repeat_similarity`; messages of one or two
    /// words never count) after the bot failed at least once.
    pub fn before_turn(&self, signals: &BeforeTurn) -> Option<Escalation> {
        if signals.intent_confidence >= self.min_intent_confidence
            && self
                .human_request_intents
                .iter()
                .any(|i| i == signals.intent)
        {
            return Some(Escalation::new(
                EscalationReason::CustomerAsked,
                format!(
                    "intent {} (confidence {:.2})",
                    signals.intent, signals.intent_confidence
                ),
            ));
        }
        if signals.polarity <= self.negative_sentiment_threshold {
            return Some(Escalation::new(
                EscalationReason::NegativeSentiment,
                format!(
                    "sentiment polarity {:.2}, at or below {:.2}",
                    signals.polarity, self.negative_sentiment_threshold
                ),
            ));
        }
        if signals.failures >= 1
            && self.repeats_earlier_request(signals.text, signals.previous_customer_texts)
        {
            return Some(Escalation::new(
                EscalationReason::CustomerRepeating,
                format!(
                    "the customer repeated a request after {} failed {}",
                    signals.failures,
                    if signals.failures == 1 {
                        "turn"
                    } else {
                        "turns"
                    }
                ),
            ));
        }
        None
    }

    /// The failure count after a turn and whether to hand over.
    ///
    /// The count is `failures_before + 1` after a failed turn and 0 after any other. A tool
    /// asking for a person escalates first (the model's reason, if it asked too, is added to
    /// the detail), then the model asking; otherwise a failed turn escalates when the new count
    /// reaches `max_failures` (by default, the second failed turn in a row).
    pub fn after_turn(&self, outcome: &AfterTurn) -> (u32, Option<Escalation>) {
        let failures = if outcome.failed {
            outcome.failures_before.saturating_add(1)
        } else {
            0
        };
        let escalation = match (
            &outcome.tool_requested_handoff,
            &outcome.model_requested_handoff,
        ) {
            (Some(tool), Some(model)) => Some(Escalation::new(
                EscalationReason::ToolRequested,
                format!("{tool}; the model also asked: {model}"),
            )),
            (Some(tool), None) => Some(Escalation::new(EscalationReason::ToolRequested, tool)),
            (None, Some(model)) => Some(Escalation::new(EscalationReason::ModelRequested, model)),
            (None, None) if outcome.failed && failures >= self.max_failures => {
                Some(Escalation::new(
                    EscalationReason::RepeatedFailures,
                    format!("{failures} failed turns in a row"),
                ))
            }
            (None, None) => None,
        };
        (failures, escalation)
    }

    /// Whether `text` is the same request as one of the last few non-trivial `previous`
    /// messages.
    fn repeats_earlier_request(&self, text: &str, previous: &[String]) -> bool {
        let words = normalised_words(text);
        if words.len() <= TRIVIAL_WORDS {
            return false;
        }
        previous
            .iter()
            .rev()
            .map(|p| normalised_words(p))
            .filter(|p| p.len() > TRIVIAL_WORDS)
            .take(REPEAT_WINDOW)
            .any(|p| p == words || jaccard(&p, &words) >= self.repeat_similarity)
    }
}

/// The words of `text`, lower-cased, with punctuation and emoji dropped.
fn normalised_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Shared distinct words over all distinct words.
fn jaccard(a: &[String], b: &[String]) -> f32 {
    let a: HashSet<&str> = a.iter().map(String::as_str).collect();
    let b: HashSet<&str> = b.iter().map(String::as_str).collect();
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f32 / union as f32
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn calm(text: &str) -> BeforeTurn<'_> {
        BeforeTurn {
            text,
            intent: "product_question",
            intent_confidence: 0.8,
            polarity: 0.0,
            previous_customer_texts: &[],
            failures: 0,
        }
    }

    fn reason(escalation: Option<Escalation>) -> Option<EscalationReason> {
        escalation.map(|e| e.reason)
    }

    fn texts(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| t.to_string()).collect()
    }

    // Before the turn ----------------------------------------------------------------------

    #[test]
    fn asking_for_a_person_escalates() {
        let policy = EscalationPolicy::default();
        let signals = BeforeTurn {
            intent: "human_request",
            intent_confidence: 0.42,
            ..calm("quiero hablar con una persona")
        };
        let escalation = policy.before_turn(&signals).expect("escalates");
        assert_eq!(escalation.reason, EscalationReason::CustomerAsked);
        assert!(
            escalation.detail.contains("human_request"),
            "{}",
            escalation.detail
        );
    }

    #[test]
    fn asking_for_a_person_with_too_little_confidence_does_not_escalate_when_configured() {
        let policy = EscalationPolicy {
            min_intent_confidence: 0.5,
            ..EscalationPolicy::default()
        };
        let signals = BeforeTurn {
            intent: "human_request",
            intent_confidence: 0.42,
            ..calm("is there someone?")
        };
        assert_eq!(policy.before_turn(&signals), None);
    }

    #[test]
    fn a_business_can_add_its_own_human_request_intents() {
        let policy = EscalationPolicy {
            human_request_intents: vec!["human_request".into(), "call_me_back".into()],
            ..EscalationPolicy::default()
        };
        let signals = BeforeTurn {
            intent: "call_me_back",
            ..calm("call me back please")
        };
        assert_eq!(
            reason(policy.before_turn(&signals)),
            Some(EscalationReason::CustomerAsked)
        );
    }

    #[test]
    fn a_strongly_negative_message_escalates() {
        let policy = EscalationPolicy::default();
        let signals = BeforeTurn {
            polarity: -0.85,
            ..calm("this is a scam, worst shop ever")
        };
        assert_eq!(
            reason(policy.before_turn(&signals)),
            Some(EscalationReason::NegativeSentiment)
        );
    }

    #[test]
    fn polarity_exactly_at_the_threshold_escalates() {
        let policy = EscalationPolicy::default();
        let signals = BeforeTurn {
            polarity: DEFAULT_NEGATIVE_THRESHOLD,
            ..calm("very bad")
        };
        assert_eq!(
            reason(policy.before_turn(&signals)),
            Some(EscalationReason::NegativeSentiment)
        );
    }

    #[test]
    fn a_mildly_negative_message_does_not_escalate() {
        let policy = EscalationPolicy::default();
        let signals = BeforeTurn {
            polarity: -0.3,
            ..calm("a bit annoying that the delivery is late")
        };
        assert_eq!(policy.before_turn(&signals), None);
    }

    #[test]
    fn the_negative_sentiment_threshold_is_configurable() {
        let signals = BeforeTurn {
            polarity: -0.45,
            ..calm("I'm quite unhappy with this")
        };
        assert_eq!(EscalationPolicy::default().before_turn(&signals), None);
        let stricter = EscalationPolicy {
            negative_sentiment_threshold: -0.4,
            ..EscalationPolicy::default()
        };
        assert_eq!(
            reason(stricter.before_turn(&signals)),
            Some(EscalationReason::NegativeSentiment)
        );
        let off = EscalationPolicy {
            negative_sentiment_threshold: -1.1,
            ..EscalationPolicy::default()
        };
        let furious = BeforeTurn {
            polarity: -1.0,
            ..signals
        };
        assert_eq!(off.before_turn(&furious), None);
    }

    #[test]
    fn repeating_a_request_after_a_failure_escalates() {
        let policy = EscalationPolicy::default();
        let previous = texts(&["Do you have the golden unicorn saddle?", "ok"]);
        let signals = BeforeTurn {
            previous_customer_texts: &previous,
            failures: 1,
            ..calm("do you have the GOLDEN unicorn saddle???")
        };
        assert_eq!(
            reason(policy.before_turn(&signals)),
            Some(EscalationReason::CustomerRepeating)
        );
    }

    #[test]
    fn repeating_a_request_the_bot_handled_does_not_escalate() {
        let policy = EscalationPolicy::default();
        let previous = texts(&["where is my order 1234"]);
        let signals = BeforeTurn {
            previous_customer_texts: &previous,
            failures: 0,
            ..calm("where is my order 1234")
        };
        assert_eq!(policy.before_turn(&signals), None);
    }

    #[test]
    fn saying_ok_twice_is_not_repeating_oneself() {
        let policy = EscalationPolicy::default();
        let previous = texts(&["ok", "hola"]);
        for text in ["ok", "Hola!", "ok thanks"] {
            let signals = BeforeTurn {
                previous_customer_texts: &previous,
                failures: 3,
                ..calm(text)
            };
            assert_eq!(policy.before_turn(&signals), None, "{text}");
        }
        let previous = texts(&["ok thanks", "ok thanks"]);
        let signals = BeforeTurn {
            previous_customer_texts: &previous,
            failures: 3,
            ..calm("ok thanks")
        };
        assert_eq!(policy.before_turn(&signals), None);
    }

    #[test]
    fn a_different_request_is_not_a_repeat() {
        let policy = EscalationPolicy::default();
        let previous = texts(&["do you have the golden unicorn saddle"]);
        let signals = BeforeTurn {
            previous_customer_texts: &previous,
            failures: 1,
            ..calm("do you have a red road helmet")
        };
        assert_eq!(policy.before_turn(&signals), None);
    }

    #[test]
    fn only_the_last_three_requests_are_compared() {
        let policy = EscalationPolicy::default();
        let previous = texts(&[
            "do you have the golden unicorn saddle",
            "what are your opening hours",
            "ok",
            "where is the Gracia shop",
            "how much is shipping to Italy",
        ]);
        let signals = BeforeTurn {
            previous_customer_texts: &previous,
            failures: 1,
            ..calm("do you have the golden unicorn saddle")
        };
        assert_eq!(policy.before_turn(&signals), None);
        let recent = texts(&[
            "do you have the golden unicorn saddle",
            "ok",
            "hola",
            "where is the Gracia shop",
            "how much is shipping to Italy",
        ]);
        let signals = BeforeTurn {
            previous_customer_texts: &recent,
            ..signals
        };
        assert_eq!(
            reason(policy.before_turn(&signals)),
            Some(EscalationReason::CustomerRepeating),
            "short messages in between do not push a request out of the window"
        );
    }

    #[test]
    fn repeat_similarity_is_configurable() {
        let previous = texts(&["can you check my order 1234 please"]);
        let signals = BeforeTurn {
            previous_customer_texts: &previous,
            failures: 1,
            ..calm("can you check my order 1234")
        };
        // 6 shared words of 7: similar, not the same.
        assert_eq!(EscalationPolicy::default().before_turn(&signals), None);
        let looser = EscalationPolicy {
            repeat_similarity: 0.8,
            ..EscalationPolicy::default()
        };
        assert_eq!(
            reason(looser.before_turn(&signals)),
            Some(EscalationReason::CustomerRepeating)
        );
    }

    #[test]
    fn asking_for_a_person_wins_over_other_triggers() {
        let policy = EscalationPolicy::default();
        let previous = texts(&["I want a human now"]);
        let signals = BeforeTurn {
            intent: "human_request",
            polarity: -0.9,
            previous_customer_texts: &previous,
            failures: 2,
            ..calm("I want a human now")
        };
        assert_eq!(
            reason(policy.before_turn(&signals)),
            Some(EscalationReason::CustomerAsked)
        );
    }

    // After the turn -----------------------------------------------------------------------

    fn failed(failures_before: u32) -> AfterTurn {
        AfterTurn {
            failed: true,
            failures_before,
            ..AfterTurn::default()
        }
    }

    #[test]
    fn a_first_failure_is_counted_but_does_not_escalate() {
        assert_eq!(
            EscalationPolicy::default().after_turn(&failed(0)),
            (1, None)
        );
    }

    #[test]
    fn the_second_failure_in_a_row_escalates() {
        let (failures, escalation) = EscalationPolicy::default().after_turn(&failed(1));
        assert_eq!(failures, 2);
        assert_eq!(reason(escalation), Some(EscalationReason::RepeatedFailures));
    }

    #[test]
    fn a_successful_turn_resets_the_failures() {
        let outcome = AfterTurn {
            failures_before: 1,
            ..AfterTurn::default()
        };
        assert_eq!(EscalationPolicy::default().after_turn(&outcome), (0, None));
    }

    #[test]
    fn the_number_of_tolerated_failures_is_configurable() {
        let patient = EscalationPolicy {
            max_failures: 4,
            ..EscalationPolicy::default()
        };
        assert_eq!(patient.after_turn(&failed(2)), (3, None));
        assert_eq!(
            reason(patient.after_turn(&failed(3)).1),
            Some(EscalationReason::RepeatedFailures)
        );
        let impatient = EscalationPolicy {
            max_failures: 0,
            ..EscalationPolicy::default()
        };
        assert_eq!(
            reason(impatient.after_turn(&failed(0)).1),
            Some(EscalationReason::RepeatedFailures)
        );
    }

    #[test]
    fn a_tool_asking_for_a_person_escalates_even_on_a_good_turn() {
        let outcome = AfterTurn {
            failures_before: 1,
            tool_requested_handoff: Some("issue_refund refused: refunds over 100 EUR".into()),
            ..AfterTurn::default()
        };
        let (failures, escalation) = EscalationPolicy::default().after_turn(&outcome);
        assert_eq!(failures, 0);
        let escalation = escalation.expect("escalates");
        assert_eq!(escalation.reason, EscalationReason::ToolRequested);
        assert!(
            escalation.detail.contains("issue_refund"),
            "{}",
            escalation.detail
        );
    }

    #[test]
    fn the_model_asking_for_a_person_escalates_with_its_reason() {
        let outcome = AfterTurn {
            model_requested_handoff: Some("warranty claim needs a mechanic".into()),
            ..AfterTurn::default()
        };
        let escalation = EscalationPolicy::default()
            .after_turn(&outcome)
            .1
            .expect("escalates");
        assert_eq!(escalation.reason, EscalationReason::ModelRequested);
        assert_eq!(escalation.detail, "warranty claim needs a mechanic");
    }

    #[test]
    fn a_tool_and_the_model_asking_together_keep_both_reasons() {
        let outcome = AfterTurn {
            failed: true,
            failures_before: 1,
            tool_requested_handoff: Some("issue_refund refused".into()),
            model_requested_handoff: Some("big refund".into()),
        };
        let (failures, escalation) = EscalationPolicy::default().after_turn(&outcome);
        assert_eq!(failures, 2);
        let escalation = escalation.expect("escalates");
        assert_eq!(escalation.reason, EscalationReason::ToolRequested);
        assert!(
            escalation.detail.contains("issue_refund refused")
                && escalation.detail.contains("big refund"),
            "{}",
            escalation.detail
        );
    }

    // Names --------------------------------------------------------------------------------

    #[test]
    fn reasons_are_named_the_same_in_text_and_json() {
        for reason in [
            EscalationReason::CustomerAsked,
            EscalationReason::NegativeSentiment,
            EscalationReason::RepeatedFailures,
            EscalationReason::CustomerRepeating,
            EscalationReason::ToolRequested,
            EscalationReason::ModelRequested,
        ] {
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
        }
    }

    #[test]
    fn operators_see_a_repeating_customer_as_repeated_failures_and_the_models_reason_as_other() {
        use charla_prompts::HandoffReason;
        assert_eq!(
            EscalationReason::CustomerRepeating.handoff_reason(),
            HandoffReason::RepeatedFailures
        );
        assert_eq!(
            EscalationReason::ModelRequested.handoff_reason(),
            HandoffReason::Other
        );
        assert_eq!(
            EscalationReason::ToolRequested.handoff_reason(),
            HandoffReason::ToolRequested
        );
        assert_eq!(
            EscalationReason::CustomerAsked.handoff_reason(),
            HandoffReason::CustomerAsked
        );
        assert_eq!(
            EscalationReason::NegativeSentiment.handoff_reason(),
            HandoffReason::NegativeSentiment
        );
    }
}
