//! `confcal check`: validates every enabled source and says what each
//! holds or what is wrong with it, with its place.

use std::io::Write;

use super::{CommandError, Context, Status};
use crate::config::SourceLocation;
use crate::load::zones;
use crate::sources;

/// Checks every source of the configuration; [`Status::Problems`] when any
/// has one.
pub fn check(
    ctx: &Context,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<Status, CommandError> {
    let config = &ctx.config;
    writeln!(out, "config `{}`: ok", config.path.display())?;
    let mut status = Status::Clean;
    for source in &config.sources {
        let place = match &source.location {
            SourceLocation::Path(path) => path.display().to_string(),
            SourceLocation::Url(url) => url.clone(),
        };
        if !source.enabled {
            writeln!(
                out,
                "source `{}` ({}, {place}): disabled",
                source.name,
                source.kind.name()
            )?;
            continue;
        }
        let loaded = sources::load(source, zones(config));
        writeln!(
            out,
            "source `{}` ({}, {place}): {} events, {} deadlines{}",
            source.name,
            source.kind.name(),
            loaded.catalog.events.len(),
            loaded.catalog.deadlines.len(),
            match loaded.problems.len() {
                0 => String::new(),
                1 => ", 1 problem".to_owned(),
                n => format!(", {n} problems"),
            }
        )?;
        for problem in &loaded.problems {
            writeln!(err, "error: source `{}`: {problem}", source.name)?;
            status = Status::Problems;
        }
    }
    Ok(status)
}
