//! `confcal export`: the merged feed, to standard output or a file.

use std::io::Write;
use std::path::Path;

use chrono::Duration;

use super::{CommandError, Context, Status};
use crate::feed::{FeedOptions, render};
use crate::model::Catalog;

/// How often subscribers are asked to refresh the feed.
const REFRESH: Duration = Duration::hours(1);

/// Renders `catalog` as the feed configured in `ctx`.
#[must_use]
pub(crate) fn render_feed(ctx: &Context, catalog: &Catalog) -> String {
    let options = FeedOptions {
        name: &ctx.config.calendar_name,
        leads: &ctx.config.reminders.leads,
        now: ctx.now,
        refresh: REFRESH,
    };
    render(catalog, &options)
}

/// Writes the merged feed to `output`, or to `out` when there is none.
pub fn export(
    ctx: &Context,
    output: Option<&Path>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<Status, CommandError> {
    let loaded = super::pipeline::catalog(ctx, err)?;
    let text = render_feed(ctx, &loaded.catalog);
    match output {
        Some(path) => std::fs::write(path, &text).map_err(|source| CommandError::Write {
            path: path.to_owned(),
            source,
        })?,
        None => out.write_all(text.as_bytes())?,
    }
    Ok(Status::Clean)
}
