//! The real `confcal serve` as a child process: started on a free loopback
//! port with a pretend `--now`, stopped with SIGTERM or killed with SIGKILL.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::Setup;

/// A running daemon.
pub struct Daemon {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    log: PathBuf,
    /// Every line it printed on standard output.
    printed: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    /// Starts `confcal --config <setup>/config.toml --now NOW serve --bind
    /// 127.0.0.1:0` with `env`, and waits until it listens.
    pub fn start(setup: &Setup, now: &str, env: &[(&str, &str)]) -> Daemon {
        Daemon::start_with(setup, now, &[], env)
    }

    /// [`Daemon::start`] with `global` flags (`--offline`) before `serve`.
    pub fn start_with(setup: &Setup, now: &str, global: &[&str], env: &[(&str, &str)]) -> Daemon {
        let log = setup.path(&format!("daemon-{now}.log"));
        let config = setup.path("config.toml");
        let mut command = Command::new(env!("CARGO_BIN_EXE_confcal"));
        command
            .args(["--config", path(&config), "--now", now])
            .args(global)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(setup.path(""))
            .env_remove("CONFCAL_CONFIG")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("XDG_STATE_HOME", setup.path("state"))
            .env("TZ", "UTC")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("a log file"));
        let mut child = command.spawn().expect("confcal serve starts");
        let printed = Arc::new(Mutex::new(Vec::new()));
        let addr = listening(&mut child, &log, Arc::clone(&printed));
        Daemon {
            child,
            addr,
            log,
            printed,
        }
    }

    /// The lines it printed on standard output so far.
    pub fn printed(&self) -> Vec<String> {
        self.printed.lock().expect("the printed lines").clone()
    }

    /// `http://ADDR/PATH`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    /// What it has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`HUP`, `TERM`, ...) with `kill`, and does not wait.
    pub fn signal(&self, signal: &str) {
        let pid = self.pid().to_string();
        let sent = Command::new("kill")
            .args([format!("-{signal}").as_str(), &pid])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -{signal} {pid}");
    }

    /// Waits up to `timeout` for it to exit; `None` while it still runs.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGTERM, and waits for it to exit; returns the log.
    pub fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let status = self.child.wait().expect("confcal serve exits");
        let log = self.log();
        assert!(
            status.success(),
            "confcal serve exited with {status}:\n{log}"
        );
        log
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(mut self) -> String {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
        self.log()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Reads the child's standard output until `listening on http://ADDR`.
fn listening(child: &mut Child, log: &Path, printed: Arc<Mutex<Vec<String>>>) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            if let Some(addr) = line.trim().strip_prefix("listening on http://") {
                let _ = tx.send(addr.to_owned());
            }
            if let Ok(mut printed) = printed.lock() {
                printed.push(line.trim_end().to_owned());
            }
            line.clear();
        }
        // Keep draining so the daemon never blocks on a full pipe.
        let _ = reader.read_to_end(&mut Vec::new());
    });
    if let Ok(addr) = rx.recv_timeout(Duration::from_secs(60)) {
        return addr;
    }
    let _ = child.kill();
    panic!(
        "confcal serve did not start listening:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    )
}
