//! Pure, synchronous statistics over typed records: period comparison, significance tests,
//! hotspots and concentration. No IO and no async (see ARCHITECTURE.md); callers hand it data
//! and get values back.
//!
//! The evidence engine (issue 3) and the hotspot methods (issue 4) land here.
#![deny(missing_docs)]
