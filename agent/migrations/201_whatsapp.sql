-- The WhatsApp channel's durable state. Times are Unix seconds (UTC) unless named *_ms.

-- Every inbound message, keyed by Meta's message id: a duplicate delivery is a no-op. `text` is
-- what the agent reads (NULL when there is nothing to answer: reactions, revokes...); `state`
-- says whether a turn has answered it. Pending rows at start-up are picked up again.
CREATE TABLE wa_inbox (
    wamid           TEXT    PRIMARY KEY NOT NULL,
    contact_key     TEXT    NOT NULL,
    phone_number_id TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    text            TEXT,
    message         TEXT    NOT NULL,
    sent_at         INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'answered', 'skipped')),
    done_at         INTEGER
);
CREATE INDEX wa_inbox_pending ON wa_inbox (contact_key, received_at_ms) WHERE state = 'pending';

-- WhatsApp contacts: how to reach them, when they last wrote (the 24-hour window), and their
-- current marketing consent (the ledger below has its history).
CREATE TABLE wa_contacts (
    contact_key     TEXT    PRIMARY KEY NOT NULL,
    phone           TEXT,
    user_id         TEXT,
    profile_name    TEXT,
    phone_number_id TEXT    NOT NULL,
    last_inbound_at INTEGER,
    marketing       TEXT    CHECK (marketing IN ('opted_in', 'opted_out')),
    updated_at      INTEGER NOT NULL
);

-- Every consent change: who, when, how (a keyword, an operator, an import).
CREATE TABLE wa_consent_ledger (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_key TEXT    NOT NULL,
    consent     TEXT    NOT NULL CHECK (consent IN ('opted_in', 'opted_out')),
    source      TEXT    NOT NULL,
    detail      TEXT,
    at          INTEGER NOT NULL
);
CREATE INDEX wa_consent_by_contact ON wa_consent_ledger (contact_key, id);

-- Replies waiting to be sent, being sent, sent or given up. `message` is the JSON of what to
-- send; `reason` why it failed or was replaced (window closed, no opt-in, Meta's error).
CREATE TABLE wa_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_key     TEXT    NOT NULL,
    phone_number_id TEXT    NOT NULL,
    message         TEXT    NOT NULL,
    category        TEXT    NOT NULL CHECK (category IN ('service', 'utility', 'marketing')),
    origin          TEXT    NOT NULL,
    language        TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    wamid           TEXT,
    sent_as         TEXT,
    reason          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX wa_outbox_open ON wa_outbox (id) WHERE state IN ('pending', 'sending');
CREATE INDEX wa_outbox_by_wamid ON wa_outbox (wamid);

-- Delivery status of sent messages: only moves forward (sent < delivered < read < played;
-- failed is final).
CREATE TABLE wa_message_status (
    wamid      TEXT    PRIMARY KEY NOT NULL,
    status     TEXT    NOT NULL,
    rank       INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    errors     TEXT,
    pricing    TEXT,
    updated_at INTEGER NOT NULL
);
