//! A small builder for integration tests: a temporary folder with a
//! `config.toml` and source files, and runs of the real `confcal` binary in
//! it.

#![allow(dead_code, unreachable_pub)]

pub mod daemon;
pub mod dbus;
pub mod http;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary confcal setup.
pub struct Setup {
    dir: tempfile::TempDir,
}

/// What a run of the binary printed, and how it ended.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Setup {
    /// An empty folder.
    pub fn new() -> Setup {
        Setup {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    /// A folder holding `config` as `config.toml`.
    pub fn with_config(config: &str) -> Setup {
        Setup::new().file("config.toml", config)
    }

    /// Writes `text` to `name` in the folder, making parent folders.
    pub fn file(self, name: &str, text: &str) -> Setup {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a folder");
        }
        std::fs::write(&path, text).expect("a file");
        self
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `confcal --config <dir>/config.toml ARGS`.
    pub fn run(&self, args: &[&str]) -> Run {
        let config = self.path("config.toml");
        let mut all = vec!["--config", config.to_str().expect("a UTF-8 path")];
        all.extend_from_slice(args);
        run_in(self.dir.path(), &all)
    }
}

/// Runs the binary with `args` in `dir`, with no configuration from the
/// environment.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_confcal"))
        .args(args)
        .current_dir(dir)
        .env_remove("CONFCAL_CONFIG")
        .env("XDG_CONFIG_HOME", dir.join("no-xdg-config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("TZ", "UTC")
        .output()
        .expect("the confcal binary runs");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The repository's own folder, with the bundled `config.toml`.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

impl Run {
    /// Asserts the run succeeded and returns its output.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.status, 0,
            "confcal failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The output as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

/// A config with one curated source `name` reading `path`.
pub fn curated_config(sources: &[(&str, &str, i32)]) -> String {
    let mut text = String::from(
        "calendar_name = \"Test\"\ndefault_timezone = \"Europe/Berlin\"\ndeadline_timezone = \"AoE\"\n",
    );
    for (name, path, priority) in sources {
        let _ = write!(
            text,
            "\n[[source]]\nname = \"{name}\"\nkind = \"curated\"\npath = \"{path}\"\npriority = {priority}\n"
        );
    }
    text
}
