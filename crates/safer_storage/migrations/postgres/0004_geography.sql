-- Geography: names, LSOA 2011/2021 links, LSOA memberships of wards and districts, resident
-- populations and boundaries, loaded by `safer geo import` from ONS lookups, GeoJSON and
-- population files. Every table is keyed so that importing the same file again rewrites the same
-- rows. The unit of analysis is the 2011 LSOA; safer_domain::geography documents how 2021 codes
-- are reconciled to it.

-- A code may be both a 2011 and a 2021 LSOA (ONS category U), so the key includes the kind.
CREATE TABLE geo_areas (
    code        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL,
    CONSTRAINT geo_areas_key PRIMARY KEY (code, kind)
);

-- persons: residents in the overlap (Census 2021), when the lookup gives them; category: U, S,
-- M or X.
CREATE TABLE geo_lsoa_links (
    lsoa11      TEXT    NOT NULL,
    lsoa21      TEXT    NOT NULL,
    persons     BIGINT,
    category    TEXT,
    updated_at  BIGINT  NOT NULL,
    CONSTRAINT geo_lsoa_links_key PRIMARY KEY (lsoa11, lsoa21)
);
CREATE INDEX geo_lsoa_links_lsoa21_idx ON geo_lsoa_links (lsoa21);

-- parent_kind: ward or lad. One ward and one district per 2011 LSOA (best fit).
CREATE TABLE geo_memberships (
    lsoa11       TEXT    NOT NULL,
    parent_kind  TEXT    NOT NULL,
    parent       TEXT    NOT NULL,
    updated_at   BIGINT  NOT NULL,
    CONSTRAINT geo_memberships_key PRIMARY KEY (lsoa11, parent_kind)
);
CREATE INDEX geo_memberships_parent_idx ON geo_memberships (parent_kind, parent);

CREATE TABLE geo_population (
    code        TEXT    NOT NULL,
    year        BIGINT  NOT NULL,
    population  BIGINT  NOT NULL,
    source      TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL,
    CONSTRAINT geo_population_key PRIMARY KEY (code, year)
);

-- geometry: a safer_domain::geo::MultiPolygon as JSON, WGS84 longitude/latitude; the bounding
-- box beside it lets a query find candidate areas without reading geometries.
CREATE TABLE geo_boundaries (
    code        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    geometry    TEXT    NOT NULL,
    min_lon     DOUBLE PRECISION NOT NULL,
    min_lat     DOUBLE PRECISION NOT NULL,
    max_lon     DOUBLE PRECISION NOT NULL,
    max_lat     DOUBLE PRECISION NOT NULL,
    updated_at  BIGINT  NOT NULL,
    CONSTRAINT geo_boundaries_key PRIMARY KEY (code, kind)
);
