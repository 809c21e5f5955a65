-- Licensed premises and deprivation, for `safer alcohol`.
--
-- premises holds one register: `safer import premises` replaces every row in one transaction,
-- because a published register is a snapshot (premises that closed must disappear, and
-- registers carry no key every council publishes). premises_register records which file the
-- rows came from; an import of the same bytes again is a no-op.
CREATE TABLE premises (
    line        BIGINT  NOT NULL,
    name        TEXT    NOT NULL,
    address     TEXT    NOT NULL,
    postcode    TEXT,
    longitude   DOUBLE PRECISION NOT NULL,
    latitude    DOUBLE PRECISION NOT NULL,
    located_by  TEXT    NOT NULL,
    licence     TEXT    NOT NULL,
    late        BOOLEAN NOT NULL,
    CONSTRAINT premises_key PRIMARY KEY (line),
    CONSTRAINT premises_licence_check CHECK (licence IN ('on', 'off', 'both')),
    CONSTRAINT premises_located_by_check CHECK (located_by IN ('coordinates', 'postcode'))
);

-- One row at most (id = 1): the register the premises rows came from.
CREATE TABLE premises_register (
    id           BIGINT  NOT NULL,
    file_name    TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    n_premises   BIGINT  NOT NULL,
    n_bad_rows   BIGINT  NOT NULL,
    imported_at  BIGINT  NOT NULL,
    CONSTRAINT premises_register_key PRIMARY KEY (id),
    CONSTRAINT premises_register_single CHECK (id = 1)
);

-- IMD 2019 (MHCLG, English Indices of Deprivation 2019, File 1) by 2011 LSOA, upserted by
-- `safer import imd`: rank 1 is the most deprived of 32,844; decile 1 the most deprived tenth.
CREATE TABLE imd_lsoa (
    lsoa11      TEXT    NOT NULL,
    lad_code    TEXT    NOT NULL,
    imd_rank    BIGINT  NOT NULL,
    imd_decile  BIGINT  NOT NULL,
    source      TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL,
    CONSTRAINT imd_lsoa_key PRIMARY KEY (lsoa11),
    CONSTRAINT imd_lsoa_decile_check CHECK (imd_decile BETWEEN 1 AND 10)
);
