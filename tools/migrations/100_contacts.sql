-- Contacts: the customers the business talks to, keyed by their channel id (the WhatsApp
-- business-scoped user id or phone number). Times are Unix seconds (UTC).
CREATE TABLE contacts (
    id           TEXT    PRIMARY KEY NOT NULL,
    display_name TEXT,
    language     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
