-- Profiles stored as their source text, versioned (every edit a new version with author, time and comment), with
-- the version that is active; uploaded watch lists and AEO registers with their load reports; and the risk
-- generation, bumped by every change to what consignments are assessed with, so that every server process
-- notices the change before its next batch.

CREATE TABLE profiles (
    name            TEXT   PRIMARY KEY,
    latest_version  BIGINT NOT NULL,
    active_version  BIGINT,
    created_at      TEXT   NOT NULL,
    updated_at      TEXT   NOT NULL
);

CREATE TABLE profile_versions (
    name        TEXT   NOT NULL REFERENCES profiles (name),
    version     BIGINT NOT NULL,
    source      TEXT   NOT NULL,
    author      TEXT   NOT NULL,
    comment     TEXT   NOT NULL,
    created_at  TEXT   NOT NULL,
    PRIMARY KEY (name, version)
);

CREATE TABLE watch_lists (
    name          TEXT   NOT NULL,
    upload        BIGINT NOT NULL,
    list_version  TEXT   NOT NULL,
    format        TEXT   NOT NULL,
    entries       BIGINT NOT NULL,
    body          TEXT   NOT NULL,
    report        TEXT   NOT NULL,
    loaded_by     TEXT   NOT NULL,
    loaded_at     TEXT   NOT NULL,
    PRIMARY KEY (name, upload)
);

CREATE TABLE aeo_registers (
    upload      BIGINT PRIMARY KEY,
    version     TEXT   NOT NULL,
    operators   BIGINT NOT NULL,
    body        TEXT   NOT NULL,
    loaded_by   TEXT   NOT NULL,
    loaded_at   TEXT   NOT NULL
);

CREATE TABLE risk_generation (
    id          BIGINT PRIMARY KEY,
    generation  BIGINT NOT NULL
);
INSERT INTO risk_generation (id, generation) VALUES (1, 0);
