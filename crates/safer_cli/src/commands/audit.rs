//! `safer audit verify|list`: check the audit log's hash chain, and list its entries (ids only).

use std::process::ExitCode;

use anyhow::{bail, Context};
use safer_storage::{AuditQuery, AuditVerification, Store};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use super::open_store;
use crate::cli::{AuditCommand, AuditListArgs, AuditVerifyArgs};
use crate::config::Config;

/// Runs an `audit` subcommand.
pub async fn run(config: &Config, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    match command {
        AuditCommand::Verify(args) => verify(&store, &args).await,
        AuditCommand::List(args) => list(&store, &args).await,
    }
}

/// `safer audit verify`: exit 0 when the chain is intact (and matches every anchor given), 1
/// naming the first broken entry otherwise.
async fn verify(store: &Store, args: &AuditVerifyArgs) -> anyhow::Result<ExitCode> {
    let anchors =
        args.anchors.iter().map(|a| parse_anchor(a)).collect::<anyhow::Result<Vec<_>>>()?;
    let (entries, last_hash) = match store.verify_audit().await? {
        AuditVerification::Intact { entries, last_hash } => (entries, last_hash),
        AuditVerification::Broken { seq, problem, intact_entries } => {
            println!("audit log broken at entry {seq}: {problem}");
            match intact_entries {
                0 => println!("no entry before it is intact; see docs/audit.md"),
                1 => println!("entry 1 is intact; see docs/audit.md"),
                n => println!("entries 1 to {n} are intact; see docs/audit.md"),
            }
            return Ok(ExitCode::from(1));
        }
    };
    for (seq, hash) in &anchors {
        match store.audit_entry(*seq).await? {
            Some(entry) if entry.hash == *hash => {}
            Some(_) => {
                println!(
                    "audit log does not match anchor {seq}:{hash}: entry {seq} has another \
                     hash, so the log up to it was rewritten"
                );
                return Ok(ExitCode::from(1));
            }
            None => {
                println!(
                    "audit log does not match anchor {seq}:{hash}: entry {seq} is missing, so \
                     the log was truncated"
                );
                return Ok(ExitCode::from(1));
            }
        }
    }
    println!("audit log intact: {entries} entries, last hash {last_hash}");
    for (seq, hash) in &anchors {
        println!("anchor {seq}:{hash} matches");
    }
    if entries > 0 {
        println!(
            "record `{entries}:{last_hash}` elsewhere; `safer audit verify --anchor \
             {entries}:{last_hash}` checks it later"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `SEQ:HASH`, as `safer audit verify` prints it.
fn parse_anchor(text: &str) -> anyhow::Result<(i64, String)> {
    let parsed = text.split_once(':').and_then(|(seq, hash)| {
        let seq: i64 = seq.parse().ok().filter(|seq| *seq >= 1)?;
        let hash = hash.to_ascii_lowercase();
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some((seq, hash))
    });
    parsed.with_context(|| {
        format!("invalid anchor `{text}`; expected SEQ:HASH, such as 120:<64 hex digits>")
    })
}

/// `safer audit list`: entries oldest first, ids and codes only.
async fn list(store: &Store, args: &AuditListArgs) -> anyhow::Result<ExitCode> {
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let object = match args.object.as_deref() {
        None => None,
        Some(text) => match text.split_once(':') {
            Some((kind, id)) if !kind.is_empty() && !id.is_empty() => Some((kind, id)),
            _ => bail!("invalid object `{text}`; expected KIND:ID, such as case:42"),
        },
    };
    if args.limit == 0 {
        bail!("--limit must be at least 1");
    }
    let query = AuditQuery { after_seq: args.after, since, object, limit: args.limit };
    let entries = store.audit_entries(&query).await?;
    if entries.is_empty() {
        println!("No audit entries match.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>8}  {:<20}  {:<8}  {:<24}  {:>6}  {:>6}  {:<16}  DETAIL",
        "SEQ", "AT (UTC)", "ACTION", "OBJECT", "USER", "AGENCY", "PURPOSE"
    );
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "-".to_string());
    for entry in &entries {
        let at = OffsetDateTime::from_unix_timestamp(entry.at)
            .ok()
            .and_then(|at| at.format(&Rfc3339).ok())
            .unwrap_or_else(|| entry.at.to_string());
        println!(
            "{:>8}  {:<20}  {:<8}  {:<24}  {:>6}  {:>6}  {:<16}  {}",
            entry.seq,
            at,
            entry.action,
            format!("{}:{}", entry.object_kind, entry.object_id),
            or_dash(entry.actor_user_id.map(|id| id.to_string())),
            or_dash(entry.actor_agency_id.map(|id| id.to_string())),
            or_dash(entry.purpose.clone()),
            or_dash(entry.detail.clone()),
        );
    }
    if entries.len() == args.limit as usize {
        let last = entries.last().map_or(0, |entry| entry.seq);
        eprintln!("showing the first {}; more may follow: add --after {last}", args.limit);
    }
    Ok(ExitCode::SUCCESS)
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 instant, as unix seconds.
fn parse_since(text: &str) -> anyhow::Result<i64> {
    if let Ok(date) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
        return Ok(date.midnight().assume_utc().unix_timestamp());
    }
    OffsetDateTime::parse(text, &Rfc3339).ok().map(OffsetDateTime::unix_timestamp).with_context(
        || format!("invalid --since `{text}`; expected YYYY-MM-DD or 2026-01-31T09:00:00Z"),
    )
}

#[cfg(test)]
mod tests {
    use super::{parse_anchor, parse_since};

    #[test]
    fn anchors_and_dates_parse() {
        let hash = "ab".repeat(32);
        assert_eq!(parse_anchor(&format!("12:{hash}")).unwrap(), (12, hash.clone()));
        assert!(parse_anchor(&format!("0:{hash}")).is_err());
        assert!(parse_anchor("12:abc").is_err());
        assert!(parse_anchor(&hash).is_err());
        assert_eq!(parse_since("1970-01-02").unwrap(), 86_400);
        assert_eq!(parse_since("1970-01-01T00:01:00Z").unwrap(), 60);
        assert!(parse_since("yesterday").is_err());
    }
}
