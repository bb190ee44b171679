//! The pipeline as the one-shot commands run it: open the state when there
//! are remote sources, fetch the ones that are due (unless `--offline`,
//! saying so on standard error), then read every source and merge.

use std::io::Write;

use super::{CommandError, Context, warn};
use crate::load::{Loaded, load_all, stored};
use crate::refresh::{self, Report, remotes};
use crate::sources::SourceError;
use crate::store::{Records, Store};

/// The merged catalog as of now, with every problem met.
/// A state file that cannot be used leaves the remote sources out, with a
/// warning, and the local ones still load.
pub(super) fn catalog(ctx: &Context, err: &mut impl Write) -> Result<Loaded, CommandError> {
    let (copies, unopened) = match remote_copies(ctx, err) {
        Ok(copies) => (copies, None),
        Err(CommandError::Output(e)) => return Err(e.into()),
        Err(e) => (Records::new(), Some(e.to_string())),
    };
    let mut loaded = load_all(&ctx.config, &copies);
    if let Some(why) = unopened {
        // Their copies are stored, maybe: they could not be read.
        for problem in &mut loaded.problems {
            if matches!(problem.error, SourceError::NotFetched) {
                problem.error = SourceError::NoState(why.clone());
            }
        }
    }
    warn(&loaded.problems, err)?;
    Ok(loaded)
}

/// The stored copies of the remote sources, after fetching the due ones
/// unless offline.
fn remote_copies(ctx: &Context, err: &mut impl Write) -> Result<Records, CommandError> {
    let Some(mut store) = open_if_remote(ctx, err)? else {
        return Ok(Records::new());
    };
    if !ctx.offline {
        fetch_due(ctx, &mut store, err)?;
    }
    Ok(stored(&ctx.config, &store)?)
}

/// The state store, when the configuration has enabled remote sources.
/// A damaged state file is moved aside, with a warning.
pub(super) fn open_if_remote(
    ctx: &Context,
    err: &mut impl Write,
) -> Result<Option<Store>, CommandError> {
    if remotes(&ctx.config).next().is_none() {
        return Ok(None);
    }
    open(ctx, err).map(Some)
}

/// Opens the state store.
pub(super) fn open(ctx: &Context, err: &mut impl Write) -> Result<Store, CommandError> {
    let dir = ctx
        .config
        .state_dir
        .as_ref()
        .ok_or(CommandError::NoStateDir)?;
    let opened = Store::open(dir, ctx.now)?;
    if let Some(moved) = &opened.moved_aside {
        writeln!(err, "warning: {moved}")?;
    }
    Ok(opened.store)
}

fn fetch_due(ctx: &Context, store: &mut Store, err: &mut impl Write) -> Result<(), CommandError> {
    let records = store.records()?;
    let due = refresh::due(&ctx.config, &records, ctx.now);
    if due.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = due.iter().map(|r| r.source.name.as_str()).collect();
    writeln!(
        err,
        "fetching {} due source{}: {}",
        due.len(),
        if due.len() == 1 { "" } else { "s" },
        names.join(", ")
    )?;
    let reports =
        runtime()?.block_on(refresh::refresh(&ctx.config, &due, store, ctx.now, |_| {}))?;
    for report in reports.iter().filter(|r| r.status.failed()) {
        writeln!(
            err,
            "warning: source `{}`: {}",
            report.name,
            describe(report)
        )?;
    }
    Ok(())
}

/// The runtime fetches run on.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// A report's status in words.
pub(super) fn describe(report: &Report) -> String {
    report.status.to_string()
}
