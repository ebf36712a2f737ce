-- Portable schema: runs unchanged on SQLite (>= 3.35) and PostgreSQL (>= 15) through sqlx's
-- Any driver, so it only uses types that driver maps on both: BIGINT/INTEGER (i64), TEXT
-- (String) and NULL (Option). Times are Unix milliseconds; days are 'YYYY-MM-DD' and months
-- 'YYYY-MM' text, whose text order is their time order.

CREATE TABLE api_keys (
    id           TEXT   NOT NULL PRIMARY KEY,
    name         TEXT   NOT NULL,
    plan         TEXT   NOT NULL,
    -- hex SHA-256 of the secret; the secret itself is never stored
    secret_hash  TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at   BIGINT,
    revoked_at   BIGINT
);

-- Requests per subject ('key:<id>' or 'ip:<addr>'), UTC day and route template.
CREATE TABLE usage (
    subject TEXT   NOT NULL,
    day     TEXT   NOT NULL,
    route   TEXT   NOT NULL,
    count   BIGINT NOT NULL,
    PRIMARY KEY (subject, day, route)
);

-- For reading every subject's usage newest day first (the primary key serves per-subject reads).
CREATE INDEX usage_day ON usage (day);

-- Upstream calls spent per provider and calendar month, shared by every replica.
CREATE TABLE upstream_budget (
    provider TEXT   NOT NULL,
    month    TEXT   NOT NULL,
    spent    BIGINT NOT NULL,
    PRIMARY KEY (provider, month)
);

-- A key's saved preferences as JSON text.
CREATE TABLE preferences (
    key_id     TEXT   NOT NULL PRIMARY KEY,
    body       TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Queries a key made (path and query string, response status).
CREATE TABLE history (
    key_id  TEXT    NOT NULL,
    at      BIGINT  NOT NULL,
    request TEXT    NOT NULL,
    status  INTEGER NOT NULL
);

CREATE INDEX history_key_at ON history (key_id, at);
