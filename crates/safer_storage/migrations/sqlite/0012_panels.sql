-- Panels and their meetings: the CSVG (weekly), the DCSM, MARAC and Ward Cluster Meetings.
-- A case is referred to a panel; a meeting's agenda is built from the referrals waiting and
-- the cases of that panel whose review has fallen due; each item gets minutes, and actions
-- agreed at the meeting become case tasks that remember the item they came from.
--
-- A panel is hosted by an agency (the council for the CSVG, the police for MARAC); referring
-- a case shares it with that agency for the panel's purpose and puts the panel's chairs on
-- the team of a restricted case, so the ordinary need-to-know rule lets the panel work it.

CREATE TABLE panels (
    id               INTEGER PRIMARY KEY,
    partnership_id   BIGINT  NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL CHECK (kind IN ('csvg', 'dcsm', 'marac', 'ward-cluster')),
    name             TEXT    NOT NULL,
    host_agency_id   BIGINT  NOT NULL REFERENCES agencies (id),
    cadence_days     INTEGER NOT NULL CHECK (cadence_days > 0),
    created_at       BIGINT  NOT NULL,
    CONSTRAINT panels_partnership_name_key UNIQUE (partnership_id, name)
);

CREATE TABLE panel_referrals (
    id            INTEGER PRIMARY KEY,
    panel_id      BIGINT NOT NULL REFERENCES panels (id) ON DELETE CASCADE,
    case_id       BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    referred_on   TEXT   NOT NULL,
    -- Why, as a short code: `visible-high-risk`, `professional-judgement`, `escalation`,
    -- `repeat`, `new-concern`.
    reason        TEXT   NOT NULL,
    detail        TEXT,
    status        TEXT   NOT NULL CHECK (status IN ('waiting', 'listed', 'heard', 'withdrawn')),
    referred_by   BIGINT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX panel_referrals_panel_idx ON panel_referrals (panel_id, status);
CREATE INDEX panel_referrals_case_idx ON panel_referrals (case_id);

CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY,
    panel_id        BIGINT NOT NULL REFERENCES panels (id) ON DELETE CASCADE,
    held_on         TEXT   NOT NULL,
    status          TEXT   NOT NULL CHECK (status IN ('planned', 'held')),
    chair_user_id   BIGINT REFERENCES users (id),
    created_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL
);
CREATE INDEX meetings_panel_idx ON meetings (panel_id, held_on);

CREATE TABLE meeting_items (
    id            INTEGER PRIMARY KEY,
    meeting_id    BIGINT  NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    case_id       BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    referral_id   BIGINT  REFERENCES panel_referrals (id) ON DELETE SET NULL,
    -- `new-referral` or `review-due`.
    reason        TEXT    NOT NULL CHECK (reason IN ('new-referral', 'review-due')),
    position      BIGINT  NOT NULL,
    minutes       TEXT,
    next_review_on TEXT,
    CONSTRAINT meeting_items_case_key UNIQUE (meeting_id, case_id)
);
CREATE INDEX meeting_items_case_idx ON meeting_items (case_id);

CREATE TABLE meeting_attendance (
    meeting_id  BIGINT  NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agency_id   BIGINT  NOT NULL REFERENCES agencies (id),
    -- The attendee's name and role as minuted (a representative, not a case subject).
    attendee    TEXT    NOT NULL,
    present     BOOLEAN NOT NULL,
    PRIMARY KEY (meeting_id, agency_id, attendee)
);

-- When a case is next due for review (set by a risk assessment or a panel's decision).
ALTER TABLE cases ADD COLUMN next_review_on TEXT;
-- The meeting item a task was agreed at, for a panel's open-actions list.
ALTER TABLE case_tasks ADD COLUMN meeting_item_id BIGINT REFERENCES meeting_items (id) ON DELETE SET NULL;
