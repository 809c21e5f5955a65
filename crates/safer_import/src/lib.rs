//! Parsers for the files partnerships bring to Safer: police.uk CSVs, partner indicators, ONS
//! lookups. Pure: importers take `impl Read` and return typed records plus a list of row errors,
//! so one bad row never aborts a file (see ARCHITECTURE.md).
//!
//! The police.uk importer (issue 3) lands here.
#![deny(missing_docs)]
