-- Assessments generated from the web app. Each stored assessment may keep the settings it was
-- built from (TOML with every path absolute), so it can be built again with today's data from
-- anywhere; reports stored before this migration have none. A job records one build while it
-- runs: the step it is on, how many steps are done, and the assessment it produced or the
-- reason it failed. A job left `running` (or `queued`) with no update for 30 minutes was
-- interrupted (its instance stopped); the application shows it as failed.
-- The assessment link is SET NULL on delete: the demo replaces its report by title, and the
-- job's history outlives the report it made.

ALTER TABLE assessments ADD COLUMN settings TEXT;

CREATE TABLE assessment_jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    requested_by    BIGINT  NOT NULL REFERENCES users (id),
    settings        TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'queued',
    step            TEXT,
    steps_done      BIGINT  NOT NULL DEFAULT 0,
    steps_total     BIGINT  NOT NULL DEFAULT 0,
    assessment_id   BIGINT  REFERENCES assessments (id) ON DELETE SET NULL,
    error           TEXT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    CONSTRAINT assessment_jobs_status_known
        CHECK (status IN ('queued', 'running', 'done', 'failed')),
    CONSTRAINT assessment_jobs_steps_in_range
        CHECK (steps_done >= 0 AND steps_total >= 0 AND steps_done <= steps_total)
);

CREATE INDEX assessment_jobs_assessment_idx ON assessment_jobs (assessment_id);
