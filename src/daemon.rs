//! The long-running service behind `confcal serve`: one loop that owns the
//! state file and the current configuration, and wakes when something is
//! due — a remote source's refresh, a reminder, a notifier's retry — or at
//! least every minute, rereading the wall clock each time, so a suspended
//! laptop that wakes past a reminder still delivers it. Each rebuild
//! publishes a new immutable [`Snapshot`] through a watch channel, which
//! the HTTP server reads. SIGHUP, or a change to `config.toml` or a local
//! source file, reloads; a configuration that does not load is reported and
//! the running one kept. SIGINT and SIGTERM stop it: the server finishes
//! its requests, a refresh in flight is abandoned between transactions, and
//! notices being sent are finished and recorded.

mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::{mpsc, watch as channel};
use tokio::task::{JoinError, JoinHandle};

use crate::config::{Config, ConfigError};
use crate::load::{Loaded, load_all, stored};
use crate::refresh;
use crate::remind::deliver::Deliverer;
use crate::remind::notify::Notifier;
use crate::snapshot::{Snapshot, SourceHealth};
use crate::store::{Records, States, Store, StoreError, Undelivered};
use crate::time::{Clock, stamp};

/// The loop rereads the wall clock at least this often.
const TICK: Duration = Duration::seconds(60);
/// Changes to watched files are gathered this long before one reload.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(100);

/// How long requests in flight may take to finish once stopping.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(10);

/// What `confcal serve` starts from.
pub struct Options {
    pub config: Config,
    /// Where the configuration was read from, to reload it.
    pub config_path: PathBuf,
    /// `--bind`, instead of `[server] bind`.
    pub bind: Option<SocketAddr>,
    /// `--offline`: fetch nothing, serve the stored copies.
    pub offline: bool,
    pub clock: Clock,
}

/// Why the daemon could not start, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("no folder for confcal's state: set `state_dir` in the configuration")]
    NoStateDir,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "refusing to serve on {0} without a token: anyone on the network could read the feed; set `[server] token` or bind to 127.0.0.1"
    )]
    NoToken(SocketAddr),
    #[error("cannot watch for signals: {0}")]
    Signals(std::io::Error),
    #[error("the HTTP server failed: {0}")]
    Server(std::io::Error),
}

/// Runs the service until SIGINT or SIGTERM. `listening` is told the
/// address the server is bound to once it accepts requests.
pub async fn run(options: Options, listening: impl FnOnce(SocketAddr)) -> Result<(), DaemonError> {
    let addr = options.bind.unwrap_or(options.config.server.bind);
    if !addr.ip().is_loopback() && options.config.server.token.is_none() {
        return Err(DaemonError::NoToken(addr));
    }
    let mut daemon = Daemon::start(options)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| DaemonError::Bind { addr, source })?;
    let local = listener.local_addr().map_err(DaemonError::Server)?;
    let (stop, stopped) = channel::channel(false);
    // Signals are caught before anyone is told where to connect.
    let signals = watch::signals(stop, daemon.reload_sender()).map_err(DaemonError::Signals)?;
    let router = crate::server::router(daemon.snapshots.subscribe(), daemon.clock.clone());
    let mut server_stop = stopped.clone();
    let limits = crate::server::Limits::from(&daemon.config.server);
    let server = tokio::spawn(crate::server::serve(listener, router, limits, async move {
        let _ = server_stop.wait_for(|s| *s).await;
    }));
    listening(local);
    tracing::info!("serving http://{local}/calendar.ics");
    daemon.run(stopped).await;
    drop(signals);
    match tokio::time::timeout(DRAIN, server).await {
        Ok(Ok(result)) => result.map_err(DaemonError::Server)?,
        Ok(Err(e)) => tracing::error!("the HTTP server stopped abnormally: {e}"),
        Err(_) => tracing::warn!("requests still open after {DRAIN:?} were cut off"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// The loop's state.
struct Daemon {
    config: Arc<Config>,
    config_path: PathBuf,
    store: Store,
    clock: Clock,
    snapshots: channel::Sender<Arc<Snapshot>>,
    deliverer: Deliverer,
    reloads: (mpsc::Sender<()>, mpsc::Receiver<()>),
    watcher: Option<watch::Watcher>,
    offline: bool,
    /// The rebuilder's own connection to the state file, while it is idle.
    spare: Option<Store>,
    /// The refresh and rebuild in progress, off the loop.
    building: Option<JoinHandle<(Store, Result<Built, String>)>>,
    /// Whether another rebuild was asked for while one ran.
    rebuild_again: bool,
}

/// What a rebuild hands back to the loop: the sources read with the
/// configuration it was started with.
struct Built {
    config: Arc<Config>,
    copies: Records,
    loaded: Loaded,
    undelivered: Vec<Undelivered>,
}

impl Daemon {
    fn start(options: Options) -> Result<Daemon, DaemonError> {
        let now = (options.clock)();
        let dir = options
            .config
            .state_dir
            .clone()
            .ok_or(DaemonError::NoStateDir)?;
        let opened = Store::open(&dir, now)?;
        if let Some(moved) = &opened.moved_aside {
            tracing::warn!("{moved}");
        }
        let mut store = opened.store;
        for lost in store.interrupted()? {
            tracing::warn!(
                "a notice may not have been delivered: {} of deadline `{}` through {} (confcal stopped while sending it; it is not sent twice)",
                lost.what,
                lost.uid,
                lost.notifier
            );
        }
        let config = Arc::new(options.config);
        let deliverer = Deliverer::new(Notifier::configured(&config.reminders));
        let copies = stored(&config, &store)?;
        let loaded = tokio::task::block_in_place(|| load_all(&config, &copies));
        let built = Built {
            config: Arc::clone(&config),
            copies,
            loaded,
            undelivered: store.undelivered()?,
        };
        let snapshot = observe(snapshot_of(built, None, now), &mut store, now)?;
        let (snapshots, _) = channel::channel(Arc::new(snapshot));
        let spare = Some(store.reopen()?);
        let mut daemon = Daemon {
            config,
            config_path: options.config_path,
            store,
            clock: options.clock,
            snapshots,
            deliverer,
            reloads: mpsc::channel(16),
            watcher: None,
            offline: options.offline,
            spare,
            building: None,
            rebuild_again: false,
        };
        daemon.watch();
        Ok(daemon)
    }

    fn reload_sender(&self) -> mpsc::Sender<()> {
        self.reloads.0.clone()
    }

    /// Watches the configuration and the local sources it names.
    fn watch(&mut self) {
        self.watcher =
            match watch::Watcher::new(&self.config_path, &self.config, self.reload_sender()) {
                Ok(watcher) => Some(watcher),
                Err(e) => {
                    tracing::warn!(
                        "changes to files will not be noticed (send SIGHUP to reload): {e}"
                    );
                    None
                }
            };
    }

    async fn run(&mut self, mut stopped: channel::Receiver<bool>) {
        loop {
            let states = self.turn().await.unwrap_or_else(|e| {
                tracing::error!("{e}");
                States::default()
            });
            if *stopped.borrow() {
                break;
            }
            let now = (self.clock)();
            self.refresh_if_due(now);
            let wake = self.next_wake(&states, now);
            let nap = (wake - now).to_std().unwrap_or_default();
            tokio::select! {
                () = tokio::time::sleep(nap) => {}
                Some(()) = self.reloads.1.recv() => self.reload().await,
                joined = finished(&mut self.building) => self.built(joined),
                _ = stopped.changed() => break,
            }
        }
        // A refresh in flight is abandoned between its transactions.
        if let Some(building) = self.building.take() {
            building.abort();
        }
    }

    /// One wake-up: deliver what is due. Returns what the ledger knows of
    /// each deadline (read once a turn: `done` and `mute` from other
    /// processes land there). Refreshes and rebuilds run beside this, so
    /// a slow source never holds up a reminder.
    async fn turn(&mut self) -> Result<States, StoreError> {
        let snapshot = self.snapshots.borrow().clone();
        let now = (self.clock)();
        let states = self.store.deadlines()?;
        let delivered = self
            .deliverer
            .deliver(
                &snapshot.catalog,
                &snapshot.config,
                &mut self.store,
                &states,
                now,
            )
            .await?;
        if delivered.undeliverable > 0 {
            // `/healthz` shows them.
            self.rebuild(false);
        }
        Ok(states)
    }

    /// Starts fetching the remote sources that are due, unless offline or
    /// a rebuild is already running.
    fn refresh_if_due(&mut self, now: DateTime<Utc>) {
        if self.offline || self.building.is_some() {
            return;
        }
        let records = self.store.records().unwrap_or_default();
        if !refresh::due(&self.config, &records, now).is_empty() {
            self.rebuild(true);
        }
    }

    /// Starts a rebuild (after fetching what is due, with `fetch`) on the
    /// rebuilder's own connection; while one runs, another follows it.
    fn rebuild(&mut self, fetch: bool) {
        let Some(store) = self.spare.take() else {
            self.rebuild_again = true;
            return;
        };
        let (config, clock) = (Arc::clone(&self.config), self.clock.clone());
        self.building = Some(tokio::spawn(rebuild(config, store, fetch, clock)));
    }

    /// Takes what a rebuild made: publishes it if it was made with the
    /// configuration still in use, and starts the next one if asked.
    fn built(&mut self, joined: Result<(Store, Result<Built, String>), JoinError>) {
        self.building = None;
        match joined {
            Ok((store, result)) => {
                self.spare = Some(store);
                match result {
                    Ok(built) if Arc::ptr_eq(&built.config, &self.config) => {
                        let now = (self.clock)();
                        if let Err(e) = self.publish(built, now) {
                            tracing::error!("{e}");
                        }
                    }
                    Ok(_) => self.rebuild_again = true,
                    Err(e) => tracing::error!("rebuilding failed: {e}"),
                }
            }
            Err(e) => {
                tracing::error!("rebuilding stopped abnormally: {e}");
                self.spare = self.store.reopen().map_err(|e| tracing::error!("{e}")).ok();
            }
        }
        if std::mem::take(&mut self.rebuild_again) {
            self.rebuild(false);
        }
    }

    /// The next moment something is due, and never more than a tick away.
    fn next_wake(&self, states: &States, now: DateTime<Utc>) -> DateTime<Utc> {
        let snapshot = self.snapshots.borrow().clone();
        let records = self.store.records().unwrap_or_default();
        let refresh = refresh::remotes(&self.config)
            .filter_map(|r| refresh::due_at(&self.config, &records, r))
            .min()
            .filter(|_| !self.offline && self.building.is_none());
        let remind = self
            .deliverer
            .next_wake(&snapshot.catalog, &self.config, states, now);
        [Some(now + TICK), refresh, remind]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + TICK)
            .max(now)
    }

    /// Rereads the configuration after a signal or a file change (keeping
    /// the running one if the new one does not load), rebuilds and
    /// publishes.
    async fn reload(&mut self) {
        tokio::time::sleep(SETTLE).await;
        while self.reloads.1.try_recv().is_ok() {}
        match Config::load(&self.config_path) {
            Ok(config) => self.replace(config),
            Err(e) => report_bad_config(&e),
        }
        self.rebuild(false);
    }

    /// Takes `config` for what follows, except `[server]`: the address is
    /// bound and the token guards it, both until a restart.
    fn replace(&mut self, mut config: Config) {
        if config.server != self.config.server {
            tracing::warn!("`[server]` changes take effect when confcal is restarted");
            config.server = self.config.server.clone();
        }
        if config != *self.config {
            tracing::info!(
                "configuration reloaded from `{}`",
                self.config_path.display()
            );
            self.deliverer = Deliverer::new(Notifier::configured(&config.reminders));
            self.config = Arc::new(config);
        }
        // A source folder may have appeared since: watch what is there now.
        if !self
            .watcher
            .as_ref()
            .is_some_and(|w| w.is_for(&self.config_path, &self.config))
        {
            self.watch();
        }
    }

    /// Publishes a snapshot of what a rebuild read.
    fn publish(&mut self, built: Built, now: DateTime<Utc>) -> Result<(), StoreError> {
        let previous = self.snapshots.borrow().clone();
        let snapshot = snapshot_of(built, Some(&previous), now);
        let mut snapshot = observe(snapshot, &mut self.store, now)?;
        if snapshot.catalog == previous.catalog {
            snapshot.changed_at = previous.changed_at;
        }
        tracing::info!(
            "{} events and {} deadlines from {} sources",
            snapshot.catalog.events.len(),
            snapshot.catalog.deadlines.len(),
            snapshot.sources.len()
        );
        self.snapshots.send_replace(Arc::new(snapshot));
        Ok(())
    }
}

/// Waits for the rebuild in progress; never, when there is none.
async fn finished<T>(building: &mut Option<JoinHandle<T>>) -> Result<T, JoinError> {
    match building {
        Some(handle) => handle.await,
        None => std::future::pending().await,
    }
}

/// Fetches the remote sources that are due (with `fetch`), then reads
/// every source off the async threads. Runs as a task of its own with its
/// own connection to the state file, which it hands back; an error comes
/// back in words for the log.
async fn rebuild(
    config: Arc<Config>,
    mut store: Store,
    fetch: bool,
    clock: Clock,
) -> (Store, Result<Built, String>) {
    let result = refresh_and_read(config, &mut store, fetch, &clock).await;
    (store, result)
}

async fn refresh_and_read(
    config: Arc<Config>,
    store: &mut Store,
    fetch: bool,
    clock: &Clock,
) -> Result<Built, String> {
    if fetch {
        let now = clock();
        let records = store.records().map_err(|e| e.to_string())?;
        let due = refresh::due(&config, &records, now);
        if !due.is_empty() {
            let names: Vec<&str> = due.iter().map(|r| r.source.name.as_str()).collect();
            tracing::info!("fetching {}", names.join(", "));
            if let Err(e) = refresh::refresh(&config, &due, store, now, log_report).await {
                tracing::error!("refresh failed: {e}");
            }
        }
    }
    let copies = stored(&config, store).map_err(|e| e.to_string())?;
    let undelivered = store.undelivered().map_err(|e| e.to_string())?;
    let reading = tokio::task::spawn_blocking(move || {
        let loaded = load_all(&config, &copies);
        Built {
            config,
            copies,
            loaded,
            undelivered,
        }
    });
    reading
        .await
        .map_err(|e| format!("reading the sources stopped abnormally: {e}"))
}

/// The snapshot of what a rebuild read, one generation on from
/// `previous`.
fn snapshot_of(built: Built, previous: Option<&Snapshot>, now: DateTime<Utc>) -> Snapshot {
    let Built {
        config,
        copies,
        loaded,
        undelivered,
    } = built;
    for problem in &loaded.problems {
        tracing::warn!("{problem}");
    }
    let sources = config
        .sources
        .iter()
        .filter(|s| s.enabled)
        .map(|s| SourceHealth::of(s, &loaded.problems, copies.get(&s.name)))
        .collect();
    Snapshot {
        generation: previous.map_or(0, |p| p.generation + 1),
        built_at: now,
        changed_at: now,
        config,
        catalog: loaded.catalog,
        sources,
        undelivered,
    }
}

/// Records each deadline's due instant in the ledger, gives moved ones
/// their sequence and revision, and keeps the previous `changed_at` when
/// nothing changed.
fn observe(
    mut snapshot: Snapshot,
    store: &mut Store,
    now: DateTime<Utc>,
) -> Result<Snapshot, StoreError> {
    let dues = snapshot
        .catalog
        .deadlines
        .iter()
        .map(|d| (d.uid.as_str(), d.due_instant()));
    let states = store.observe(dues, now)?;
    for deadline in &mut snapshot.catalog.deadlines {
        if let Some(state) = states.get(&deadline.uid) {
            if state.sequence > 0 && state.changed_at == now {
                tracing::info!(
                    "deadline moved: {} is now due {} (was {})",
                    deadline.title(),
                    stamp(state.due),
                    state.previous_due.map(stamp).unwrap_or_default()
                );
            }
            deadline.sequence = state.sequence;
            deadline.revision = (state.sequence > 0).then_some(state.changed_at);
        }
    }
    Ok(snapshot)
}

fn log_report(report: &refresh::Report) {
    if report.status.failed() {
        tracing::warn!("source `{}`: {}", report.name, report.status);
    } else {
        tracing::info!("source `{}`: {}", report.name, report.status);
    }
}

fn report_bad_config(e: &ConfigError) {
    tracing::error!("configuration not reloaded, still running with the previous one: {e}");
}
