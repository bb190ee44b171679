//! The commands: the one-shot ones (`upcoming`, `export`, `refresh`,
//! `check`, `extract`, `done`/`mute`/`unmute`) run the pipeline once over a
//! loaded configuration and write their answer; `serve` runs the daemon.

mod check;
mod export;
mod extract;
mod mark;
mod pipeline;
mod refresh;
mod serve;
mod upcoming;

pub use check::check;
pub use export::export;
pub use extract::extract_command as extract;
pub use mark::mark;
pub use refresh::refresh;
pub use serve::serve;
pub use upcoming::upcoming;

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::config::{Config, ConfigError};
use crate::load::Problem;
use crate::query::UnknownKindFilter;
use crate::time::{BadInstant, parse_instant};

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Time(#[from] BadInstant),
    #[error(transparent)]
    Kind(#[from] UnknownKindFilter),
    #[error("`--until` ({until}) is not after `--from` ({from})")]
    EmptyWindow {
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    #[error("cannot write `{}`: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Refresh(#[from] crate::refresh::RefreshError),
    #[error("{0}")]
    Input(String),
    #[error("cannot read `{}`: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Daemon(#[from] crate::daemon::DaemonError),
    #[error("no folder for confcal's state: set `state_dir` in the configuration")]
    NoStateDir,
    #[error("no remote source named `{name}`{}; remote sources: {known}", .closest.as_ref().map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default())]
    UnknownSource {
        name: String,
        closest: Option<String>,
        known: String,
    },
}

/// How a command ended, when it could run at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// All is well.
    Clean,
    /// It ran, and found problems it reported.
    Problems,
}

/// What every command works from: the configuration and the moment it runs
/// at.
#[derive(Debug, Clone)]
pub struct Context {
    pub config: Config,
    pub now: DateTime<Utc>,
    /// Use stored copies of remote sources only.
    pub offline: bool,
}

impl Context {
    /// Reads a time given on the command line in the configured zone.
    pub fn time(&self, text: &str) -> Result<DateTime<Utc>, BadInstant> {
        parse_instant(text, self.config.default_timezone)
    }
}

/// Prints each source problem as a warning.
fn warn(problems: &[Problem], err: &mut impl Write) -> Result<(), CommandError> {
    for problem in problems {
        let level = if problem.error.is_note() {
            "note"
        } else {
            "warning"
        };
        writeln!(err, "{level}: {problem}")?;
    }
    Ok(())
}
