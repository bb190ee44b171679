//! The `confcal` binary: parses the command line, loads the configuration,
//! runs one command and maps its outcome to an exit status.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Parser;
use tracing_subscriber::EnvFilter;

use confcal::cli::{Cli, Command, MarkArgs};
use confcal::commands::{self, CommandError, Context, Status};
use confcal::config::{self, Config};
use confcal::store::Status as Mark;
use confcal::time::{Clock, parse_instant};

/// jemalloc hands freed memory back to the system (with its background
/// thread, which `serve` turns on, even while the daemon sleeps): after a
/// rebuild or a large first render the idle daemon shrinks back, where the
/// system allocator kept the peak.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Status::Clean) => ExitCode::SUCCESS,
        Ok(Status::Problems) => ExitCode::from(1),
        // A reader that stopped early (`confcal upcoming | head`) is not an error.
        Err(CommandError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("confcal: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<Status, CommandError> {
    // Standard error stays unlocked: the daemon logs to it from its worker
    // threads.
    let (mut out, mut err) = (io::BufWriter::new(io::stdout().lock()), io::stderr());
    if let Command::ExampleConfig = cli.command {
        out.write_all(config::EXAMPLE.as_bytes())?;
        return Ok(Status::Clean);
    }
    let path = config::locate(
        cli.config.as_deref(),
        std::env::var_os("CONFCAL_CONFIG"),
        dirs::config_dir(),
    );
    let config = match (&cli.command, path) {
        (_, Ok(path)) => Config::load(&path)?,
        // `extract` reads a document and needs no configuration.
        (Command::Extract(_), Err(_)) => Config::parse(std::path::Path::new("config.toml"), "")
            .map_err(config::ConfigError::from)?,
        (_, Err(e)) => return Err(e.into()),
    };
    let now = match &cli.now {
        Some(text) => parse_instant(text, config.default_timezone)?,
        None => Utc::now(),
    };
    let clock = clock(now, cli.now.is_some());
    let ctx = Context {
        config,
        now,
        offline: cli.offline,
    };
    let status = match cli.command {
        Command::Upcoming(args) => commands::upcoming(&ctx, &args, &mut out, &mut err),
        Command::Export(args) => commands::export(&ctx, args.output.as_deref(), &mut out, &mut err),
        Command::Refresh(args) => commands::refresh(&ctx, &args, &mut out, &mut err),
        Command::Check(args) => commands::check(&ctx, &args, &mut out, &mut err),
        Command::Extract(args) => commands::extract(&ctx, &args, &mut out),
        Command::Serve(args) => {
            logging();
            if let Err(e) = tikv_jemalloc_ctl::background_thread::write(true) {
                tracing::debug!("freed memory is returned only as the daemon works: {e}");
            }
            commands::serve(&ctx, &args, clock, &mut out)
        }
        Command::Done(args) => mark(&ctx, &args, Some(Mark::Done), &mut out, &mut err),
        Command::Mute(args) => mark(&ctx, &args, Some(Mark::Muted), &mut out, &mut err),
        Command::Unmute(args) => mark(&ctx, &args, None, &mut out, &mut err),
        Command::ExampleConfig => Ok(Status::Clean),
    }?;
    out.flush()?;
    Ok(status)
}

/// The daemon's clock: the wall clock, or with `--now`, one that starts
/// there and runs at the wall clock's pace.
fn clock(start: DateTime<Utc>, pretend: bool) -> Clock {
    if !pretend {
        return Arc::new(Utc::now);
    }
    let real = Utc::now();
    Arc::new(move || start + (Utc::now() - real))
}

fn mark(
    ctx: &Context,
    args: &MarkArgs,
    mark: Option<Mark>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<Status, CommandError> {
    commands::mark(ctx, &args.deadline.join(" "), mark, out, err)
}

/// Logs to standard error: coloured with times on a terminal, plain lines
/// for the journal (which adds its own times). `CONFCAL_LOG` sets the level
/// (`debug`, `info`, `warn`; default `info`).
fn logging() {
    let filter = EnvFilter::try_from_env("CONFCAL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let logger = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_target(false);
    if io::stderr().is_terminal() {
        logger.init();
    } else {
        logger.with_ansi(false).without_time().init();
    }
}
