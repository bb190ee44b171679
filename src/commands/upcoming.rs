//! `confcal upcoming`: what is coming up in a window, as a table for
//! people, JSON for scripts or iCalendar for calendar apps.

use std::io::Write;

use chrono::{DateTime, Duration, Utc};
use comfy_table::{ContentArrangement, Table, presets};

use super::export::render_feed;
use super::{CommandError, Context, Status};
use crate::cli::{Format, UpcomingArgs};
use crate::model::{Catalog, Deadline, When};
use crate::query::{self, Entry, Filter, Item, JsonItem, KindFilter, Window};
use crate::recur::Occurrence;
use crate::time::{Zone, countdown};

/// Lists what falls in the window `args` describe.
pub fn upcoming(
    ctx: &Context,
    args: &UpcomingArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<Status, CommandError> {
    let window = window(ctx, args)?;
    let filter = Filter {
        kinds: args
            .kinds
            .iter()
            .map(|k| k.parse::<KindFilter>())
            .collect::<Result<_, _>>()?,
        tags: args.tags.clone(),
    };
    let mut loaded = super::pipeline::catalog(ctx, err)?;
    if args.watched {
        loaded.catalog = ctx.config.watch.narrow(&loaded.catalog).into_owned();
    }
    let local = ctx.config.default_timezone;
    let (entries, cuts) = query::upcoming_noting_cuts(&loaded.catalog, window, &filter, local);
    for cut in &cuts {
        writeln!(err, "warning: {cut}")?;
    }
    match args.format {
        Format::Json => {
            let items: Vec<JsonItem> = entries.iter().map(JsonItem::from).collect();
            serde_json::to_writer_pretty(&mut *out, &items).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Ics => {
            out.write_all(render_feed(ctx, &selection(&loaded.catalog, &entries)).as_bytes())?;
        }
        Format::Table => writeln!(out, "{}", table(&entries, ctx.now, local))?,
    }
    Ok(Status::Clean)
}

/// `--from`/`--until` where given, else `now` and `now + days`.
fn window(ctx: &Context, args: &UpcomingArgs) -> Result<Window, CommandError> {
    let from = args
        .from
        .as_deref()
        .map(|t| ctx.time(t))
        .transpose()?
        .unwrap_or(ctx.now);
    let until = match args.until.as_deref() {
        Some(t) => ctx.time(t)?,
        None => from + Duration::days(i64::from(args.days)),
    };
    if until <= from {
        return Err(CommandError::EmptyWindow { from, until });
    }
    Ok(Window { from, until })
}

/// The items of `entries` as a catalog of their own, for `--format ics`:
/// each series once, whole.
fn selection(catalog: &Catalog, entries: &[Entry<'_>]) -> Catalog {
    let mut uids: Vec<&str> = entries.iter().map(|e| e.item.uid()).collect();
    uids.sort_unstable();
    let picked = |uid: &str| uids.binary_search(&uid).is_ok();
    Catalog {
        events: catalog
            .events
            .iter()
            .filter(|e| picked(&e.uid))
            .cloned()
            .collect(),
        deadlines: catalog
            .deadlines
            .iter()
            .filter(|d| picked(&d.uid))
            .cloned()
            .collect(),
    }
}

fn table(entries: &[Entry<'_>], now: DateTime<Utc>, local: Zone) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            format!("When ({local})"),
            "As stated".to_owned(),
            "Countdown".to_owned(),
            "Kind".to_owned(),
            "What".to_owned(),
        ]);
    for entry in entries {
        let row = match entry.item {
            Item::Deadline(d) => deadline_row(d, entry.at, now, local),
            Item::Event(o) => event_row(&o, entry.at, now, local),
        };
        table.add_row(row);
    }
    table
}

fn stamp(t: DateTime<Utc>, zone: Zone) -> String {
    zone.localize(t).format("%a %Y-%m-%d %H:%M").to_string()
}

fn deadline_row(d: &Deadline, due: DateTime<Utc>, now: DateTime<Utc>, local: Zone) -> Vec<String> {
    let stated = format!("{} {}", d.due_local().format("%Y-%m-%d %H:%M"), d.zone);
    vec![
        stamp(due, local),
        stated,
        countdown(now, due),
        d.kind.to_string(),
        d.title(),
    ]
}

fn event_row(
    o: &Occurrence<'_>,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    local: Zone,
) -> Vec<String> {
    let e = o.event;
    let stated = match (o.start, o.end) {
        (When::Date(a), When::Date(b)) if a == b => a.to_string(),
        (When::Date(a), When::Date(b)) => format!("{a} – {b}"),
        (start, _) => match start.zone() {
            Some(zone) => stamp(start.start_instant(zone), zone) + &format!(" {zone}"),
            None => start
                .start_instant(local)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        },
    };
    let when = if e.all_day() {
        e.start.date().format("%a %Y-%m-%d").to_string()
    } else {
        stamp(start, local)
    };
    let what = match &e.location {
        Some(place) => format!("{} ({place})", e.title),
        None => e.title.clone(),
    };
    vec![
        when,
        stated,
        countdown(now, start),
        e.kind.to_string(),
        what,
    ]
}
