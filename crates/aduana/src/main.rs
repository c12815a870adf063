//! The `aduana` binary: parses the command line and hands each subcommand to its module in `cli/`.
//! Exit codes: 0 success, 1 the input was checked and found wanting (invalid files, failed checks),
//! 2 usage or I/O error.

// The binary is where output is printed.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod database;
mod input;
mod limits;
mod list_screener;
mod risk_assessor;
mod watch_lists;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(cli::EXIT_USAGE_OR_IO)
        }
    }
}
