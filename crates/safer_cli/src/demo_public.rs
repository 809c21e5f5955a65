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

/// The private link token of the demo's anonymous report, printed by `safer demo` so a
/// newcomer can open its status page. Synthetic: it guards no real report.
pub(crate) const DEMO_REPORT_TOKEN: &str = "demo-report-status-link-for-the-safer-demo-noise-0001";

/// Two residents' reports made through the front door, as the web journey makes them: an
/// anonymous noise report, and a named one about a nuisance dog with consent to share. Each has
/// a fixed submission key, so running the demo again changes nothing. Returns the path of the
/// anonymous report's status page.
pub(crate) async fn seed_public_reports(
    store: &Store,
    partnership: PartnershipId,
    now: i64,
) -> anyhow::Result<String> {
    use safer_storage::{NewPublicReport, ReportChannel, ReportLocation, Reporter};
    let hash = |token: &str| safer_domain::digest::sha256_hex(token.as_bytes());
    let agency = store
        .agency_by_code("maidstone-borough-council")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo's council is missing"))?;
    let actor = store.front_door_actor(partnership, agency.id, &agency.code, now).await?;
    let today = OffsetDateTime::from_unix_timestamp(now)?.date();
    let day = |days: i64| (today - Duration::days(days)).to_string();
    let (happened, received) = (day(3), day(2));
    let anonymous = NewPublicReport {
        submission_key: "demo-public-report-noise",
        reference: "R-DEMX-4K7P",
        status_token_hash: &hash(DEMO_REPORT_TOKEN),
        channel: ReportChannel::Web,
        behaviour: "noise",
        behaviour_label: "Noise",
        location: ReportLocation {
            postcode: Some("ME14 1XX"),
            address: Some("Flats above the shops, Fictional Parade"),
            point: None,
        },
        occurred_on: &happened,
        received_on: &received,
        description: "Very loud music from the flat above the shops most nights, from about \
                      11pm until 3am.\n\nHow often: Every day or most days.",
        reporter: None,
    };
    store.submit_public_report(&actor, &anonymous, now).await?;
    let named_token = "demo-report-status-link-for-the-safer-demo-dogs-0002";
    let named = NewPublicReport {
        submission_key: "demo-public-report-dog",
        reference: "R-DEMY-8H3Q",
        status_token_hash: &hash(named_token),
        behaviour: "dogs",
        behaviour_label: "Nuisance dogs or dog fouling",
        location: ReportLocation {
            postcode: Some("ME15 9ZZ"),
            address: Some("Play area, Example Park"),
            point: None,
        },
        description: "A dog is let off the lead in the play area every morning and has \
                      knocked children over.\n\nHow often: Most weeks.",
        reporter: Some(Reporter {
            name: "Pat Example",
            email: Some("pat.example@example.org"),
            phone: None,
            postcode: Some("ME15 9ZY"),
            consent: safer_domain::case::Consent::Given,
        }),
        ..anonymous
    };
    store.submit_public_report(&actor, &named, now).await?;
    Ok(format!("/public/report/status/{DEMO_REPORT_TOKEN}"))
}
