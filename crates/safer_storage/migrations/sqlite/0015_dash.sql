-- DASH risk identification checklists (SafeLives RIC, 24 questions) on domestic abuse cases,
-- and the MARAC referral each one makes when a referral criterion is met
-- (safer_domain::casework::dash; docs/dash-marac.md).
--
-- A checklist keeps its 24 answers with their comments as JSON text in question order
-- (`[{"answer": "yes" | "no" | "dont-know", "comment": "..."}]`), what the practitioner judged,
-- the police-reported incident dates the escalation criterion counted, and the criteria met.
-- The referral it made is an ordinary panel referral to the partnership's MARAC panel; the
-- referral document built from the checklist (every answer and comment, yes answers first) is
-- stored whole on it, so nothing is typed again and the document reads back as it was sent.

CREATE TABLE dash_checklists (
    id                      INTEGER PRIMARY KEY,
    case_id                 BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    victim_subject_id       BIGINT  NOT NULL REFERENCES case_subjects (id),
    completed_on            TEXT    NOT NULL,
    incident_on             TEXT    NOT NULL,
    answers_json            TEXT    NOT NULL,
    yes_count               BIGINT  NOT NULL CHECK (yes_count BETWEEN 0 AND 24),
    -- `refer`, `do-not-refer`, or NULL when no judgement was given.
    judgement               TEXT    CHECK (judgement IN ('refer', 'do-not-refer')),
    judgement_reason        TEXT,
    -- The days of the case's police-reported incidents handed to the escalation criterion.
    police_incidents_json   TEXT    NOT NULL,
    -- The criteria met, as codes (`visible-high-risk`, ...), JSON array; empty: no referral.
    criteria_json           TEXT    NOT NULL,
    referral_id             BIGINT  REFERENCES panel_referrals (id) ON DELETE SET NULL,
    created_by              BIGINT  NOT NULL REFERENCES users (id),
    created_at              BIGINT  NOT NULL
);
CREATE INDEX dash_checklists_case_idx ON dash_checklists (case_id, completed_on);
CREATE INDEX dash_checklists_victim_idx ON dash_checklists (victim_subject_id);

-- The referral document a DASH checklist built (JSON), whether it is a repeat referral, and
-- the victim it concerns (for the repeat window of the victim's next referral).
ALTER TABLE panel_referrals ADD COLUMN referral_json TEXT;
ALTER TABLE panel_referrals ADD COLUMN repeat_referral BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE panel_referrals ADD COLUMN victim_subject_id BIGINT REFERENCES case_subjects (id);
CREATE INDEX panel_referrals_victim_idx ON panel_referrals (victim_subject_id);
