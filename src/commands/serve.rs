//! `confcal serve`: the daemon, on a runtime of its own until a signal
//! stops it.

use std::io::Write;
use std::net::SocketAddr;

use super::{CommandError, Context, Status};
use crate::cli::ServeArgs;
use crate::daemon::{self, Options};
use crate::time::Clock;

/// Runs the daemon; prints where it listens and the links to subscribe to.
pub fn serve(
    ctx: &Context,
    args: &ServeArgs,
    clock: Clock,
    out: &mut impl Write,
) -> Result<Status, CommandError> {
    let options = Options {
        config: ctx.config.clone(),
        config_path: ctx.config.path.clone(),
        bind: args.bind,
        offline: ctx.offline,
        clock,
    };
    let token = ctx.config.server.token.clone();
    let mut printed = Ok(());
    let announce = |addr: SocketAddr| printed = links(out, addr, token.as_deref());
    let runtime = super::pipeline::runtime()?;
    let result = runtime.block_on(daemon::run(options, announce));
    // Anything still waiting (a notification's action) is not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result?;
    printed?;
    Ok(Status::Clean)
}

/// `listening on http://127.0.0.1:7878` and the `webcal://` links.
fn links(out: &mut impl Write, addr: SocketAddr, token: Option<&str>) -> std::io::Result<()> {
    let query = token.map(token_query).unwrap_or_default();
    writeln!(out, "listening on http://{addr}")?;
    writeln!(
        out,
        "subscribe to everything:  webcal://{addr}/calendar.ics{query}"
    )?;
    writeln!(
        out,
        "subscribe to deadlines:   webcal://{addr}/deadlines.ics{query}"
    )?;
    writeln!(
        out,
        "subscribe to events:      webcal://{addr}/events.ics{query}"
    )?;
    writeln!(out, "health:                   http://{addr}/healthz")?;
    out.flush()
}

/// `?token=…` with the token percent-encoded, so that a link followed as
/// printed carries the token exactly.
fn token_query(token: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    format!("?token={encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_links_carry_the_token_exactly() {
        for token in ["a+b/c==", "x&y#z%41", "plain-token-123", "with space é"] {
            let mut out = Vec::new();
            links(&mut out, "127.0.0.1:7878".parse().unwrap(), Some(token)).unwrap();
            let out = String::from_utf8(out).unwrap();
            let link = out
                .lines()
                .find_map(|l| l.strip_prefix("subscribe to everything:  "))
                .unwrap();
            let query = link.split_once('?').unwrap().1;
            assert!(!query.contains(['#', ' ']), "{link}");
            let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            assert_eq!(pairs, [("token".to_owned(), token.to_owned())], "{link}");
        }
    }
}
