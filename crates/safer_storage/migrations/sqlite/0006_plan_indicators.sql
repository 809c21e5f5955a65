-- Plan indicators: one indicators file per plan (docs/indicators.md), kept whole as a JSON
-- document with the exact TOML it came from and a SHA-256 of that TOML, as plans are. Pages
-- read the whole file and judge each indicator from the stored evidence on every load, so no
-- status is stored that could go stale.

CREATE TABLE plan_indicator_files (
    id              INTEGER PRIMARY KEY,
    plan_id         BIGINT  NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    format          INTEGER NOT NULL,
    n_indicators    INTEGER NOT NULL,
    document        TEXT    NOT NULL,
    source_toml     TEXT    NOT NULL,
    content_hash    TEXT    NOT NULL,
    imported_at     BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    CONSTRAINT plan_indicator_files_plan_key UNIQUE (plan_id)
);
