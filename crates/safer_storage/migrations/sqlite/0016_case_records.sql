-- Records kept on a case beyond incidents, tasks and notes: documents (checked by content and
-- size before they get here), ASB victim risk assessments (which set the case's next review),
-- contextual-safeguarding location assessments on the Neighbourhood Assessment Triangle, and
-- OSARA problem-solving records whose assessment step compares police.uk counts before and
-- after the response.

CREATE TABLE case_documents (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    file_name     TEXT    NOT NULL,
    media_type    TEXT    NOT NULL,
    size_bytes    BIGINT  NOT NULL CHECK (size_bytes > 0),
    sha256        TEXT    NOT NULL,
    content       BLOB    NOT NULL,
    uploaded_by   BIGINT  NOT NULL REFERENCES users (id),
    uploaded_at   BIGINT  NOT NULL
);
CREATE INDEX case_documents_case_idx ON case_documents (case_id);

CREATE TABLE case_risk_assessments (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    subject_id      BIGINT  REFERENCES case_subjects (id),
    assessed_on     TEXT    NOT NULL,
    -- The ids of the questions answered yes, as a JSON array.
    yes_json        TEXT    NOT NULL,
    score           BIGINT  NOT NULL,
    level           TEXT    NOT NULL CHECK (level IN ('standard', 'medium', 'high')),
    refer_to_support BOOLEAN NOT NULL,
    next_review_on  TEXT,
    assessed_by     BIGINT  NOT NULL REFERENCES users (id),
    created_at      BIGINT  NOT NULL
);
CREATE INDEX case_risk_assessments_case_idx ON case_risk_assessments (case_id, assessed_on);

CREATE TABLE location_assessments (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    assessed_on     TEXT    NOT NULL,
    -- The three sides of the Neighbourhood Assessment Triangle.
    young_people    TEXT    NOT NULL,
    guardianship    TEXT    NOT NULL,
    environment     TEXT    NOT NULL,
    -- Which side most drives harm here (Context Weighting).
    weighting       TEXT    NOT NULL CHECK (weighting IN ('young-people', 'guardianship', 'environment')),
    goals           TEXT    NOT NULL,
    responses       TEXT    NOT NULL,
    created_by      BIGINT  NOT NULL REFERENCES users (id),
    created_at      BIGINT  NOT NULL
);
CREATE INDEX location_assessments_case_idx ON location_assessments (case_id);

CREATE TABLE problem_solving (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    objective       TEXT    NOT NULL,
    scanning        TEXT    NOT NULL,
    analysis        TEXT    NOT NULL,
    response        TEXT    NOT NULL,
    -- The evidence the assessment step compares: an area selector, police.uk crime types
    -- (JSON array; all when empty) and the before and after periods (YYYY-MM..YYYY-MM).
    area            TEXT    NOT NULL,
    crime_types_json TEXT   NOT NULL,
    before_period   TEXT    NOT NULL,
    after_period    TEXT    NOT NULL,
    assessment      TEXT,
    created_by      BIGINT  NOT NULL REFERENCES users (id),
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX problem_solving_case_idx ON problem_solving (case_id);
