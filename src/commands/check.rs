//! `confcal check`: validates every enabled source and says what each
//! holds or what is wrong with it, with its place; for a remote source, how
//! fresh its stored copy is and its last error. It never fetches.

use std::io::Write;

use chrono::{DateTime, Utc};

use super::pipeline::open_if_remote;
use super::{CommandError, Context, Status};
use crate::config::{SourceConfig, SourceLocation};
use crate::load::{load_one, stored, zones};
use crate::store::Records;

/// Checks every source of the configuration; [`Status::Problems`] when any
/// has one.
pub fn check(
    ctx: &Context,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<Status, CommandError> {
    let config = &ctx.config;
    writeln!(out, "config `{}`: ok", config.path.display())?;
    let copies = match open_if_remote(ctx, err)? {
        Some(store) => stored(config, &store)?,
        None => Records::new(),
    };
    let mut status = Status::Clean;
    let mut catalogs = Vec::new();
    for source in &config.sources {
        let place = match &source.location {
            SourceLocation::Path(path) => path.display().to_string(),
            SourceLocation::Url(url) => url.to_string(),
        };
        let head = format!("source `{}` ({}, {place})", source.name, source.kind.name());
        if !source.enabled {
            writeln!(out, "{head}: disabled")?;
            continue;
        }
        let loaded = load_one(source, &copies, zones(config));
        writeln!(
            out,
            "{head}: {} events, {} deadlines{}{}",
            loaded.catalog.events.len(),
            loaded.catalog.deadlines.len(),
            match loaded.problems.iter().filter(|p| !p.is_note()).count() {
                0 => String::new(),
                1 => ", 1 problem".to_owned(),
                n => format!(", {n} problems"),
            },
            freshness(source, &copies, ctx.now),
        )?;
        for problem in &loaded.problems {
            if problem.is_note() {
                writeln!(err, "note: source `{}`: {problem}", source.name)?;
            } else if problem.is_repair() {
                writeln!(err, "warning: source `{}`: {problem}", source.name)?;
            } else {
                writeln!(err, "error: source `{}`: {problem}", source.name)?;
                status = Status::Problems;
            }
        }
        catalogs.push(loaded.catalog);
    }
    for disagreement in crate::identity::disagreements(catalogs) {
        write_disagreement(out, &disagreement)?;
    }
    Ok(status)
}

/// "sources disagree on `Papers due: ICSE 2026`: 2025-03-15 11:59 UTC from
/// `ccfddl` (conference/SE/icse.yml:12), used; 2025-03-21 ...".
fn write_disagreement(
    out: &mut impl Write,
    disagreement: &crate::identity::Disagreement,
) -> Result<(), CommandError> {
    let said: Vec<String> = disagreement
        .said
        .iter()
        .enumerate()
        .map(|(i, (p, due))| {
            let used = if i == 0 { ", used" } else { "" };
            format!(
                "{} from `{}` ({}){used}",
                crate::time::stamp(*due),
                p.source,
                p.location
            )
        })
        .collect();
    writeln!(
        out,
        "sources disagree on `{}`: {}",
        disagreement.title,
        said.join("; ")
    )?;
    Ok(())
}

/// `; fetched ..., checked ...` for a remote source with a stored copy.
fn freshness(source: &SourceConfig, copies: &Records, now: DateTime<Utc>) -> String {
    let Some(record) = copies.get(&source.name) else {
        return String::new();
    };
    let ago = |t: DateTime<Utc>| {
        format!(
            "{} ({})",
            crate::time::stamp(t),
            crate::time::countdown(now, t)
        )
    };
    let fetched = record.body_fetched.map(|t| format!("; fetched {}", ago(t)));
    let confirmed = record
        .last_success
        .map(|t| format!(", last confirmed {}", ago(t)));
    fetched.unwrap_or_default() + &confirmed.unwrap_or_default()
}
