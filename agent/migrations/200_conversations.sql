-- Conversations: one per contact and channel, shown as C-000001. `status` says who answers:
-- the bot, or an operator after a handoff (whose reason, summary and time are kept while it
-- lasts). `failures` counts the bot's consecutive failed turns for the escalation policy.
-- Times are Unix seconds (UTC). Erasing a contact erases its conversations and messages.
CREATE TABLE conversations (
    number          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id      TEXT    NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel         TEXT    NOT NULL,
    language        TEXT,
    status          TEXT    NOT NULL DEFAULT 'bot' CHECK (status IN ('bot', 'operator')),
    handoff_reason  TEXT,
    handoff_summary TEXT,
    handed_off_at   INTEGER,
    failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (contact_id, channel),
    -- A handoff exists exactly while an operator has the conversation.
    CHECK ((status = 'bot' AND handoff_reason IS NULL AND handoff_summary IS NULL AND handed_off_at IS NULL)
        OR (status = 'operator' AND handoff_reason IS NOT NULL AND handoff_summary IS NOT NULL
            AND handed_off_at IS NOT NULL))
);

CREATE INDEX conversations_with_operators ON conversations (handed_off_at, number) WHERE status = 'operator';

-- Messages in the order they were stored. JSON columns: `tool_calls` (array of {id, name,
-- arguments}), `understanding` (language, intent, sentiment of a customer message),
-- `sources` (array of strings); NULL when empty or absent.
CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_number INTEGER NOT NULL REFERENCES conversations (number) ON DELETE CASCADE,
    role                TEXT    NOT NULL CHECK (role IN ('customer', 'assistant', 'tool', 'operator', 'event')),
    text                TEXT,
    tool_calls          TEXT,
    tool_call_id        TEXT,
    understanding       TEXT,
    sources             TEXT,
    tool_ok             INTEGER CHECK (tool_ok IN (0, 1)),
    created_at          INTEGER NOT NULL
);

CREATE INDEX messages_by_conversation ON messages (conversation_number, id);
