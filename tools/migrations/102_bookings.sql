-- Workshop bookings. `number` is shown as B-000042. Times are Unix seconds (UTC); a booking
-- occupies [starts_at, ends_at). Capacity is checked by the writer inside one
-- `BEGIN IMMEDIATE` transaction (SQLite's single writer makes check-and-insert atomic), so no
-- constraint here has to know the business's capacities.
CREATE TABLE bookings (
    number          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id      TEXT    NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    conversation_id TEXT,
    service_id      TEXT    NOT NULL,
    location_id     TEXT    NOT NULL,
    starts_at       INTEGER NOT NULL,
    ends_at         INTEGER NOT NULL,
    notes           TEXT,
    status          TEXT    NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
    created_at      INTEGER NOT NULL,
    cancelled_at    INTEGER,
    CHECK (ends_at > starts_at)
);

CREATE INDEX bookings_by_resource ON bookings (location_id, service_id, starts_at) WHERE status = 'confirmed';
CREATE INDEX bookings_by_contact ON bookings (contact_id, starts_at);
