-- Generated strategic assessments (`safer assess`, and the demo's): the self-contained HTML
-- report and the JSON of its figures, kept whole as built, so the web app can show a report
-- exactly as it was generated. Reports hold aggregate figures only, never personal data.
-- AUTOINCREMENT (SQLite) so a replaced report's id, which pages link to, is never reused, as
-- PostgreSQL's identity never is.

CREATE TABLE assessments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    title           TEXT    NOT NULL,
    html            TEXT    NOT NULL,
    figures_json    TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    CONSTRAINT assessments_title_not_empty CHECK (title <> '')
);

CREATE INDEX assessments_created_at_idx ON assessments (created_at);
