//! The command line: every command and flag, with help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// confcal: conference calendars and CFP deadlines, merged into one feed.
#[derive(Debug, Parser)]
#[command(name = "confcal", version, about, propagate_version = true)]
pub struct Cli {
    /// The configuration file [default: `$CONFCAL_CONFIG`, then the XDG
    /// config dir's confcal/config.toml, then ./config.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Pretend it is this moment: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] in the
    /// configured zone, or RFC 3339 such as 2015-04-05T00:00:00Z
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,

    /// Use only stored copies of remote sources: fetch nothing
    #[arg(long, global = true)]
    pub offline: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the events and deadlines coming up
    Upcoming(UpcomingArgs),
    /// Write the merged iCalendar feed
    Export(ExportArgs),
    /// Fetch remote sources that are due (or all, or the named ones)
    Refresh(RefreshArgs),
    /// Show the events and deadlines found in an announcement
    Extract(ExtractArgs),
    /// Validate the configuration and every source
    Check(CheckArgs),
    /// Run the service: keep sources fresh, serve the feed over HTTP, send
    /// reminders
    Serve(ServeArgs),
    /// Stop reminders for a deadline you have dealt with (submitted,
    /// registered)
    Done(MarkArgs),
    /// Stop reminders for a deadline you are not interested in
    Mute(MarkArgs),
    /// Start reminders again for a deadline marked done or muted
    Unmute(MarkArgs),
    /// Print the example configuration
    ExampleConfig,
}

#[derive(Debug, Args)]
pub struct UpcomingArgs {
    /// How many days ahead of now to look
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub days: u32,

    /// Start of the window instead of now (date or date-time)
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,

    /// End of the window instead of now + days (date or date-time, exclusive)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Only these kinds: event kinds (conference, hackathon, ...) or
    /// deadline kinds (cfp, registration, ...); repeatable
    #[arg(long = "kind", value_name = "KIND")]
    pub kinds: Vec<String>,

    /// Only items with one of these tags; repeatable
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// Only what the `[watch]` list of the configuration covers
    #[arg(long)]
    pub watched: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Show remote sources' URLs whole, with their query strings and
    /// passwords (which are hidden otherwise)
    #[arg(long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen on this address instead of `[server] bind`, such as
    /// 127.0.0.1:7878 (port 0 picks a free one)
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
pub struct MarkArgs {
    /// The deadline: its UID, or words of its title ("KVM Forum 2015")
    #[arg(value_name = "UID|TITLE", required = true, num_args = 1..)]
    pub deadline: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Fetch every remote source, due or not
    #[arg(long, conflicts_with = "sources")]
    pub all: bool,

    /// Print one plain line per source instead of a progress bar
    #[arg(long, short)]
    pub quiet: bool,

    /// Fetch only these sources, due or not
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// An announcement: a file (text, Markdown, HTML, RSS/Atom) or a URL
    #[arg(value_name = "FILE|URL")]
    pub input: String,

    /// When it was published, if the text does not say: years left out are
    /// read against it
    #[arg(long, value_name = "DATE")]
    pub published: Option<String>,

    /// Output format: JSON, or curated TOML entries to correct and keep
    #[arg(long, value_enum, default_value_t = ExtractFormat::Json)]
    pub format: ExtractFormat,
}

/// How `extract` prints what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtractFormat {
    Json,
    Toml,
}

/// How data is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Ics,
}
