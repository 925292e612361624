-- Support tickets opened for a contact. `number` is shown as T-000123. Erasing a contact
-- erases its tickets.
CREATE TABLE tickets (
    number          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id      TEXT    NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    conversation_id TEXT,
    subject         TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    priority        TEXT    NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    order_reference TEXT,
    status          TEXT    NOT NULL DEFAULT 'open'
                            CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX tickets_by_contact ON tickets (contact_id, number);
