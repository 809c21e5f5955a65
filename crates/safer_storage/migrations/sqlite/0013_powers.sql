-- Enforcement powers recorded on a case (ASB, Crime and Policing Act 2014): Community
-- Protection Warnings and Notices, fixed penalty notices, closure notices and orders, Public
-- Spaces Protection Orders, civil injunctions and prosecutions. One row per power; the columns
-- a kind does not use stay NULL.
--
-- The statute is checked by the domain rules (safer_domain::casework::powers) in the same
-- transaction as the insert, so a row here was lawful on the rules the code holds. Clocks
-- (appeal windows, payment days, expiries) are not stored: they are rebuilt from these rows by
-- the same rules, so a corrected rule moves every clock. Dates without a time of day are TEXT
-- `YYYY-MM-DD` in `*_on` columns; instants (a closure notice's service) BIGINT unix seconds in
-- `*_at`. The conduct is a short code or phrase, never a name.

CREATE TABLE case_powers (
    id                  INTEGER PRIMARY KEY,
    case_id             BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL CHECK (kind IN ('cpw', 'cpn', 'fpn', 'closure-notice', 'closure-order', 'pspo', 'injunction', 'prosecution')),
    -- The recipient (CPW, CPN, FPN, injunction respondent, defendant), a subject of the case.
    subject_id          BIGINT  REFERENCES case_subjects (id),
    -- What conduct a CPW or CPN is about; a CPN needs a CPW with the same key.
    conduct             TEXT,
    -- The power this one follows: the CPW a CPN follows, the CPN an FPN or prosecution is for.
    related_id          BIGINT  REFERENCES case_powers (id) ON DELETE CASCADE,
    -- Issued, given, made or granted.
    issued_on           TEXT,
    -- CPW: the last day of the time given to stop.
    comply_by_on        TEXT,
    -- FPN and prosecution: the day of the offence (the rules in force that day price the FPN).
    offence_on          TEXT,
    -- Closure order, PSPO, injunction: the last day in force.
    until_on            TEXT,
    -- PSPO: the day the latest extension was decided.
    extended_on         TEXT,
    -- Closure notice: when it was served, for how many hours, and who issued it.
    served_at           BIGINT,
    hours               INTEGER,
    issuer              TEXT    CHECK (issuer IN ('police-inspector', 'local-authority')),
    -- CPN: the requirements as JSON, [{"kind": "stop"|"do"|"take-steps", "text": …, "deadline_on": …}].
    requirements        TEXT,
    -- FPN: the amount, the early-payment amount and its last day, the last day to pay, and
    -- the first day of the rule version that priced it (the one in force on the offence day).
    amount_pence        BIGINT,
    early_amount_pence  BIGINT,
    early_by_on         TEXT,
    pay_by_on           TEXT,
    rules_valid_from_on TEXT,
    -- Injunction: whether a power of arrest is attached.
    power_of_arrest     BOOLEAN,
    -- CPN or closure order: the appeal lodged, and its outcome once decided.
    appeal_lodged_on    TEXT,
    appeal_outcome      TEXT    CHECK (appeal_outcome IN ('quashed', 'modified', 'dismissed')),
    status              TEXT    NOT NULL CHECK (status IN ('in-force', 'appeal-pending', 'quashed', 'ended')),
    created_by          BIGINT  NOT NULL REFERENCES users (id),
    created_at          BIGINT  NOT NULL
);
CREATE INDEX case_powers_case_idx ON case_powers (case_id, kind);
CREATE INDEX case_powers_related_idx ON case_powers (related_id);
