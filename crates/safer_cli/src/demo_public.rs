//! The demo's public dashboard content: "You said, we did" entries, paraphrasing what residents
//! told the Safer Maidstone Partnership in its 2021 surveys and what the Community Safety
//! Partnership Plan 2022–2025 says the partners will do about it (the plan's "Provide a Safe
//! Town Centre" and "Reduce the impact of drugs" priorities, its survey findings and its
//! Maidstone Task Force in Shepway). The entries are written once: a partnership that already
//! has entries is left alone, so running the demo again changes nothing.

use safer_domain::ids::PartnershipId;
use safer_storage::{NewYouSaidWeDid, Store};
use time::{Duration, OffsetDateTime};

/// The entries: days before the demo first runs, what residents said, what the partners did.
const ENTRIES: [(i64, &str, &str); 4] = [
    (
        200,
        "Most of you told our 2021 survey that you do not feel safe in the town centre at \
         night, and named Brenchley Gardens and North Week Street.",
        "Partners set up a multi-agency town centre task force on anti-social behaviour, violence \
         in the night-time economy and drug supply, and work with One Maidstone and town centre \
         businesses through the MaidSafe radio network.",
    ),
    (
        140,
        "Drug dealing and visible drug use are among your top concerns.",
        "Police and partners target persistent offenders who misuse drugs and alcohol, disrupt \
         organised crime and county lines, and offer treatment and support alongside \
         enforcement.",
    ),
    (
        90,
        "Almost half of you felt anti-social behaviour was not being dealt with where you live.",
        "The Maidstone Task Force works in Shepway North and Shepway South with Golding Homes, \
         who provide a dedicated officer, to tackle anti-social behaviour around the shops and \
         housing blocks, using the OSARA problem-solving model.",
    ),
    (
        30,
        "Young people told us they feel unsafe in town centres and on public transport, and \
         worry about knife crime.",
        "Partners work with schools and youth services to challenge knife carrying, safeguard \
         young people at risk of exploitation, and carry out location assessments of places \
         young people say feel unsafe.",
    ),
];

/// Writes the demo's "You said, we did" entries for `partnership`, dated before `now`, unless
/// it already has entries. Source: Safer Maidstone Partnership, Community Safety Partnership
/// Plan 2022–2025 (survey findings, town centre, drugs and ASB priorities; paraphrased).
pub(crate) async fn seed_you_said_we_did(
    store: &Store,
    partnership: PartnershipId,
    now: i64,
) -> anyhow::Result<()> {
    if !store.you_said_we_did(partnership).await?.is_empty() {
        return Ok(());
    }
    let today = OffsetDateTime::from_unix_timestamp(now)?.date();
    for (days_ago, you_said, we_did) in ENTRIES {
        let day = today - Duration::days(days_ago);
        let published_on =
            format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day());
        let entry = NewYouSaidWeDid { you_said, we_did, published_on: &published_on };
        store.add_you_said_we_did(partnership, &entry, None, now).await?;
    }
    Ok(())
}
