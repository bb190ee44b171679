//! `confcal done`, `mute` and `unmute`: stop a deadline's reminders
//! (submitted, or not interested), or start them again. The mark is kept in
//! the state file, where a running daemon reads it at its next check.

use std::io::Write;

use super::{CommandError, Context, Status};
use crate::model::Deadline;
use crate::store::Status as Mark;

/// Marks the deadline `query` names (a UID, or words of its title) with
/// `mark`, or clears its mark with `None`.
pub fn mark(
    ctx: &Context,
    query: &str,
    mark: Option<Mark>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<Status, CommandError> {
    let offline = Context {
        offline: true,
        ..ctx.clone()
    };
    let loaded = super::pipeline::catalog(&offline, err)?;
    let deadline = find(&loaded.catalog.deadlines, query)?;
    let mut store = super::pipeline::open(ctx, err)?;
    store.set_status(&deadline.uid, deadline.due_instant(), mark, ctx.now)?;
    let said = match mark {
        Some(Mark::Done) => "done: no more reminders for",
        Some(Mark::Muted) => "muted: no more reminders for",
        None => "reminders on again for",
    };
    writeln!(out, "{said} {} ({})", deadline.title(), deadline.uid)?;
    Ok(Status::Clean)
}

/// The one deadline whose UID is `query`, or whose title contains it.
fn find<'a>(deadlines: &'a [Deadline], query: &str) -> Result<&'a Deadline, CommandError> {
    if let Some(exact) = deadlines.iter().find(|d| d.uid == query) {
        return Ok(exact);
    }
    let words = query.to_lowercase();
    let matches: Vec<&Deadline> = deadlines
        .iter()
        .filter(|d| d.title().to_lowercase().contains(&words))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(CommandError::Input(format!(
            "no deadline has the UID `{query}` or a title containing it; `confcal upcoming --kind cfp` lists deadlines"
        ))),
        many => Err(CommandError::Input(format!(
            "`{query}` matches {} deadlines; name one by its UID:\n{}",
            many.len(),
            many.iter()
                .map(|d| format!("  {}  {}", d.uid, d.title()))
                .collect::<Vec<_>>()
                .join("\n")
        ))),
    }
}
