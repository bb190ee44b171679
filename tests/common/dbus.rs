//! A private D-Bus session for tests: a `busd` broker on a unix socket in a
//! temporary folder, and on it a recording `org.freedesktop.Notifications`
//! service, both served from one background thread with its own tokio
//! runtime. Tests hand [`PrivateBus::address`] to child processes as
//! `DBUS_SESSION_BUS_ADDRESS` and read back what was shown with
//! [`PrivateBus::received`]; [`PrivateBus::fail_next`] makes the service
//! refuse notices. Everything here is synchronous for the test.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use zbus::zvariant::{OwnedValue, Value};

/// How long the broker and the service may take to come up.
const START_LIMIT: Duration = Duration::from_secs(10);

/// The name, path and interface of the notification service.
const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

/// A running private bus with a recording notification service. Dropping
/// it stops both and removes the socket.
pub struct PrivateBus {
    address: String,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    // Dropped last: the socket lives in it.
    _dir: tempfile::TempDir,
}

/// One `Notify` call the service received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub app_name: String,
    pub summary: String,
    pub body: String,
    pub actions: Vec<String>,
    /// The `urgency` hint: 0 low, 1 normal, 2 critical.
    pub urgency: Option<u8>,
    pub expire_timeout: i32,
}

/// What the service saw, shared with the test.
#[derive(Default)]
struct State {
    log: Mutex<Log>,
    changed: Condvar,
}

#[derive(Default)]
struct Log {
    received: Vec<Received>,
    fail_next: usize,
    refused: usize,
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Log> {
        // A panic elsewhere while locked leaves the log readable.
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl PrivateBus {
    /// Starts a D-Bus broker (the busd crate, in-process on its own thread
    /// and tokio runtime) on a unix socket in a temporary folder, and a
    /// recording org.freedesktop.Notifications service on it (a zbus
    /// connection in this process that owns that name).
    pub fn start() -> PrivateBus {
        let dir = tempfile::tempdir().expect("a temporary folder for the private D-Bus socket");
        let address = unix_address(&dir.path().join("bus"));
        let state = Arc::new(State::default());
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop, stopped) = oneshot::channel();
        let thread = {
            let (address, state) = (address.clone(), Arc::clone(&state));
            std::thread::Builder::new()
                .name("private-dbus".to_owned())
                .spawn(move || serve(&address, state, &ready_tx, stopped))
                .expect("a thread for the private D-Bus")
        };
        match ready_rx.recv_timeout(START_LIMIT) {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!("could not start a private D-Bus at `{address}`: {why}"),
            Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                "could not start a private D-Bus at `{address}`: not ready within {START_LIMIT:?}"
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("could not start a private D-Bus at `{address}`: its thread ended early")
            }
        }
        PrivateBus {
            address,
            state,
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        }
    }

    /// The value for `DBUS_SESSION_BUS_ADDRESS` (`unix:path=...`).
    pub fn address(&self) -> String {
        self.address.clone()
    }

    /// Every Notify call received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().received.clone()
    }

    /// Waits up to `timeout` until at least `n` calls were received;
    /// returns them all.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let mut log = self.state.lock();
        while log.received.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            log = self
                .state
                .changed
                .wait_timeout(log, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        log.received.clone()
    }

    /// Makes the next `n` Notify calls fail with a D-Bus error (they are
    /// not recorded as received).
    pub fn fail_next(&self, n: usize) {
        self.state.lock().fail_next = n;
    }

    /// How many Notify calls were refused by [`PrivateBus::fail_next`].
    pub fn refused(&self) -> usize {
        self.state.lock().refused
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A D-Bus address for the socket at `path`, escaped as the specification
/// asks.
fn unix_address(path: &Path) -> String {
    let mut address = String::from("unix:path=");
    for byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"-_/.\\*".contains(byte) {
            address.push(char::from(*byte));
        } else {
            let _ = write!(address, "%{byte:02x}");
        }
    }
    address
}

/// The background thread: runs the broker and the service until `stop`.
fn serve(
    address: &str,
    state: Arc<State>,
    ready: &mpsc::Sender<Result<(), String>>,
    stop: oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(format!("no tokio runtime: {e}")));
            return;
        }
    };
    runtime.block_on(async {
        match start_bus(address, state).await {
            Ok(_service) => {
                let _ = ready.send(Ok(()));
                let _ = stop.await;
            }
            Err(why) => {
                let _ = ready.send(Err(why));
            }
        }
    });
}

/// Starts the broker on `address` and the recording service on it; the
/// service lives as long as the returned connection.
async fn start_bus(address: &str, state: Arc<State>) -> Result<zbus::Connection, String> {
    let mut bus = busd::bus::Bus::for_address(Some(address))
        .await
        .map_err(|e| format!("the busd broker did not start: {e:#}"))?;
    tokio::spawn(async move {
        if let Err(e) = bus.run().await {
            eprintln!("the private D-Bus broker stopped: {e:#}");
        }
    });
    let recorder = Recorder { state, next_id: 0 };
    zbus::connection::Builder::address(address)
        .and_then(|b| b.name(NOTIFICATIONS))
        .and_then(|b| b.serve_at(NOTIFICATIONS_PATH, recorder))
        .map_err(|e| format!("the notification service could not be set up: {e}"))?
        .build()
        .await
        .map_err(|e| format!("the notification service could not join the bus: {e}"))
}

/// The recording notification service.
struct Recorder {
    state: Arc<State>,
    next_id: u32,
}

// The D-Bus signatures fix the arguments, used or not.
#[allow(clippy::unused_self)]
#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    /// Records the call, or refuses it if `fail_next` asked so.
    #[allow(
        clippy::too_many_arguments,
        clippy::needless_pass_by_value,
        unused_variables
    )]
    fn notify(
        &mut self,
        app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        expire_timeout: i32,
    ) -> zbus::fdo::Result<u32> {
        let mut log = self.state.lock();
        if log.fail_next > 0 {
            log.fail_next -= 1;
            log.refused += 1;
            return Err(zbus::fdo::Error::Failed(
                "refused by the test (fail_next)".to_owned(),
            ));
        }
        log.received.push(Received {
            app_name,
            summary,
            body,
            actions,
            urgency: urgency(&hints),
            expire_timeout,
        });
        self.state.changed.notify_all();
        self.next_id += 1;
        Ok(self.next_id)
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".to_owned(), "actions".to_owned()]
    }

    #[zbus(out_args("name", "vendor", "version", "spec_version"))]
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "confcal-test".to_owned(),
            "confcal".to_owned(),
            "1".to_owned(),
            "1.2".to_owned(),
        )
    }

    #[allow(unused_variables)]
    fn close_notification(&self, id: u32) {}
}

/// The `urgency` hint, if it is a byte.
fn urgency(hints: &HashMap<String, OwnedValue>) -> Option<u8> {
    match hints.get("urgency").map(|value| &**value) {
        Some(Value::U8(level)) => Some(*level),
        _ => None,
    }
}
