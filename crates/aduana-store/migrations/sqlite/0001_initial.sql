-- Aduana's initial schema (SQLite). Timestamps are UTC text in a fixed-width RFC 3339 form
-- (`2026-11-29T01:02:03.123456Z`), so that text order is time order; JSON bodies are stored as text.

CREATE TABLE consignments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    reference     TEXT    NOT NULL,
    submitter     TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    content_hash  TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    received_at   TEXT    NOT NULL,
    UNIQUE (reference, submitter, version)
);
CREATE INDEX consignments_reference ON consignments (reference);

CREATE TABLE assessments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    consignment_id  INTEGER NOT NULL REFERENCES consignments (id),
    lane            TEXT    NOT NULL,
    score           DOUBLE PRECISION NOT NULL,
    referrals       TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    assessed_at     TEXT    NOT NULL
);
CREATE INDEX assessments_consignment ON assessments (consignment_id);
CREATE INDEX assessments_assessed_at ON assessments (assessed_at);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL UNIQUE,
    role           TEXT    NOT NULL,
    password_hash  TEXT,
    created_at     TEXT    NOT NULL
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
);

CREATE TABLE sessions (
    session_hash  TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    expires_at    TEXT    NOT NULL
);

CREATE TABLE decisions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    consignment_id  INTEGER NOT NULL REFERENCES consignments (id),
    kind            TEXT    NOT NULL,
    justification   TEXT    NOT NULL,
    officer         TEXT    NOT NULL,
    decided_at      TEXT    NOT NULL
);
CREATE INDEX decisions_consignment ON decisions (consignment_id);

CREATE TABLE examination_orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    consignment_id  INTEGER NOT NULL REFERENCES consignments (id),
    ordered_by      TEXT    NOT NULL,
    instructions    TEXT    NOT NULL,
    ordered_at      TEXT    NOT NULL,
    outcome         TEXT,
    findings        TEXT,
    recorded_by     TEXT,
    recorded_at     TEXT
);
CREATE INDEX examination_orders_consignment ON examination_orders (consignment_id);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    details    TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
