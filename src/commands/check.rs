//! `confcal check`: validates every enabled source and says what each
//! holds or what is wrong with it, with its place; for a remote source, how
//! fresh its stored copy is and its last error. It never fetches.

use std::io::Write;

use chrono::{DateTime, Duration, Utc};

use super::pipeline::{open, open_if_remote};
use super::{CommandError, Context, Status};
use crate::cli::CheckArgs;
use crate::config::{SourceConfig, SourceLocation};
use crate::load::{load_one, stored, zones};
use crate::model::Catalog;
use crate::query::{self, CutShort, Filter, Window};
use crate::store::{Records, Store, Undelivered};

/// Checks every source of the configuration; [`Status::Problems`] when any
/// has one.
pub fn check(
    ctx: &Context,
    args: &CheckArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<Status, CommandError> {
    let config = &ctx.config;
    writeln!(out, "config `{}`: ok", config.path.display())?;
    let store = open_if_remote(ctx, err)?;
    let copies = match &store {
        Some(store) => stored(config, store)?,
        None => Records::new(),
    };
    let mut status = Status::Clean;
    let mut catalogs = Vec::new();
    for source in &config.sources {
        let place = match &source.location {
            SourceLocation::Path(path) => path.display().to_string(),
            SourceLocation::Url(url) if args.verbose => url.to_string(),
            SourceLocation::Url(url) => crate::config::redacted(url),
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
        for cut in cut_short(&loaded.catalog, ctx) {
            writeln!(err, "warning: source `{}`: {cut}", source.name)?;
        }
        catalogs.push(loaded.catalog);
    }
    for disagreement in crate::identity::disagreements(catalogs) {
        write_disagreement(out, &disagreement)?;
    }
    for failed in undelivered(ctx, store, err)? {
        writeln!(
            err,
            "warning: the {} notifier could never deliver the {} notice of deadline `{}` ({}): {}",
            failed.notifier,
            failed.what,
            failed.uid,
            crate::time::stamp(failed.at),
            failed.error
        )?;
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

/// The notices recorded as never deliverable, when there is a state file.
fn undelivered(
    ctx: &Context,
    store: Option<Store>,
    err: &mut impl Write,
) -> Result<Vec<Undelivered>, CommandError> {
    let exists = |dir: &std::path::PathBuf| dir.join(crate::store::FILE).exists();
    let store = match store {
        Some(store) => store,
        None if ctx.config.state_dir.as_ref().is_some_and(exists) => open(ctx, err)?,
        None => return Ok(Vec::new()),
    };
    Ok(store.undelivered()?)
}

/// How far ahead `check` expands recurrences, as `upcoming` does by
/// default, to say which are too dense to be shown whole.
const LOOK_AHEAD_DAYS: i64 = 30;

/// The series cut short in the days after now.
fn cut_short<'a>(catalog: &'a Catalog, ctx: &Context) -> Vec<CutShort<'a>> {
    let window = Window {
        from: ctx.now,
        until: ctx.now + Duration::days(LOOK_AHEAD_DAYS),
    };
    let local = ctx.config.default_timezone;
    query::upcoming_noting_cuts(catalog, window, &Filter::default(), local).1
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
