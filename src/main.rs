//! The `confcal` binary: parses the command line, loads the configuration,
//! runs one command and maps its outcome to an exit status.

use std::io::{self, Write};
use std::process::ExitCode;

use chrono::Utc;
use clap::Parser;

use confcal::cli::{Cli, Command};
use confcal::commands::{self, CommandError, Context, Status};
use confcal::config::{self, Config};
use confcal::time::parse_instant;

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
    let (mut out, mut err) = (io::BufWriter::new(io::stdout().lock()), io::stderr().lock());
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
    let ctx = Context {
        config,
        now,
        offline: cli.offline,
    };
    let status = match cli.command {
        Command::Upcoming(args) => commands::upcoming(&ctx, &args, &mut out, &mut err),
        Command::Export(args) => commands::export(&ctx, args.output.as_deref(), &mut out, &mut err),
        Command::Refresh(args) => commands::refresh(&ctx, &args, &mut out, &mut err),
        Command::Check => commands::check(&ctx, &mut out, &mut err),
        Command::Extract(args) => commands::extract(&ctx, &args, &mut out),
        Command::ExampleConfig => Ok(Status::Clean),
    }?;
    out.flush()?;
    Ok(status)
}
