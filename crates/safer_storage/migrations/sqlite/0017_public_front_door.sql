-- The public front door: residents' reports and Community Trigger applications made online,
-- Open311 clients, and the counters that limit submissions per client address.
--
-- What a resident tells us about people (their name, contact details, what happened) is
-- stored on the case their report joins (0011), where the need-to-know rule and the audit log
-- apply, and is erased with it. These tables keep only how to find that case again: the
-- reference the resident was given, the SHA-256 of their private status link's token, and
-- where the problem is. Client addresses are never stored: the counters are keyed by an HMAC.

CREATE TABLE public_submission_counts (
    -- HMAC-SHA256(key, kind ":" address): the address cannot be read back.
    counter_key   TEXT    NOT NULL,
    window_start  BIGINT  NOT NULL,
    hits          BIGINT  NOT NULL,
    PRIMARY KEY (counter_key, window_start)
);

-- Machines that may post reports through Open311 GeoReport v2, each with its own key.
CREATE TABLE open311_clients (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT  NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    key_hash        TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    revoked_at      BIGINT,
    CONSTRAINT open311_clients_key_hash_key UNIQUE (key_hash),
    CONSTRAINT open311_clients_name_not_empty CHECK (name <> '')
);

CREATE TABLE public_reports (
    id                 INTEGER PRIMARY KEY,
    partnership_id     BIGINT  NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    -- Given to the resident, such as `R-7K3M-9QXD`.
    reference          TEXT    NOT NULL,
    status_token_hash  TEXT    NOT NULL,
    -- The one-time key of the form (or Open311 call) that sent it: sending it again returns
    -- this report instead of making another.
    submission_key     TEXT    NOT NULL,
    channel            TEXT    NOT NULL CHECK (channel IN ('web', 'open311')),
    open311_client_id  BIGINT  REFERENCES open311_clients (id),
    -- The behaviour's id in the "Is it ASB?" rules (the Open311 service code).
    behaviour          TEXT    NOT NULL,
    anonymous          BOOLEAN NOT NULL,
    postcode           TEXT,
    latitude           DOUBLE PRECISION,
    longitude          DOUBLE PRECISION,
    case_id            BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    incident_id        BIGINT  NOT NULL REFERENCES case_incidents (id) ON DELETE CASCADE,
    -- Whether the report opened its case (`true`) or joined an open one.
    opened_case        BOOLEAN NOT NULL,
    received_at        BIGINT  NOT NULL,
    CONSTRAINT public_reports_reference_key UNIQUE (reference),
    CONSTRAINT public_reports_status_token_key UNIQUE (status_token_hash),
    CONSTRAINT public_reports_submission_key UNIQUE (submission_key)
);
CREATE INDEX public_reports_partnership_idx ON public_reports (partnership_id, received_at);
CREATE INDEX public_reports_case_idx ON public_reports (case_id);

-- A Community Trigger application made online: the application itself is in
-- trigger_applications (0014); this is the applicant's private status link.
CREATE TABLE public_trigger_links (
    application_id     BIGINT NOT NULL PRIMARY KEY REFERENCES trigger_applications (id) ON DELETE CASCADE,
    status_token_hash  TEXT   NOT NULL,
    submission_key     TEXT   NOT NULL,
    created_at         BIGINT NOT NULL,
    CONSTRAINT public_trigger_links_status_token_key UNIQUE (status_token_hash),
    CONSTRAINT public_trigger_links_submission_key UNIQUE (submission_key)
);
