-- Photos and X-ray images attached to an enforcement case directly (issue 8), besides the examination photos of
-- 0003. The files live under the server's data directory; a row says which file, what it shows and who added it.
-- sha256 is the digest of the stored file, so that evidence can be shown to be what was uploaded. Rows are only
-- ever added, each with its audit entry.

CREATE TABLE enforcement_case_images (
    id            BIGSERIAL PRIMARY KEY,
    case_id       BIGINT  NOT NULL REFERENCES enforcement_cases (id),
    kind          TEXT    NOT NULL,
    file_name     TEXT    NOT NULL,
    stored_name   TEXT    NOT NULL UNIQUE,
    content_type  TEXT    NOT NULL,
    size_bytes    BIGINT  NOT NULL,
    width         BIGINT  NOT NULL,
    height        BIGINT  NOT NULL,
    sha256        TEXT    NOT NULL,
    caption       TEXT    NOT NULL,
    uploaded_by   TEXT    NOT NULL,
    uploaded_at   TEXT    NOT NULL
);
CREATE INDEX enforcement_case_images_case ON enforcement_case_images (case_id, id);
