-- Multi-agency casework: the subjects of cases (people, peer groups, locations, premises), cases
-- of four types, who a case is shared with (purpose and legal basis recorded), the team of a
-- restricted case, incidents, tasks and notes.
--
-- These tables hold personal data. Every read and write of it goes through the store's casework
-- functions, which apply the need-to-know rule (safer_domain::access) and append to the audit
-- log (0010) in the same transaction. Dates without a time of day (date of birth, incident
-- date, due date) are TEXT `YYYY-MM-DD` in columns named `*_on`; instants are BIGINT unix
-- seconds in `*_at`. Case ids appear in URLs; names never do.

CREATE TABLE case_subjects (
    id                    INTEGER PRIMARY KEY,
    partnership_id        BIGINT  NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    kind                  TEXT    NOT NULL CHECK (kind IN ('person', 'peer-group', 'location', 'premises')),
    name                  TEXT    NOT NULL,
    -- The name folded for duplicate warnings: lower case, letters and digits, single spaces.
    match_key             TEXT    NOT NULL,
    born_on               TEXT,
    address               TEXT,
    postcode              TEXT,
    created_by_agency_id  BIGINT  NOT NULL REFERENCES agencies (id),
    created_at            BIGINT  NOT NULL,
    CONSTRAINT case_subjects_name_not_empty CHECK (name <> '')
);
CREATE INDEX case_subjects_match_idx ON case_subjects (partnership_id, kind, match_key);

CREATE TABLE cases (
    id                INTEGER PRIMARY KEY,
    partnership_id    BIGINT  NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    reference         TEXT    NOT NULL,
    case_type         TEXT    NOT NULL CHECK (case_type IN ('asb', 'vulnerability', 'contextual', 'domestic-abuse')),
    summary           TEXT    NOT NULL,
    owning_agency_id  BIGINT  NOT NULL REFERENCES agencies (id),
    restricted        BOOLEAN NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    opened_on         TEXT    NOT NULL,
    closed_on         TEXT,
    retain_until_on   TEXT,
    created_by        BIGINT  NOT NULL REFERENCES users (id),
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    CONSTRAINT cases_reference_key UNIQUE (reference),
    CONSTRAINT cases_summary_not_empty CHECK (summary <> '')
);
CREATE INDEX cases_owner_idx ON cases (owning_agency_id, status);
CREATE INDEX cases_retention_idx ON cases (retain_until_on);

-- A subject's part in a case, and what the subject agreed to.
CREATE TABLE case_links (
    case_id     BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    subject_id  BIGINT NOT NULL REFERENCES case_subjects (id),
    role        TEXT   NOT NULL CHECK (role IN ('victim', 'complainant', 'perpetrator', 'young-person', 'offender', 'witness', 'location', 'peer-group', 'premises')),
    consent     TEXT   NOT NULL CHECK (consent IN ('given', 'refused', 'not-sought', 'not-required')),
    consent_on  TEXT,
    linked_at   BIGINT NOT NULL,
    PRIMARY KEY (case_id, subject_id, role)
);
CREATE INDEX case_links_subject_idx ON case_links (subject_id);

CREATE TABLE case_shares (
    case_id      BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    agency_id    BIGINT NOT NULL REFERENCES agencies (id),
    purpose      TEXT   NOT NULL,
    legal_basis  TEXT   NOT NULL CHECK (legal_basis IN ('consent', 'legal-obligation', 'public-task', 'vital-interests', 'safeguarding')),
    shared_by    BIGINT NOT NULL REFERENCES users (id),
    shared_at    BIGINT NOT NULL,
    revoked_at   BIGINT,
    PRIMARY KEY (case_id, agency_id),
    CONSTRAINT case_shares_purpose_not_empty CHECK (purpose <> '')
);
CREATE INDEX case_shares_agency_idx ON case_shares (agency_id);

CREATE TABLE case_team (
    case_id   BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users (id),
    added_by  BIGINT NOT NULL REFERENCES users (id),
    added_at  BIGINT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_team_user_idx ON case_team (user_id);

CREATE TABLE case_incidents (
    id                     INTEGER PRIMARY KEY,
    case_id                BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    occurred_on            TEXT   NOT NULL,
    reported_on            TEXT   NOT NULL,
    reported_to_agency_id  BIGINT NOT NULL REFERENCES agencies (id),
    category               TEXT   NOT NULL,
    location               TEXT,
    -- The same behaviour reported to several agencies shares one key, so it counts once.
    incident_key           TEXT   NOT NULL,
    description            TEXT   NOT NULL,
    created_by             BIGINT NOT NULL REFERENCES users (id),
    created_at             BIGINT NOT NULL
);
CREATE INDEX case_incidents_case_idx ON case_incidents (case_id, occurred_on);

CREATE TABLE case_tasks (
    id             INTEGER PRIMARY KEY,
    case_id        BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    title          TEXT   NOT NULL,
    owner_user_id  BIGINT NOT NULL REFERENCES users (id),
    due_on         TEXT   NOT NULL,
    done_at        BIGINT,
    created_by     BIGINT NOT NULL REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    CONSTRAINT case_tasks_title_not_empty CHECK (title <> '')
);
CREATE INDEX case_tasks_owner_idx ON case_tasks (owner_user_id, done_at, due_on);
CREATE INDEX case_tasks_case_idx ON case_tasks (case_id);

CREATE TABLE case_notes (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_user_id  BIGINT NOT NULL REFERENCES users (id),
    body            TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    CONSTRAINT case_notes_body_not_empty CHECK (body <> '')
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id);
