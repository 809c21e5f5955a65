-- Foundation: partnerships, agencies, users, roles, sessions, login throttling, secrets,
-- plans and a security audit trail. Instants are unix seconds (UTC) in BIGINT columns so that
-- both backends store and compare them the same way.

CREATE TABLE partnerships (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    short_name  TEXT,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT partnerships_slug_key UNIQUE (slug)
);

CREATE TABLE agencies (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT agencies_code_key UNIQUE (code)
);

CREATE TABLE partnership_agencies (
    partnership_id  BIGINT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    agency_id       BIGINT NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    joined_at       BIGINT NOT NULL,
    PRIMARY KEY (partnership_id, agency_id)
);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    username             TEXT    NOT NULL,
    display_name         TEXT    NOT NULL,
    agency_id            BIGINT  NOT NULL REFERENCES agencies (id),
    password_hash        TEXT    NOT NULL,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           BIGINT  NOT NULL,
    password_changed_at  BIGINT  NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);
CREATE INDEX users_agency_idx ON users (agency_id);

CREATE TABLE memberships (
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    role            TEXT   NOT NULL CHECK (role IN ('analyst', 'coordinator', 'practitioner', 'panel_chair', 'committee_member', 'administrator')),
    granted_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, partnership_id, role)
);

CREATE TABLE sessions (
    token_hash    TEXT   NOT NULL PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE login_failures (
    id            INTEGER PRIMARY KEY,
    throttle_key  TEXT   NOT NULL,
    failed_at     BIGINT NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (throttle_key, failed_at);

CREATE TABLE app_secrets (
    name        TEXT   NOT NULL PRIMARY KEY,
    value       TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE plans (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT  NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    slug            TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    starts          INTEGER NOT NULL,
    ends            INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    format          INTEGER NOT NULL,
    document        TEXT    NOT NULL,
    source_toml     TEXT    NOT NULL,
    content_hash    TEXT    NOT NULL,
    imported_at     BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    CONSTRAINT plans_slug_key UNIQUE (slug)
);
CREATE INDEX plans_partnership_idx ON plans (partnership_id);

CREATE TABLE plan_priorities (
    id        INTEGER PRIMARY KEY,
    plan_id   BIGINT  NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    slug      TEXT    NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('core', 'cross-cutting')),
    title     TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    CONSTRAINT plan_priorities_plan_slug_key UNIQUE (plan_id, slug)
);

-- Append-only record of security events (sign-in, sign-out, account changes). Holds ids and
-- usernames, never passwords, tokens or case data.
CREATE TABLE security_events (
    id             INTEGER PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_user_id  BIGINT,
    action         TEXT   NOT NULL,
    subject        TEXT   NOT NULL
);
CREATE INDEX security_events_at_idx ON security_events (at);
