//! `config.toml`: where it is looked for, its schema, and its validation into
//! a [`Config`] whose zones, lead times and paths are already parsed, so the
//! rest of confcal never sees a string where a type belongs.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use std::time::Duration;

use bytesize::ByteSize;
use serde::Deserialize;
use toml::Spanned;

use crate::model::DeadlineKind;
use crate::place::{Place, Placed};
use crate::schedule::Refresh;
use crate::time::{Lead, Zone, system_zone};

/// The example configuration, shipped inside the binary.
pub const EXAMPLE: &str = include_str!("../config.toml");

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no configuration found: looked for {}", list_paths(.searched))]
    NotFound { searched: Vec<PathBuf> },
    #[error("cannot read `{}`: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Invalid(#[from] Placed),
}

fn list_paths(paths: &[PathBuf]) -> String {
    let quoted: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
    quoted.join(", ")
}

/// Finds the configuration file: `--config`, then `$CONFCAL_CONFIG`, then the
/// XDG config dir (`confcal/config.toml`), then `./config.toml`.
pub fn locate(
    explicit: Option<&Path>,
    env: Option<OsString>,
    xdg_config_dir: Option<PathBuf>,
) -> Result<PathBuf, ConfigError> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let mut searched = Vec::new();
    if let Some(dir) = xdg_config_dir {
        let candidate = dir.join("confcal").join("config.toml");
        if candidate.is_file() {
            return Ok(candidate);
        }
        searched.push(candidate);
    }
    let local = PathBuf::from("config.toml");
    if local.is_file() {
        return Ok(local);
    }
    searched.push(local);
    Err(ConfigError::NotFound { searched })
}

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    pub calendar_name: String,
    /// The zone for floating times and for showing times to the user.
    pub default_timezone: Zone,
    /// The zone for deadlines stated without one.
    pub deadline_timezone: Zone,
    /// Where state is kept, if a place could be found for it.
    pub state_dir: Option<PathBuf>,
    /// When remote sources are fetched, unless a source says otherwise.
    pub refresh: Refresh,
    pub fetch: Fetch,
    pub reminders: Reminders,
    pub server: Server,
    pub sources: Vec<SourceConfig>,
    /// `[watch]`: what reminders, `/watched.ics` and new-CFP notices cover.
    pub watch: crate::watch::Watch,
}

/// `[reminders]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminders {
    pub leads: Leads,
    pub notifiers: Vec<Notifier>,
    /// The program and arguments the `command` notifier runs.
    pub command: Option<Vec<String>>,
}

/// How long before a deadline to remind: `lead`, unless `[reminders.by_kind]`
/// names the deadline's kind. Each list is longest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leads {
    pub default: Vec<Lead>,
    pub by_kind: BTreeMap<DeadlineKind, Vec<Lead>>,
}

impl Leads {
    /// The lead times of a deadline of `kind`, longest first.
    #[must_use]
    pub fn of(&self, kind: DeadlineKind) -> &[Lead] {
        self.by_kind.get(&kind).unwrap_or(&self.default)
    }
}

/// A way to tell the user a reminder is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Notifier {
    Desktop,
    Log,
    Command,
}

/// `[fetch]`: how remote sources are downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole answer, body included.
    pub timeout: Duration,
    /// Largest body read, in bytes.
    pub max_body: u64,
    /// Most requests in flight at once (and one per host).
    pub max_in_flight: usize,
    pub max_redirects: usize,
}

impl Default for Fetch {
    fn default() -> Self {
        Fetch {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_body: 20 * 1024 * 1024,
            max_in_flight: 8,
            max_redirects: 10,
        }
    }
}

impl Config {
    /// The schedule `source` is refreshed on.
    #[must_use]
    pub fn refresh_of<'a>(&'a self, source: &'a SourceConfig) -> &'a Refresh {
        source.refresh.as_ref().unwrap_or(&self.refresh)
    }
}

/// `[server]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub bind: SocketAddr,
    pub token: Option<String>,
    /// Longest wait for a request's headers, the first on a connection or
    /// the next on a kept-alive one: a client that sends nothing in this
    /// time is disconnected.
    pub header_timeout: Duration,
    /// Most connections served at once; more wait to be accepted.
    pub max_connections: usize,
}

/// The shortest token accepted, in characters.
pub const MIN_TOKEN: usize = 12;

/// What a source holds, and so how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Curated,
    Ics,
    Announcement,
    Rss,
    /// ccfddl/ccf-deadlines: one YAML file per series.
    Ccfddl,
    /// The ai-deadlines family: per-conference or single-list YAML.
    #[serde(rename = "ai-deadlines")]
    AiDeadlines,
    /// pythondeadlin.es.
    Pythondeadlines,
    /// sec-deadlines.github.io.
    #[serde(rename = "sec-deadlines")]
    SecDeadlines,
    /// confs.tech: yearly per-topic JSON arrays.
    #[serde(rename = "confs-tech")]
    ConfsTech,
    /// developers.events: `all-events.json`, `all-cfps.json`.
    #[serde(rename = "developers-events")]
    DevelopersEvents,
}

impl SourceKind {
    /// The name used in `config.toml`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Curated => "curated",
            SourceKind::Ics => "ics",
            SourceKind::Announcement => "announcement",
            SourceKind::Rss => "rss",
            SourceKind::Ccfddl => "ccfddl",
            SourceKind::AiDeadlines => "ai-deadlines",
            SourceKind::Pythondeadlines => "pythondeadlines",
            SourceKind::SecDeadlines => "sec-deadlines",
            SourceKind::ConfsTech => "confs-tech",
            SourceKind::DevelopersEvents => "developers-events",
        }
    }
}

/// Where a source's data is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceLocation {
    /// A local file or folder.
    Path(PathBuf),
    /// A remote document, normalized (`webcal://` is `https://`).
    Url(reqwest::Url),
}

/// One `[[source]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    pub location: SourceLocation,
    pub tags: Vec<String>,
    /// Higher wins when two sources state the same event.
    pub priority: i32,
    pub enabled: bool,
    /// The zone for this source's deadlines stated without one.
    pub timezone: Option<Zone>,
    /// Its own refresh schedule, if not the global one.
    pub refresh: Option<Refresh>,
    /// Announcements: the publication date to read years against when a
    /// document states none.
    pub published: Option<chrono::NaiveDate>,
    /// Announcements: extracted facts less sure than this (in percent)
    /// are left out.
    pub min_confidence: u8,
    /// Where the `[[source]]` table is, for messages.
    pub place: Place,
    /// The folder of the configuration file, which relative paths and
    /// provenance are relative to.
    pub root: PathBuf,
}

impl SourceConfig {
    /// A source read from `path`, with no tags, priority 0, enabled, no
    /// zone of its own, as if declared at the top of `config.toml`.
    #[must_use]
    pub fn local(name: &str, kind: SourceKind, path: &Path) -> SourceConfig {
        SourceConfig {
            name: name.to_owned(),
            kind,
            location: SourceLocation::Path(path.to_owned()),
            tags: Vec::new(),
            priority: 0,
            enabled: true,
            timezone: None,
            refresh: None,
            published: None,
            min_confidence: 0,
            place: Place {
                path: PathBuf::from("config.toml"),
                line: 1,
                column: 1,
            },
            root: PathBuf::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    calendar_name: Option<String>,
    default_timezone: Option<Spanned<String>>,
    deadline_timezone: Option<Spanned<String>>,
    state_dir: Option<PathBuf>,
    refresh: Option<Spanned<String>>,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    reminders: RawReminders,
    #[serde(default)]
    server: RawServer,
    #[serde(default, rename = "source")]
    sources: Vec<Spanned<RawSource>>,
    watch: Option<Spanned<crate::watch::Watch>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReminders {
    lead: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    by_kind: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    notifiers: Option<Spanned<Vec<Notifier>>>,
    command: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    connect_timeout: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    max_body: Option<Spanned<String>>,
    max_in_flight: Option<Spanned<usize>>,
    max_redirects: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    bind: Option<Spanned<String>>,
    token: Option<Spanned<String>>,
    header_timeout: Option<Spanned<String>>,
    max_connections: Option<Spanned<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    kind: SourceKind,
    path: Option<Spanned<PathBuf>>,
    url: Option<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    priority: i32,
    #[serde(default = "yes")]
    enabled: bool,
    timezone: Option<Spanned<String>>,
    refresh: Option<Spanned<String>>,
    published: Option<toml::value::Datetime>,
    min_confidence: Option<Spanned<f64>>,
}

fn yes() -> bool {
    true
}

const DEFAULT_LEADS: [&str; 4] = ["14d", "3d", "1d", "2h"];
const DEFAULT_BIND: &str = "127.0.0.1:7878";
const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// Hourly, on the hour.
const DEFAULT_REFRESH: &str = "0 0 * * * *";

impl Config {
    /// Reads and validates the configuration at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Ok(Config::parse(path, &text)?)
    }

    /// Validates configuration `text` as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, Placed> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| Placed::from_toml(path, text, &e))?;
        Validator { path, text }.config(raw)
    }
}

/// Turns the raw schema into a [`Config`], placing every error.
struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Validator<'_> {
    fn error(&self, span: &std::ops::Range<usize>, message: impl Into<String>) -> Placed {
        Placed::new(self.path, self.text, span, message)
    }

    fn zone(&self, value: &Spanned<String>) -> Result<Zone, Placed> {
        Zone::from_str(value.get_ref()).map_err(|e| self.error(&value.span(), e.to_string()))
    }

    fn refresh(&self, value: &Spanned<String>, source: Option<&str>) -> Result<Refresh, Placed> {
        value
            .get_ref()
            .parse()
            .map_err(|e: crate::schedule::BadRefresh| {
                let message = match source {
                    Some(name) => format!("source `{name}`: {e}"),
                    None => e.to_string(),
                };
                self.error(&value.span(), message)
            })
    }

    fn duration(
        &self,
        value: Option<&Spanned<String>>,
        default: Duration,
    ) -> Result<Duration, Placed> {
        let Some(value) = value else {
            return Ok(default);
        };
        humantime::parse_duration(value.get_ref())
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                self.error(
                    &value.span(),
                    format!("invalid duration `{}`: expected a number and a unit, such as `30s` or `2m`", value.get_ref()),
                )
            })
    }

    fn fetch(&self, raw: RawFetch) -> Result<Fetch, Placed> {
        let default = Fetch::default();
        let max_body = match &raw.max_body {
            None => default.max_body,
            Some(size) => size.get_ref().parse::<ByteSize>().map(|b| b.0).ok().filter(|b| *b > 0).ok_or_else(|| {
                self.error(&size.span(), format!("invalid size `{}`: expected a number and a unit, such as `20 MiB` or `500 KB`", size.get_ref()))
            })?,
        };
        let max_in_flight = match raw.max_in_flight {
            Some(n) if *n.get_ref() == 0 => {
                return Err(self.error(&n.span(), "`max_in_flight` must be at least 1"));
            }
            Some(n) => n.into_inner(),
            None => default.max_in_flight,
        };
        Ok(Fetch {
            connect_timeout: self
                .duration(raw.connect_timeout.as_ref(), default.connect_timeout)?,
            timeout: self.duration(raw.timeout.as_ref(), default.timeout)?,
            max_body,
            max_in_flight,
            max_redirects: raw.max_redirects.unwrap_or(default.max_redirects),
        })
    }

    fn confidence(&self, value: Option<&Spanned<f64>>) -> Result<u8, Placed> {
        let Some(value) = value else {
            return Ok(0);
        };
        let number = *value.get_ref();
        if !(0.0..=1.0).contains(&number) {
            return Err(self.error(
                &value.span(),
                format!("`min_confidence` is {number}: expected a number from 0 to 1, such as 0.6"),
            ));
        }
        // From 0 to 100 after the check above.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok((number * 100.0).round() as u8)
    }

    fn folder(&self) -> PathBuf {
        self.path.parent().map(Path::to_owned).unwrap_or_default()
    }

    fn config(&self, raw: RawConfig) -> Result<Config, Placed> {
        let default_timezone = match &raw.default_timezone {
            Some(zone) => self.zone(zone)?,
            None => system_zone(),
        };
        let deadline_timezone = match &raw.deadline_timezone {
            Some(zone) => self.zone(zone)?,
            None => Zone::Aoe,
        };
        let state_dir = match raw.state_dir {
            Some(dir) => Some(self.folder().join(dir)),
            None => dirs::state_dir().map(|d| d.join("confcal")),
        };
        Ok(Config {
            path: self.path.to_owned(),
            calendar_name: raw
                .calendar_name
                .unwrap_or_else(|| "Conferences and deadlines".to_owned()),
            default_timezone,
            deadline_timezone,
            state_dir,
            refresh: match &raw.refresh {
                Some(text) => self.refresh(text, None)?,
                None => DEFAULT_REFRESH
                    .parse()
                    .map_err(|e: crate::schedule::BadRefresh| self.error(&(0..0), e.to_string()))?,
            },
            fetch: self.fetch(raw.fetch)?,
            reminders: self.reminders(raw.reminders)?,
            server: self.server(raw.server)?,
            sources: self.sources(raw.sources)?,
            watch: crate::watch::Watch::default(),
        })
        .and_then(|config| self.watch(config, raw.watch))
    }

    /// `[watch]`, whose `sources` must name sources of this file.
    fn watch(
        &self,
        mut config: Config,
        raw: Option<Spanned<crate::watch::Watch>>,
    ) -> Result<Config, Placed> {
        let Some(raw) = raw else {
            return Ok(config);
        };
        let known: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        if let Some(unknown) = raw
            .get_ref()
            .sources
            .iter()
            .find(|s| !known.contains(&s.as_str()))
        {
            return Err(self.error(
                &raw.span(),
                format!(
                    "`[watch]` names the source `{unknown}`, which is not configured: the sources are {}",
                    known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        config.watch = raw.into_inner();
        Ok(config)
    }

    fn reminders(&self, raw: RawReminders) -> Result<Reminders, Placed> {
        let default = match raw.lead {
            Some(leads) => self.leads(&leads)?,
            None => DEFAULT_LEADS
                .iter()
                .filter_map(|l| l.parse().ok())
                .collect(),
        };
        let mut by_kind = BTreeMap::new();
        for (kind, leads) in &raw.by_kind {
            let parsed = kind
                .get_ref()
                .parse::<DeadlineKind>()
                .map_err(|e| self.error(&kind.span(), e.to_string()))?;
            by_kind.insert(parsed, self.leads(leads)?);
        }
        let (notifiers, span) = match raw.notifiers {
            Some(n) => (n.get_ref().clone(), n.span()),
            None => (vec![Notifier::Desktop, Notifier::Log], 0..0),
        };
        let command = raw.command.filter(|c| !c.is_empty());
        if notifiers.contains(&Notifier::Command) && command.is_none() {
            return Err(self.error(
                &span,
                "the `command` notifier needs `command`, the program to run and its arguments, such as `command = [\"notify-me\", \"--urgent\"]`",
            ));
        }
        Ok(Reminders {
            leads: Leads { default, by_kind },
            notifiers,
            command,
        })
    }

    /// Lead times, longest first, each once.
    fn leads(&self, leads: &[Spanned<String>]) -> Result<Vec<Lead>, Placed> {
        let mut parsed = leads
            .iter()
            .map(|l| {
                l.get_ref()
                    .parse()
                    .map_err(|e: crate::time::BadLead| self.error(&l.span(), e.to_string()))
            })
            .collect::<Result<Vec<Lead>, _>>()?;
        parsed.sort_by(|a, b| b.cmp(a));
        parsed.dedup();
        Ok(parsed)
    }

    fn server(&self, raw: RawServer) -> Result<Server, Placed> {
        let bind = match &raw.bind {
            Some(bind) => bind.get_ref().parse().map_err(|_| {
                self.error(
                    &bind.span(),
                    format!("invalid address `{}`: expected an IP address and port such as `127.0.0.1:7878`", bind.get_ref()),
                )
            })?,
            None => DEFAULT_BIND.parse().map_err(|_| self.error(&(0..0), "bad default bind"))?,
        };
        let max_connections = match raw.max_connections {
            Some(n) if *n.get_ref() == 0 => {
                return Err(self.error(&n.span(), "`max_connections` must be at least 1"));
            }
            Some(n) => n.into_inner(),
            None => DEFAULT_MAX_CONNECTIONS,
        };
        Ok(Server {
            bind,
            token: raw.token.map(|t| self.token(t)).transpose()?,
            header_timeout: self.duration(raw.header_timeout.as_ref(), DEFAULT_HEADER_TIMEOUT)?,
            max_connections,
        })
    }

    /// A token long enough not to be guessed.
    fn token(&self, token: Spanned<String>) -> Result<String, Placed> {
        let length = token.get_ref().trim().chars().count();
        if length < MIN_TOKEN {
            let what = if length == 0 {
                "blank".to_owned()
            } else {
                format!("{length} characters long")
            };
            return Err(self.error(
                &token.span(),
                format!("`token` is {what}: it must be at least {MIN_TOKEN} characters, such as the output of `openssl rand -base64 24`"),
            ));
        }
        Ok(token.into_inner())
    }

    fn sources(&self, raw: Vec<Spanned<RawSource>>) -> Result<Vec<SourceConfig>, Placed> {
        let mut seen = HashSet::new();
        let mut sources = Vec::with_capacity(raw.len());
        for spanned in raw {
            let span = spanned.span();
            let source = self.source(spanned.into_inner(), &span)?;
            if !seen.insert(source.name.clone()) {
                return Err(self.error(
                    &span,
                    format!(
                        "source `{}` is defined twice: names must be unique",
                        source.name
                    ),
                ));
            }
            sources.push(source);
        }
        Ok(sources)
    }

    fn source(
        &self,
        raw: RawSource,
        span: &std::ops::Range<usize>,
    ) -> Result<SourceConfig, Placed> {
        let name = raw.name.get_ref().trim().to_owned();
        if name.is_empty() {
            return Err(self.error(&raw.name.span(), "a source's `name` cannot be empty"));
        }
        let location = match (raw.path, raw.url) {
            (Some(path), None) => SourceLocation::Path(self.folder().join(path.get_ref())),
            (None, Some(url)) => SourceLocation::Url(
                normalize(url.get_ref()).map_err(|e| self.error(&url.span(), e))?,
            ),
            (Some(_), Some(url)) => {
                return Err(self.error(
                    &url.span(),
                    format!("source `{name}` has both `path` and `url`: give one"),
                ));
            }
            (None, None) => {
                return Err(self.error(span, format!("source `{name}` needs a `path` or a `url`")));
            }
        };
        let timezone = raw.timezone.as_ref().map(|z| self.zone(z)).transpose()?;
        let refresh = raw
            .refresh
            .as_ref()
            .map(|r| self.refresh(r, Some(&name)))
            .transpose()?;
        Ok(SourceConfig {
            name,
            kind: raw.kind,
            location,
            tags: raw.tags,
            priority: raw.priority,
            enabled: raw.enabled,
            timezone,
            refresh,
            published: raw.published.and_then(|d| d.date).and_then(|d| {
                chrono::NaiveDate::from_ymd_opt(
                    i32::from(d.year),
                    u32::from(d.month),
                    u32::from(d.day),
                )
            }),
            min_confidence: self.confidence(raw.min_confidence.as_ref())?,
            place: Place::of_span(self.path, self.text, span),
            root: self.folder(),
        })
    }
}

/// `url` as shown anywhere but the configuration: without a user name or
/// password, and with its query (where feeds keep their keys) replaced by
/// `?…`, its fragment dropped.
#[must_use]
pub fn redacted(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    let query = shown.query().is_some();
    shown.set_query(None);
    if query {
        format!("{shown}?…")
    } else {
        shown.to_string()
    }
}

/// The URL to download for a configured address: `webcal://` and
/// `webcals://` are https; only http and https are fetched.
pub fn normalize(address: &str) -> Result<reqwest::Url, String> {
    let mut url =
        reqwest::Url::parse(address.trim()).map_err(|e| format!("invalid URL `{address}`: {e}"))?;
    if matches!(url.scheme(), "webcal" | "webcals") {
        let rest = &url.as_str()[url.scheme().len()..];
        url = reqwest::Url::parse(&format!("https{rest}"))
            .map_err(|e| format!("invalid URL `{address}`: {e}"))?;
    }
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        "http" | "https" => Err(format!("invalid URL `{address}`: it names no host")),
        other => Err(format!(
            "URL `{address}` uses `{other}`: only http, https and webcal are supported"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_keep_no_secrets() {
        let cases = [
            (
                "https://x.org/a.ics?key=SECRET&b=1",
                "https://x.org/a.ics?…",
            ),
            (
                "https://me:SECRET@x.org:8443/a.ics",
                "https://x.org:8443/a.ics",
            ),
            ("http://x.org/a.ics#SECRET", "http://x.org/a.ics"),
            ("https://x.org/a.ics", "https://x.org/a.ics"),
        ];
        for (url, shown) in cases {
            assert_eq!(redacted(&url.parse().unwrap()), shown, "{url}");
        }
    }

    #[track_caller]
    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("conf/config.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn the_bundled_config_is_valid() {
        let config = Config::parse(Path::new("config.toml"), EXAMPLE).unwrap();
        assert_eq!(config.deadline_timezone, Zone::Aoe);
        assert!(!config.sources.is_empty());
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let config = parse("default_timezone = \"UTC\"").unwrap();
        assert_eq!(config.calendar_name, "Conferences and deadlines");
        assert_eq!(config.deadline_timezone, Zone::Aoe);
        let leads: Vec<String> = config
            .reminders
            .leads
            .default
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(leads, ["14d", "3d", "1d", "2h"]);
        assert_eq!(config.server.bind.to_string(), "127.0.0.1:7878");
    }

    #[test]
    fn the_watch_list_names_configured_sources() {
        let sources = "[[source]]\nname = \"a\"\nkind = \"ccfddl\"\npath = \"x\"\n";
        let ok = parse(&format!(
            "[watch]\nsources = [\"a\"]\nranks = [\"ccf-a\"]\n\n{sources}"
        ))
        .unwrap();
        assert_eq!(ok.watch.sources, ["a"]);
        assert_eq!(ok.watch.ranks, ["ccf-a"]);
        let err = parse(&format!("[watch]\nsources = [\"b\"]\n\n{sources}")).unwrap_err();
        assert_eq!(
            err,
            "conf/config.toml:1:1: `[watch]` names the source `b`, which is not configured: the sources are `a`"
        );
        let typo = parse("[watch]\nnmes = [\"ICSE\"]\n").unwrap_err();
        assert!(
            typo.starts_with("conf/config.toml:2:1: unknown key `nmes`"),
            "{typo}"
        );
    }

    #[test]
    fn relative_paths_are_relative_to_the_config_folder() {
        let config =
            parse("[[source]]\nname = \"a\"\nkind = \"curated\"\npath = \"feeds\"\n").unwrap();
        assert_eq!(
            config.sources[0].location,
            SourceLocation::Path(PathBuf::from("conf/feeds"))
        );
    }

    #[test]
    fn errors_name_the_place_and_what_was_expected() {
        let cases = [
            (
                "deadline_timzone = \"AoE\"",
                "conf/config.toml:1:1: unknown key `deadline_timzone`: did you mean `deadline_timezone`?",
            ),
            (
                "deadline_timezone = \"Mars/Base\"",
                "conf/config.toml:1:21: unknown time zone `Mars/Base`: expected an IANA name such as `Europe/Berlin`, `AoE`, `UTC` or an offset such as `UTC+2`",
            ),
            (
                "[reminders]\nlead = [\"3d\", \"soon\"]",
                "conf/config.toml:2:15: invalid lead time `soon`: expected a number and a unit, such as `14d`, `2h`, `30m` or `1w`",
            ),
            (
                "[[source]]\nname = \"a\"\nkind = \"curated\"",
                "conf/config.toml:1:1: source `a` needs a `path` or a `url`",
            ),
            (
                "[server]\nbind = \"localhost\"",
                "conf/config.toml:2:8: invalid address `localhost`: expected an IP address and port such as `127.0.0.1:7878`",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).unwrap_err(), expected, "{text}");
        }
    }

    #[test]
    fn blank_and_short_tokens_are_refused() {
        let cases = [
            (
                "[server]\ntoken = \"\"",
                "conf/config.toml:2:9: `token` is blank: it must be at least 12 characters, such as the output of `openssl rand -base64 24`",
            ),
            (
                "[server]\ntoken = \"   \"",
                "conf/config.toml:2:9: `token` is blank: it must be at least 12 characters, such as the output of `openssl rand -base64 24`",
            ),
            (
                "[server]\ntoken = \"s3cret\"",
                "conf/config.toml:2:9: `token` is 6 characters long: it must be at least 12 characters, such as the output of `openssl rand -base64 24`",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).unwrap_err(), expected, "{text}");
        }
    }

    #[test]
    fn reminder_settings_are_checked_where_they_are_written() {
        let config = parse(
            "[reminders]\nlead = [\"1d\", \"14d\", \"1d\"]\n[reminders.by_kind]\nregistration = [\"7d\"]",
        )
        .unwrap();
        let leads = &config.reminders.leads;
        let names =
            |kind| -> Vec<String> { leads.of(kind).iter().map(ToString::to_string).collect() };
        assert_eq!(names(DeadlineKind::Cfp), ["14d", "1d"]);
        assert_eq!(names(DeadlineKind::Registration), ["7d"]);
        let cases = [
            (
                "[reminders.by_kind]\ncfps = [\"1d\"]",
                "conf/config.toml:2:1: unknown deadline kind `cfps`: expected one of cfp, abstract, paper, registration, early-bird, notification, camera-ready, other",
            ),
            (
                "[reminders]\nnotifiers = [\"log\", \"command\"]",
                "conf/config.toml:2:13: the `command` notifier needs `command`, the program to run and its arguments, such as `command = [\"notify-me\", \"--urgent\"]`",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).unwrap_err(), expected, "{text}");
        }
    }

    #[test]
    fn remote_settings_are_checked_where_they_are_written() {
        let source = "[[source]]\nname = \"a\"\nkind = \"ics\"\n";
        let cases = [
            (
                "refresh = \"0 9 * * 1-5\"".to_owned(),
                "conf/config.toml:1:11: invalid refresh schedule `0 9 * * 1-5`: weekday `1-5` is ambiguous as numbers: write names such as `MON-FRI`; for example `0 */30 * * * *` (every 30 minutes, with seconds) or `*/30 * * * *` (classic five fields)",
            ),
            (
                format!("{source}url = \"https://x.org/a.ics\"\nrefresh = \"*/30 * * *\""),
                "conf/config.toml:5:11: source `a`: invalid refresh schedule `*/30 * * *`: it has 4 fields",
            ),
            (
                format!("{source}url = \"ftp://x.org/a.ics\""),
                "conf/config.toml:4:7: URL `ftp://x.org/a.ics` uses `ftp`: only http, https and webcal are supported",
            ),
            (
                "[fetch]\ntimeout = \"soon\"".to_owned(),
                "conf/config.toml:2:11: invalid duration `soon`: expected a number and a unit, such as `30s` or `2m`",
            ),
            (
                "[fetch]\nmax_body = \"lots\"".to_owned(),
                "conf/config.toml:2:12: invalid size `lots`: expected a number and a unit, such as `20 MiB` or `500 KB`",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(&text).unwrap_err();
            assert!(err.starts_with(expected), "{text}:\n{err}");
        }
    }

    #[test]
    fn webcal_is_https() {
        let url = normalize("webcal://example.org/cal.ics?x=1").unwrap();
        assert_eq!(url.as_str(), "https://example.org/cal.ics?x=1");
        assert!(
            normalize("ftp://example.org/a.ics")
                .unwrap_err()
                .contains("only http")
        );
        assert!(
            normalize("not a url")
                .unwrap_err()
                .starts_with("invalid URL")
        );
    }

    #[test]
    fn remote_settings_are_read() {
        let text = "refresh = \"*/15 * * * *\"\n[fetch]\ntimeout = \"5s\"\nmax_body = \"1 MiB\"\nmax_in_flight = 2\n\
            [[source]]\nname = \"a\"\nkind = \"ics\"\nurl = \"webcal://x.org/a.ics\"\nrefresh = \"@daily\"\n";
        let config = parse(text).unwrap();
        assert_eq!(config.refresh.to_string(), "*/15 * * * *");
        assert_eq!(config.fetch.timeout, Duration::from_secs(5));
        assert_eq!(config.fetch.max_body, 1 << 20);
        assert_eq!(config.fetch.max_in_flight, 2);
        let source = &config.sources[0];
        assert_eq!(
            source.location,
            SourceLocation::Url("https://x.org/a.ics".parse().unwrap())
        );
        assert_eq!(config.refresh_of(source).to_string(), "@daily");
    }

    #[test]
    fn an_unknown_source_kind_lists_the_known_ones() {
        let err = parse("[[source]]\nname = \"a\"\nkind = \"atom\"\npath = \"x\"").unwrap_err();
        assert!(
            err.starts_with("conf/config.toml:3:8: unknown variant `atom`"),
            "{err}"
        );
        assert!(err.contains("curated"), "{err}");
    }

    #[test]
    fn lookup_prefers_the_flag_then_the_environment() {
        let flag = locate(Some(Path::new("a.toml")), Some("b.toml".into()), None).unwrap();
        assert_eq!(flag, PathBuf::from("a.toml"));
        let env = locate(None, Some("b.toml".into()), None).unwrap();
        assert_eq!(env, PathBuf::from("b.toml"));
    }
}
