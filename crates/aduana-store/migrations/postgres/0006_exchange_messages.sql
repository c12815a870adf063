-- Messages of the secure exchange between administrations: sent by this node or received (verified and decrypted)
-- from a partner node. A message id is stored once per direction (receivers deduplicate by it).
CREATE TABLE exchange_messages (
    id           BIGSERIAL PRIMARY KEY,
    direction    TEXT    NOT NULL,
    message_id   TEXT    NOT NULL,
    group_id     TEXT    NOT NULL,
    group_name   TEXT    NOT NULL,
    sender       TEXT    NOT NULL,
    sender_name  TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    summary      TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    recorded_at  TEXT    NOT NULL,
    content      TEXT    NOT NULL,
    UNIQUE (direction, message_id)
);
CREATE INDEX exchange_messages_direction ON exchange_messages (direction, id);
