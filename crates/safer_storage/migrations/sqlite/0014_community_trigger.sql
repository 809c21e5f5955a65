-- The ASB case review ("Community Trigger", ASBCPA 2014 s.104–105, Sch 4): each partnership's
-- review procedures (threshold, local variants, local service levels, what a dissatisfied
-- applicant can do) and the applications received, from receipt to the outcome letter.
--
-- An application reviews an ASB case (case_id): who may see it is the case's need-to-know
-- rule (safer_domain::access), limited to coordinators and panel chairs, and erasing the case
-- erases its applications. Qualifying complaints are not stored here: they are worked out from
-- the incidents of the case (and of other cases of its victim) each time, by the domain rules
-- (safer_domain::casework::trigger). The threshold decision, the review and the letters sent
-- are stored as they were made. Recommendations are case tasks (0011) listed in
-- trigger_recommendations.

CREATE TABLE trigger_policies (
    partnership_id          BIGINT  PRIMARY KEY REFERENCES partnerships (id) ON DELETE CASCADE,
    -- s.104(4): at least this many qualifying complaints (three, or fewer if the procedures say).
    threshold               INTEGER NOT NULL DEFAULT 3 CHECK (threshold BETWEEN 1 AND 3),
    -- Local variant: one qualifying complaint of a hate incident meets the threshold.
    single_hate_incident    BOOLEAN NOT NULL DEFAULT FALSE,
    -- Local variant: qualifying complaints from this many different people meet it.
    separate_complainants   INTEGER CHECK (separate_complainants IS NULL OR separate_complainants >= 1),
    -- Local service levels, counted from the day of application (none is statutory).
    acknowledge_days        INTEGER NOT NULL DEFAULT 10 CHECK (acknowledge_days >= 0),
    decision_working_days   INTEGER NOT NULL DEFAULT 20 CHECK (decision_working_days >= 0),
    review_working_days     INTEGER NOT NULL DEFAULT 35 CHECK (review_working_days >= 0),
    -- Sch 4 para 3: what the applicant can do if dissatisfied; copied into decision letters.
    escalation_route        TEXT    NOT NULL,
    updated_by              BIGINT  REFERENCES users (id),
    updated_at              BIGINT  NOT NULL
);

CREATE TABLE trigger_applications (
    id                      INTEGER PRIMARY KEY,
    partnership_id          BIGINT  NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    reference               TEXT    NOT NULL,
    case_id                 BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    receiving_agency_id     BIGINT  NOT NULL REFERENCES agencies (id),
    -- The applicant: the victim, or someone on the victim's behalf with the victim's consent.
    applicant_kind          TEXT    NOT NULL CHECK (applicant_kind IN ('victim', 'on-behalf')),
    applicant_name          TEXT    NOT NULL,
    -- For an application on the victim's behalf: "councillor", "daughter", "MP" ...
    applicant_relationship  TEXT,
    consent_recorded_on     TEXT,
    victim_kind             TEXT    NOT NULL CHECK (victim_kind IN ('individual', 'business', 'community-group')),
    received_on             TEXT    NOT NULL,
    status                  TEXT    NOT NULL CHECK (status IN ('received', 'threshold-met', 'threshold-not-met', 'accepted-on-discretion', 'review-held', 'outcome-sent')),
    -- The threshold decision: `met`, `met-at-discretion` or `not-met`, its basis in words, the
    -- qualifying complaints counted then, and for discretion the s.104(5) grounds
    -- (comma-separated: persistence, harm, adequacy-of-response) and the recorded reason.
    decision                TEXT    CHECK (decision IS NULL OR decision IN ('met', 'met-at-discretion', 'not-met')),
    decision_basis          TEXT,
    qualifying_count        INTEGER,
    discretion_grounds      TEXT,
    discretion_reason       TEXT,
    decided_on              TEXT,
    decided_by              BIGINT  REFERENCES users (id),
    decided_at              BIGINT,
    escalation_route        TEXT,
    decision_letter         TEXT,
    -- The review meeting: its day, the relevant bodies there (comma-separated: council,
    -- police, icb, housing) and what it found.
    review_held_on          TEXT,
    review_bodies           TEXT,
    review_findings         TEXT,
    review_recorded_at      BIGINT,
    outcome_letter          TEXT,
    outcome_sent_on         TEXT,
    outcome_sent_at         BIGINT,
    created_by              BIGINT  NOT NULL REFERENCES users (id),
    created_at              BIGINT  NOT NULL,
    updated_at              BIGINT  NOT NULL,
    CONSTRAINT trigger_applications_reference_key UNIQUE (reference),
    CONSTRAINT trigger_applications_applicant_not_empty CHECK (applicant_name <> '')
);
CREATE INDEX trigger_applications_partnership_idx ON trigger_applications (partnership_id, received_on);
CREATE INDEX trigger_applications_case_idx ON trigger_applications (case_id);

-- A recommendation of the review: a task on the case under review, owned by someone who can
-- see the case.
CREATE TABLE trigger_recommendations (
    id              INTEGER PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES trigger_applications (id) ON DELETE CASCADE,
    task_id         BIGINT NOT NULL REFERENCES case_tasks (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    CONSTRAINT trigger_recommendations_task_key UNIQUE (task_id)
);
CREATE INDEX trigger_recommendations_application_idx ON trigger_recommendations (application_id);
