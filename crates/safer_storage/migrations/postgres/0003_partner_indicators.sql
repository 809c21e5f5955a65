-- Partner indicators: figures partners hold that police.uk does not publish (CPWs issued, MARAC
-- cases, needles found, Section 136 uses, hate crimes by strand), one row per indicator, area
-- and period, imported from the partner indicators CSV (see README, "Partner indicators").
--
-- Periods are TEXT 'YYYY-MM-DD', first and last day inclusive. A re-import of the same
-- (indicator, area, period) updates the row in place; file_name and source_line say where the
-- stored value last came from (the header is line 1).

CREATE TABLE partner_indicators (
    indicator     TEXT    NOT NULL,
    area          TEXT    NOT NULL,
    period_start  TEXT    NOT NULL,
    period_end    TEXT    NOT NULL,
    value         DOUBLE PRECISION NOT NULL,
    unit          TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    notes         TEXT    NOT NULL,
    file_name     TEXT    NOT NULL,
    source_line   BIGINT  NOT NULL,
    imported_at   BIGINT  NOT NULL,
    CONSTRAINT partner_indicators_key UNIQUE (indicator, area, period_start, period_end)
);
CREATE INDEX partner_indicators_area_idx ON partner_indicators (area, period_start);
