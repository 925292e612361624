//! `GET /events`: the [`super::OperatorHub`]'s events as server-sent events. Each event's
//! `event:` line is its name (`handoff_opened`, `customer_message`, `claimed`...) and its
//! `data:` line the event as JSON (with the same name in `type`). A subscriber that fell
//! behind gets a `lagged` event with the number of events it missed (`{"missed": n}`) and
//! should reload the queue. The stream ends when the hub shuts down.

use super::OperatorState;
use super::auth::Operator;
use super::hub::OperatorEvent;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;

/// `GET /events`.
pub(super) async fn events(
    _operator: Operator,
    State(state): State<OperatorState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribed before the response starts: an event published once the client has the
    // response headers reaches it.
    let receiver = state.hub.subscribe();
    let shutdown = state.hub.shutdown_token().clone();
    let stream = futures_util::stream::unfold(
        (receiver, shutdown),
        |(mut receiver, shutdown)| async move {
            let next = tokio::select! {
                () = shutdown.cancelled() => return None,
                next = receiver.recv() => next,
            };
            let event = match next {
                Ok(event) => server_sent(&event),
                Err(RecvError::Lagged(missed)) => Event::default()
                    .event("lagged")
                    .data(serde_json::json!({ "missed": missed }).to_string()),
                Err(RecvError::Closed) => return None,
            };
            Some((Ok(event), (receiver, shutdown)))
        },
    );
    // Comments every 15 s keep proxies from closing a quiet stream.
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn server_sent(event: &OperatorEvent) -> Event {
    // Our own enum of strings and numbers: it always serializes.
    let data = serde_json::to_string(event).unwrap_or_default();
    Event::default().event(event.name()).data(data)
}
