-- Conversations: one per contact and channel, shown as C-000001. `status` says who answers:
-- the bot; or, after a handoff, nobody yet (`waiting`: in the operators' queue) or the
-- operator who claimed it (`with_operator`). The handoff's reason, summary and time are kept
-- while it lasts, the claim's operator and time while it is claimed. `context_after` is the
-- last message before the bot last took the conversation back: the model's context starts
-- after it (NULL: from the first message). `failures` counts the bot's consecutive failed
-- turns for the escalation policy. Times are Unix seconds (UTC). Erasing a contact erases its
-- conversations, messages and handoff events.
CREATE TABLE conversations (
    number          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id      TEXT    NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel         TEXT    NOT NULL,
    language        TEXT,
    status          TEXT    NOT NULL DEFAULT 'bot' CHECK (status IN ('bot', 'waiting', 'with_operator')),
    handoff_reason  TEXT,
    handoff_summary TEXT,
    handed_off_at   INTEGER,
    claimed_by      TEXT,
    claimed_at      INTEGER,
    context_after   INTEGER,
    failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (contact_id, channel),
    -- A handoff exists exactly while people have the conversation (waiting or claimed).
    CHECK ((status = 'bot' AND handoff_reason IS NULL AND handoff_summary IS NULL AND handed_off_at IS NULL)
        OR (status IN ('waiting', 'with_operator') AND handoff_reason IS NOT NULL
            AND handoff_summary IS NOT NULL AND handed_off_at IS NOT NULL)),
    -- A claim exists exactly while an operator has the conversation.
    CHECK ((status = 'with_operator' AND claimed_by IS NOT NULL AND claimed_at IS NOT NULL)
        OR (status <> 'with_operator' AND claimed_by IS NULL AND claimed_at IS NULL))
);

CREATE INDEX conversations_with_people ON conversations (handed_off_at, number) WHERE status <> 'bot';

-- Messages in the order they were stored. JSON columns: `tool_calls` (array of {id, name,
-- arguments}), `understanding` (language, intent, sentiment of a customer message),
-- `sources` (array of strings); NULL when empty or absent. `author` is the operator who wrote
-- an `operator` message or an internal `note` (notes are for people only: never sent to the
-- customer, never shown to the model).
CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_number INTEGER NOT NULL REFERENCES conversations (number) ON DELETE CASCADE,
    role                TEXT    NOT NULL CHECK (role IN ('customer', 'assistant', 'tool', 'operator', 'event', 'note')),
    text                TEXT,
    tool_calls          TEXT,
    tool_call_id        TEXT,
    understanding       TEXT,
    sources             TEXT,
    tool_ok             INTEGER CHECK (tool_ok IN (0, 1)),
    author              TEXT,
    created_at          INTEGER NOT NULL
);

CREATE INDEX messages_by_conversation ON messages (conversation_number, id);

-- Every change of who has a conversation: what happened (`kind`), who did it (`actor`: `bot`,
-- `customer` or `operator:<id>`), why (`reason`, when one was given) and when.
CREATE TABLE handoff_events (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_number INTEGER NOT NULL REFERENCES conversations (number) ON DELETE CASCADE,
    kind                TEXT    NOT NULL
                        CHECK (kind IN ('handed_off', 'claimed', 'released', 'resolved', 'returned_to_bot')),
    actor               TEXT    NOT NULL,
    reason              TEXT,
    at                  INTEGER NOT NULL
);

CREATE INDEX handoff_events_by_conversation ON handoff_events (conversation_number, id);
