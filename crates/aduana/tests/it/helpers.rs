//! Helpers for running the `aduana` binary in a fresh temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Returns a temporary directory and a `Command` for the binary whose working directory it is.
pub(crate) fn setup() -> (tempfile::TempDir, Command) {
    let dir = tempfile::tempdir().expect("creating a temporary directory");
    let mut command = Command::new(env!("CARGO_BIN_EXE_aduana"));
    command.current_dir(dir.path());
    (dir, command)
}

/// Returns the path of a file in the repository, from its path relative to the repository root.
pub(crate) fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

/// Runs a command and returns its output.
pub(crate) fn run(command: &mut Command) -> Output {
    command.output().expect("running the aduana binary")
}

/// Returns standard output as text.
pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Parses every line of standard output as JSON.
pub(crate) fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    stdout(output).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}
