//! What wakes the daemon from outside: changes to `config.toml` and to
//! local source files (inotify and its kin, through the `notify` crate: no
//! polling), and the signals SIGHUP (reload), SIGINT and SIGTERM (stop).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

use crate::config::{Config, SourceLocation};

/// Watches the files a configuration is read from; dropping it stops.
pub(super) struct Watcher {
    _inner: notify::RecommendedWatcher,
    targets: Vec<Target>,
}

/// A watched path: a folder and everything under it, or one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    path: PathBuf,
    tree: bool,
}

impl Watcher {
    /// Sends on `reloads` whenever `config_path` or a local source of
    /// `config` changes.
    pub(super) fn new(
        config_path: &Path,
        config: &Config,
        reloads: mpsc::Sender<()>,
    ) -> notify::Result<Watcher> {
        let targets = targets(config_path, config);
        let ignored = config.state_dir.as_deref().map(absolute);
        let wanted = targets.clone();
        let mut watched = BTreeSet::new();
        let mut inner =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event
                    && concerns(&event, &wanted, ignored.as_deref())
                {
                    // A full queue already holds a reload: nothing is lost.
                    let _ = reloads.try_send(());
                }
            })?;
        for target in &targets {
            // A file is watched through its folder, so that an editor
            // replacing it (write to a temporary file, rename) is seen.
            let (path, mode) = match (target.tree, target.path.parent()) {
                (false, Some(parent)) => (parent.to_owned(), RecursiveMode::NonRecursive),
                _ => (target.path.clone(), RecursiveMode::Recursive),
            };
            if watched.insert(path.clone())
                && let Err(e) = inner.watch(&path, mode)
            {
                tracing::warn!("cannot watch `{}`: {e}", path.display());
            }
        }
        Ok(Watcher {
            _inner: inner,
            targets,
        })
    }

    /// Whether this watches what `config` names, as the files are now (a
    /// folder that did not exist when it started is watched differently).
    pub(super) fn is_for(&self, config_path: &Path, config: &Config) -> bool {
        self.targets == targets(config_path, config)
    }
}

/// The configuration file and every enabled local source.
fn targets(config_path: &Path, config: &Config) -> Vec<Target> {
    let mut targets = vec![Target {
        path: absolute(config_path),
        tree: false,
    }];
    for source in config.sources.iter().filter(|s| s.enabled) {
        if let SourceLocation::Path(path) = &source.location {
            let path = absolute(path);
            let tree = path.is_dir();
            targets.push(Target { path, tree });
        }
    }
    targets
}

/// Whether `event` changed one of `targets` (and not the state folder).
fn concerns(event: &notify::Event, targets: &[Target], ignored: Option<&Path>) -> bool {
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    event.paths.iter().any(|changed| {
        !ignored.is_some_and(|state| changed.starts_with(state))
            && targets.iter().any(|t| {
                if t.tree {
                    changed.starts_with(&t.path)
                } else {
                    *changed == t.path
                }
            })
    })
}

/// `path` made absolute, with symbolic links resolved where it exists.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_owned())
}

/// Listens for signals until dropped: SIGHUP asks for a reload, SIGINT
/// and SIGTERM set `stop`.
pub(super) struct Signals(tokio::task::JoinHandle<()>);

impl Drop for Signals {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(super) fn signals(
    stop: watch::Sender<bool>,
    reloads: mpsc::Sender<()>,
) -> std::io::Result<Signals> {
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(Signals(tokio::spawn(async move {
        loop {
            let name = tokio::select! {
                _ = hangup.recv() => {
                    tracing::info!("SIGHUP: reloading");
                    let _ = reloads.try_send(());
                    continue;
                }
                _ = interrupt.recv() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            };
            tracing::info!("{name}: stopping");
            stop.send_replace(true);
            return;
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, path: &str) -> notify::Event {
        notify::Event::new(kind).add_path(PathBuf::from(path))
    }

    #[test]
    fn only_changes_to_watched_files_count() {
        let targets = [
            Target {
                path: "/conf/config.toml".into(),
                tree: false,
            },
            Target {
                path: "/conf/feeds".into(),
                tree: true,
            },
        ];
        let modify = EventKind::Modify(notify::event::ModifyKind::Any);
        let state = Some(Path::new("/conf/feeds/state"));
        assert!(concerns(
            &event(modify, "/conf/config.toml"),
            &targets,
            state
        ));
        assert!(concerns(
            &event(modify, "/conf/feeds/a/kvm.toml"),
            &targets,
            state
        ));
        assert!(!concerns(
            &event(modify, "/conf/other.toml"),
            &targets,
            state
        ));
        assert!(!concerns(
            &event(modify, "/conf/feeds/state/state.db"),
            &targets,
            state
        ));
        let read = EventKind::Access(notify::event::AccessKind::Any);
        assert!(!concerns(
            &event(read, "/conf/config.toml"),
            &targets,
            state
        ));
    }
}
