-- Every change to a key bumps its version, so a replica can tell from one aggregate
-- (COUNT, SUM(version)) whether its in-memory copy of the keys is current.
ALTER TABLE api_keys ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Usage batches already applied: a flush whose commit succeeded but whose answer was lost
-- (timeout) is retried with the same id and applied once, not twice.
CREATE TABLE usage_batches (
    id         TEXT   NOT NULL PRIMARY KEY,
    applied_at BIGINT NOT NULL
);

CREATE INDEX usage_batches_applied_at ON usage_batches (applied_at);
