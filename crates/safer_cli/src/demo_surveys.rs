//! The demo's online surveys: the shipped resident survey open to everyone on the public front
//! door, and the youth survey with invitation codes, as a school would run it. Both are wave
//! `2026-online`. Publishing the same definitions again changes nothing, and the youth survey's
//! demo codes are fixed (so they can be tried), stored once as hashes.

use safer_domain::ids::PartnershipId;
use safer_storage::{survey_code_hash, Store};

use crate::commands::survey::{publish_survey, SurveyPublication};

/// The wave label of the demo's online surveys.
const WAVE: &str = "2026-online";

/// The youth survey's invitation codes in the demo. Real codes are random
/// (`safer survey publish --codes N`); these are printed in docs/public-front-door.md.
pub(crate) const DEMO_YOUTH_CODES: [&str; 5] =
    ["DEMYTH2345", "DEMYTH6789", "DEMYTHABCD", "DEMYTHEFGH", "DEMYTHJKMN"];

/// Publishes the resident survey (no codes) and the youth survey (codes required, with
/// [`DEMO_YOUTH_CODES`]) for `partnership`, open from `now`; running it again changes nothing.
pub(crate) async fn publish_demo_surveys(
    store: &Store,
    partnership: PartnershipId,
    now: i64,
) -> anyhow::Result<()> {
    let public = SurveyPublication {
        source: include_str!("../../../surveys/public-2021.toml"),
        wave: WAVE,
        require_codes: false,
        new_codes: 0,
        closes_at: None,
    };
    publish_survey(store, partnership, &public, now).await?;
    let youth = SurveyPublication {
        source: include_str!("../../../surveys/youth-2021.toml"),
        require_codes: true,
        ..public
    };
    let published = publish_survey(store, partnership, &youth, now).await?;
    let hashes: Vec<String> = DEMO_YOUTH_CODES.iter().map(|code| survey_code_hash(code)).collect();
    // Codes already stored (used or not) are left as they are.
    store.add_survey_codes(published.id, &hashes, now).await?;
    Ok(())
}
