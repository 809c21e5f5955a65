-- Online surveys: the public and youth surveys answered on the public front door (issue 7).
--
-- A published survey is one wave of one survey definition (the TOML text, kept whole so the
-- form and the export read exactly what was published). When invitation codes are required,
-- each code may be used once: only the SHA-256 of a code is stored, and `used_at` is the start
-- of the UTC day it was used. Responses are anonymous: no client address, no code and nothing
-- linking a response to the code that admitted it (`submitted_at` is also the start of the
-- UTC day, so times cannot pair a response with a code).

CREATE TABLE online_surveys (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT  NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    -- The definition's `[survey] id`, such as `public-2021`.
    survey          TEXT    NOT NULL,
    -- The wave label, as `safer survey import` takes it, such as `2026-online`.
    wave            TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    definition      TEXT    NOT NULL,
    codes_required  BOOLEAN NOT NULL,
    opens_at        BIGINT  NOT NULL,
    -- NULL: open until closed.
    closes_at       BIGINT,
    published_at    BIGINT  NOT NULL,
    CONSTRAINT online_surveys_wave_key UNIQUE (partnership_id, survey, wave),
    CONSTRAINT online_surveys_wave_not_empty CHECK (wave <> '')
);

CREATE TABLE online_survey_codes (
    online_survey_id  BIGINT  NOT NULL REFERENCES online_surveys (id) ON DELETE CASCADE,
    -- SHA-256 (hex) of the normalised code; the code itself is printed once and never stored.
    code_hash         TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL,
    used_at           BIGINT,
    PRIMARY KEY (online_survey_id, code_hash)
);

CREATE TABLE online_survey_responses (
    id                INTEGER PRIMARY KEY,
    online_survey_id  BIGINT  NOT NULL REFERENCES online_surveys (id) ON DELETE CASCADE,
    submitted_at      BIGINT  NOT NULL,
    -- JSON object: question or variable id -> list of option ids chosen.
    answers           TEXT    NOT NULL
);
CREATE INDEX online_survey_responses_survey_idx ON online_survey_responses (online_survey_id);
