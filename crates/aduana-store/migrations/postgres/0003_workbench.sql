-- The workbench's tables (migration 0003, PostgreSQL). Derived tables (`workbench_queue`, `workbench_hits`,
-- `workbench_parties`) are filled from new assessments by `WorkbenchStore::sync_workbench`, which remembers the last
-- assessment it indexed in `workbench_sync`; the others hold what officers do in the workbench.

CREATE TABLE workbench_sync (
    name     TEXT PRIMARY KEY,
    last_id  BIGINT NOT NULL
);

-- Red-lane and referred consignment versions (only the latest version of a reference), with the filter columns.
CREATE TABLE workbench_queue (
    consignment_id  BIGINT PRIMARY KEY REFERENCES consignments (id),
    reference       TEXT    NOT NULL,
    submitter       TEXT    NOT NULL,
    lane            TEXT    NOT NULL,
    score           DOUBLE PRECISION NOT NULL,
    referrals       TEXT    NOT NULL,
    direction       TEXT    NOT NULL,
    mode            TEXT    NOT NULL,
    office          TEXT    NOT NULL,
    hit_ids         TEXT    NOT NULL,
    assessed_at     TEXT    NOT NULL,
    claimed_by      TEXT,
    claimed_at      TEXT
);
CREATE INDEX workbench_queue_score ON workbench_queue (score DESC, consignment_id DESC);
CREATE INDEX workbench_queue_reference ON workbench_queue (reference, submitter);
CREATE INDEX workbench_queue_office ON workbench_queue (office, score DESC, consignment_id DESC);
CREATE INDEX workbench_queue_mode ON workbench_queue (mode, score DESC, consignment_id DESC);
CREATE INDEX workbench_queue_lane ON workbench_queue (lane, score DESC, consignment_id DESC);

-- Every hit of every assessment, for the effectiveness figures (per profile / indicator, per week).
CREATE TABLE workbench_hits (
    assessment_id   BIGINT  NOT NULL,
    seq             BIGINT  NOT NULL,
    consignment_id  BIGINT  NOT NULL,
    indicator       TEXT    NOT NULL,
    hit_id          TEXT    NOT NULL,
    week            TEXT    NOT NULL,
    PRIMARY KEY (assessment_id, seq)
);
CREATE INDEX workbench_hits_hit ON workbench_hits (hit_id, consignment_id);
CREATE INDEX workbench_hits_consignment ON workbench_hits (consignment_id);
CREATE INDEX workbench_hits_week ON workbench_hits (week, indicator);

-- Selections per week: per hit id (kind `hit`) and per indicator (kind `indicator`, hit_id = indicator), each
-- counted once per assessment; the dashboard sums these instead of counting hits.
CREATE TABLE workbench_selections (
    week       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    indicator  TEXT    NOT NULL,
    hit_id     TEXT    NOT NULL,
    count      BIGINT  NOT NULL,
    PRIMARY KEY (week, kind, indicator, hit_id)
);

-- Party names (normalised) per consignment version, for the parties' history.
CREATE TABLE workbench_parties (
    consignment_id  BIGINT  NOT NULL,
    name_key        TEXT    NOT NULL,
    PRIMARY KEY (name_key, consignment_id)
);
CREATE INDEX workbench_parties_consignment ON workbench_parties (consignment_id);

-- Lane counts per week (the dashboard's lane distribution without scanning every assessment).
CREATE TABLE workbench_lanes (
    week   TEXT    NOT NULL,
    lane   TEXT    NOT NULL,
    count  BIGINT  NOT NULL,
    PRIMARY KEY (week, lane)
);

-- Who an examination is assigned to, and the details of its result.
CREATE TABLE workbench_examinations (
    order_id     BIGINT PRIMARY KEY REFERENCES examination_orders (id),
    assigned_to  TEXT,
    quantity     TEXT,
    concealment  TEXT
);

CREATE TABLE workbench_photos (
    id            BIGSERIAL PRIMARY KEY,
    order_id      BIGINT  NOT NULL REFERENCES examination_orders (id),
    file_name     TEXT    NOT NULL,
    stored_name   TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    uploaded_by   TEXT    NOT NULL,
    uploaded_at   TEXT    NOT NULL
);
CREATE INDEX workbench_photos_order ON workbench_photos (order_id);

-- Severe hits and do-not-load decisions, listed in the workbench and posted to the configured webhook.
CREATE TABLE workbench_notifications (
    id              BIGSERIAL PRIMARY KEY,
    consignment_id  BIGINT  NOT NULL,
    reference       TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    message         TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    delivered_at    TEXT,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT
);
CREATE INDEX workbench_notifications_pending ON workbench_notifications (delivered_at, id);
