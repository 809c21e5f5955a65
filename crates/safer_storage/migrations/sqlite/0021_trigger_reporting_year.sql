-- The month a partnership's reporting year starts with, for the Community Trigger figures it
-- publishes: 1 (January, the calendar year, as before) or another month, such as 4 for the
-- financial year.
ALTER TABLE trigger_policies ADD COLUMN year_starts_month INTEGER NOT NULL DEFAULT 1
    CONSTRAINT trigger_policies_year_starts_month_range
    CHECK (year_starts_month BETWEEN 1 AND 12);
