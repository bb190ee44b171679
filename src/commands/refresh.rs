//! `confcal refresh`: fetches the remote sources that are due (or all, or
//! the named ones) concurrently, shows progress while it runs, and ends
//! with a table of what each source came to.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use bytesize::ByteSize;
use comfy_table::{ContentArrangement, Table, presets};
use indicatif::{ProgressBar, ProgressStyle};

use super::pipeline::{describe, open, runtime};
use super::{CommandError, Context, Status};
use crate::cli::RefreshArgs;
use crate::refresh::{self, Remote, Report, due_at, remotes};
use crate::store::{Records, SourceRecord};
use crate::time::stamp;

/// Refreshes the chosen sources; [`Status::Problems`] when one failed.
pub fn refresh(
    ctx: &Context,
    args: &RefreshArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<Status, CommandError> {
    let config = &ctx.config;
    if remotes(config).next().is_none() {
        writeln!(
            out,
            "no remote sources to refresh: every enabled source is a local file"
        )?;
        return Ok(Status::Clean);
    }
    let mut store = open(ctx, err)?;
    let records = store.records()?;
    let chosen = chosen(ctx, args, &records)?;
    let reports = if ctx.offline || chosen.is_empty() {
        Vec::new()
    } else {
        fetch(ctx, args, &chosen, &mut store, err)?
    };
    let records = store.records()?;
    writeln!(out, "{}", summary(ctx, &reports, &records))?;
    for report in &reports {
        for warning in &report.warnings {
            writeln!(err, "warning: source `{}`: {warning}", report.name)?;
        }
    }
    Ok(if reports.iter().any(|r| r.status.failed()) {
        Status::Problems
    } else {
        Status::Clean
    })
}

/// The named sources, or every one with `--all`, or the due ones.
fn chosen<'a>(
    ctx: &'a Context,
    args: &RefreshArgs,
    records: &Records,
) -> Result<Vec<Remote<'a>>, CommandError> {
    let config = &ctx.config;
    if args.sources.is_empty() {
        return Ok(if args.all {
            remotes(config).collect()
        } else {
            refresh::due(config, records, ctx.now)
        });
    }
    let known: Vec<Remote<'a>> = remotes(config).collect();
    args.sources
        .iter()
        .map(|name| {
            known
                .iter()
                .find(|r| r.source.name == *name)
                .copied()
                .ok_or_else(|| unknown(name, &known))
        })
        .collect()
}

fn unknown(name: &str, known: &[Remote<'_>]) -> CommandError {
    let names: Vec<&str> = known.iter().map(|r| r.source.name.as_str()).collect();
    let closest = names
        .iter()
        .map(|n| (strsim::jaro_winkler(name, n), *n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n.to_owned());
    CommandError::UnknownSource {
        name: name.to_owned(),
        closest,
        known: names.join(", "),
    }
}

fn fetch(
    ctx: &Context,
    args: &RefreshArgs,
    chosen: &[Remote<'_>],
    store: &mut crate::store::Store,
    err: &mut impl Write,
) -> Result<Vec<Report>, CommandError> {
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(chosen.len() as u64);
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let mut lines = Vec::new();
    let progress = |report: &Report| match &bar {
        Some(bar) => {
            bar.inc(1);
            bar.set_message(report.name.clone());
        }
        None => lines.push(format!("{}: {}", report.name, describe(report))),
    };
    let reports = runtime()?.block_on(refresh::refresh(
        &ctx.config,
        chosen,
        store,
        ctx.now,
        progress,
    ))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for line in lines {
        writeln!(err, "{line}")?;
    }
    Ok(reports)
}

/// One row per remote source: what this run did to it, or when it is due.
fn summary(ctx: &Context, reports: &[Report], records: &Records) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["source", "status", "events", "deadlines", "bytes", "time"]);
    for remote in remotes(&ctx.config) {
        let name = &remote.source.name;
        let record = refresh::record_of(records, remote);
        let row = match reports.iter().find(|r| r.name == *name) {
            Some(report) => [
                name.clone(),
                describe(report),
                report.events.to_string(),
                report.deadlines.to_string(),
                ByteSize(report.bytes).to_string(),
                format!("{:.2} s", report.elapsed.as_secs_f64()),
            ],
            None => [
                name.clone(),
                idle(ctx, records, remote, record),
                record.map_or(0, |r| r.events).to_string(),
                record.map_or(0, |r| r.deadlines).to_string(),
                ByteSize(record.map_or(0, |r| r.body_len)).to_string(),
                "-".to_owned(),
            ],
        };
        table.add_row(row);
    }
    table
}

/// The status of a source this run did not fetch.
fn idle(
    ctx: &Context,
    records: &Records,
    remote: Remote<'_>,
    record: Option<&SourceRecord>,
) -> String {
    let state = match record {
        None => "never fetched".to_owned(),
        Some(r) => match (&r.last_error, r.failing_since, r.body_fetched) {
            (Some(error), Some(since), Some(_)) => format!("stale since {}: {error}", stamp(since)),
            (Some(error), _, None) => format!("failed: {error}"),
            _ => format!(
                "stored, checked {}",
                r.last_success.map_or_else(|| "never".to_owned(), stamp)
            ),
        },
    };
    if ctx.offline {
        return state;
    }
    match due_at(&ctx.config, records, remote) {
        Some(at) if at > ctx.now => format!("{state}; next due {}", stamp(at)),
        Some(_) => state,
        None => format!("{state}; its schedule never fires again"),
    }
}
