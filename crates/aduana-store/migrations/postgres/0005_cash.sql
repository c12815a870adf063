-- Cash declarations and detections (Regulation (EU) 2018/1672). The record is stored as JSON; the reference, kind
-- and time are columns for lookups. Times are fixed-width UTC RFC 3339 text, so text order is time order.
-- A record is shared at most once: shared_with/shared_at/shared_by are set together.

CREATE TABLE cash_records (
    id           BIGSERIAL PRIMARY KEY,
    reference    TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL,
    occurred_at  TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    recorded_by  TEXT    NOT NULL,
    recorded_at  TEXT    NOT NULL,
    shared_with  TEXT,
    shared_at    TEXT,
    shared_by    TEXT
);
CREATE INDEX cash_records_occurred_at ON cash_records (occurred_at);
