-- Enforcement cases (nCEN, issue 8). The case itself is JSON text (`body`); the columns beside it are what search
-- facets, filters and need-to-know checks need without parsing it. Full text: a tsvector column with a GIN index.

CREATE TABLE enforcement_cases (
    id                BIGSERIAL PRIMARY KEY,
    version           BIGINT  NOT NULL,
    case_date         TEXT    NOT NULL,
    year              BIGINT  NOT NULL,
    commodity_area    TEXT    NOT NULL,
    detection_method  TEXT    NOT NULL,
    concealment       TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    restricted        BIGINT  NOT NULL,
    created_by        TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    search            TSVECTOR
);
-- (column, restricted): facet counts are covered by the index, need-to-know checked without reading rows.
CREATE INDEX enforcement_cases_area ON enforcement_cases (commodity_area, restricted);
CREATE INDEX enforcement_cases_detection ON enforcement_cases (detection_method, restricted);
CREATE INDEX enforcement_cases_concealment ON enforcement_cases (concealment, restricted);
CREATE INDEX enforcement_cases_year ON enforcement_cases (year, restricted);
CREATE INDEX enforcement_cases_date ON enforcement_cases (case_date);
CREATE INDEX enforcement_cases_search ON enforcement_cases USING GIN (search);

CREATE TABLE enforcement_case_access (
    case_id    BIGINT NOT NULL REFERENCES enforcement_cases (id),
    principal  TEXT   NOT NULL,
    PRIMARY KEY (case_id, principal)
);

CREATE TABLE enforcement_case_countries (
    case_id  BIGINT NOT NULL REFERENCES enforcement_cases (id),
    country  TEXT   NOT NULL,
    PRIMARY KEY (case_id, country)
);
CREATE INDEX enforcement_case_countries_country ON enforcement_case_countries (country, case_id);

CREATE TABLE enforcement_mentions (
    record_kind  TEXT   NOT NULL,
    record_id    BIGINT NOT NULL,
    entity_kind  TEXT   NOT NULL,
    entity_key   TEXT   NOT NULL,
    label        TEXT   NOT NULL,
    PRIMARY KEY (record_kind, record_id, entity_kind, entity_key)
);
CREATE INDEX enforcement_mentions_entity ON enforcement_mentions (entity_kind, entity_key);

CREATE TABLE enforcement_mention_progress (
    id                   BIGINT PRIMARY KEY CHECK (id = 1),
    last_consignment_id  BIGINT NOT NULL
);
INSERT INTO enforcement_mention_progress (id, last_consignment_id) VALUES (1, 0);
