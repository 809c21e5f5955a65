//! Integration tests for `safer_import`, through the public API only.

/// Small synthetic police.uk files, broken in every way we know, with the exact row errors.
mod broken_files;
/// The count-only scan against the full scan: counts, row errors and warnings.
mod fastcount;
/// GeoJSON boundaries: the real Maidstone LSOA and ward files. Skipped outside CI when the
/// data is missing.
mod geojson;
/// The shipped default harm weights file: clean, and one weight for every police.uk crime type.
mod harm;
/// The 23 real Kent street files and 13 outcomes files, against published facts and an
/// independent count made with the `csv` crate. Skipped outside CI when the data is missing.
mod real_data;
