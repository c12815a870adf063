-- Enforcement cases (nCEN, issue 8). The case itself is JSON text (`body`); the columns beside it are what search
-- facets, filters and need-to-know checks need without parsing it.

CREATE TABLE enforcement_cases (
    id                INTEGER PRIMARY KEY,
    version           INTEGER NOT NULL,
    case_date         TEXT    NOT NULL,
    year              INTEGER NOT NULL,
    commodity_area    TEXT    NOT NULL,
    detection_method  TEXT    NOT NULL,
    concealment       TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    restricted        INTEGER NOT NULL,
    created_by        TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    body              TEXT    NOT NULL
);
-- (column, restricted): facet counts are covered by the index, need-to-know checked without reading rows.
CREATE INDEX enforcement_cases_area ON enforcement_cases (commodity_area, restricted);
CREATE INDEX enforcement_cases_detection ON enforcement_cases (detection_method, restricted);
CREATE INDEX enforcement_cases_concealment ON enforcement_cases (concealment, restricted);
CREATE INDEX enforcement_cases_year ON enforcement_cases (year, restricted);
CREATE INDEX enforcement_cases_date ON enforcement_cases (case_date);

-- Who may see a restricted case: `user:NAME` or `role:NAME`.
CREATE TABLE enforcement_case_access (
    case_id    INTEGER NOT NULL REFERENCES enforcement_cases (id),
    principal  TEXT    NOT NULL,
    PRIMARY KEY (case_id, principal)
);

-- The route countries of a case, for the country facet and filter.
CREATE TABLE enforcement_case_countries (
    case_id  INTEGER NOT NULL REFERENCES enforcement_cases (id),
    country  TEXT    NOT NULL,
    PRIMARY KEY (case_id, country)
);
CREATE INDEX enforcement_case_countries_country ON enforcement_case_countries (country, case_id);

-- Which record (case or consignment) mentions which entity (normalised key), for link analysis.
CREATE TABLE enforcement_mentions (
    record_kind  TEXT    NOT NULL,
    record_id    INTEGER NOT NULL,
    entity_kind  TEXT    NOT NULL,
    entity_key   TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    PRIMARY KEY (record_kind, record_id, entity_kind, entity_key)
);
CREATE INDEX enforcement_mentions_entity ON enforcement_mentions (entity_kind, entity_key);

-- How far the consignments have been read into `enforcement_mentions` (one row).
CREATE TABLE enforcement_mention_progress (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    last_consignment_id  INTEGER NOT NULL
);
INSERT INTO enforcement_mention_progress (id, last_consignment_id) VALUES (1, 0);

-- Full-text index of the cases (rowid = case id), SQLite's built-in FTS5.
CREATE VIRTUAL TABLE enforcement_case_text USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');
