-- police.uk data: street-level crime and ASB, outcomes, and stop and search, one row per
-- published row with every published column, and a ledger of the files they came from.
--
-- A force-month-kind (say Kent, 2022-01, street) is replaced as a whole, in one transaction that
-- deletes its rows, inserts the new ones and updates its ledger row; so the ledger row says
-- which file (name and SHA-256) every row of that force-month-kind came from, and a row's
-- `source_line` is its 1-based physical line in that file (the header is line 1).
-- Months are TEXT 'YYYY-MM'; coordinates are NULL for rows with no location.

CREATE TABLE police_uk_imports (
    force           TEXT    NOT NULL,
    month           TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('street', 'outcomes', 'stop-and-search')),
    file_name       TEXT    NOT NULL,
    content_sha256  TEXT    NOT NULL,
    n_rows          BIGINT  NOT NULL,
    n_bad_rows      BIGINT  NOT NULL,
    imported_at     BIGINT  NOT NULL,
    PRIMARY KEY (force, month, kind)
);

CREATE TABLE police_uk_street (
    force                  TEXT    NOT NULL,
    month                  TEXT    NOT NULL,
    crime_id               TEXT,
    reported_by            TEXT    NOT NULL,
    falls_within           TEXT    NOT NULL,
    longitude              DOUBLE PRECISION,
    latitude               DOUBLE PRECISION,
    location               TEXT    NOT NULL,
    lsoa_code              TEXT,
    lsoa_name              TEXT,
    crime_type             TEXT    NOT NULL,
    last_outcome_category  TEXT,
    context                TEXT,
    source_line            BIGINT  NOT NULL
);
CREATE INDEX police_uk_street_force_month_idx ON police_uk_street (force, month);
CREATE INDEX police_uk_street_lsoa_idx ON police_uk_street (lsoa_code, month);
CREATE INDEX police_uk_street_crime_type_idx ON police_uk_street (crime_type, month);

CREATE TABLE police_uk_outcomes (
    force         TEXT    NOT NULL,
    month         TEXT    NOT NULL,
    crime_id      TEXT    NOT NULL,
    reported_by   TEXT    NOT NULL,
    falls_within  TEXT    NOT NULL,
    longitude     DOUBLE PRECISION,
    latitude      DOUBLE PRECISION,
    location      TEXT    NOT NULL,
    lsoa_code     TEXT,
    lsoa_name     TEXT,
    outcome_type  TEXT    NOT NULL,
    source_line   BIGINT  NOT NULL
);
CREATE INDEX police_uk_outcomes_force_month_idx ON police_uk_outcomes (force, month);
CREATE INDEX police_uk_outcomes_crime_idx ON police_uk_outcomes (crime_id);
CREATE INDEX police_uk_outcomes_lsoa_idx ON police_uk_outcomes (lsoa_code, month);

-- `kind` is the published `Type` column; `date` is the published ISO 8601 timestamp.
CREATE TABLE police_uk_stop_search (
    force                                TEXT     NOT NULL,
    month                                TEXT     NOT NULL,
    kind                                 TEXT     NOT NULL,
    date                                 TEXT     NOT NULL,
    part_of_policing_operation           BOOLEAN,
    policing_operation                   TEXT,
    latitude                             DOUBLE PRECISION,
    longitude                            DOUBLE PRECISION,
    gender                               TEXT,
    age_range                            TEXT,
    self_defined_ethnicity               TEXT,
    officer_defined_ethnicity            TEXT,
    legislation                          TEXT,
    object_of_search                     TEXT,
    outcome                              TEXT,
    outcome_linked_to_object_of_search   BOOLEAN,
    removal_of_more_than_outer_clothing  BOOLEAN,
    source_line                          BIGINT   NOT NULL
);
CREATE INDEX police_uk_stop_search_force_month_idx ON police_uk_stop_search (force, month);
