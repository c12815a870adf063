//! The command line: one module per subcommand, each with its `Args` and `run`.

mod assess;
mod audit;
mod cash;
mod demo;
mod evaluate;
mod exchange;
mod hs;
mod import;
mod profiles;
pub(crate) mod risk_inputs;
mod screen;
pub(crate) mod serve;
mod train;
mod users;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status when the input was checked and found wanting.
pub(crate) const EXIT_FOUND_WANTING: u8 = 1;
/// Exit status for usage and I/O errors.
pub(crate) const EXIT_USAGE_OR_IO: u8 = 2;

/// Aduana — customs risk management and enforcement.
///
/// Reads advance cargo information in the formats carriers and traders send, checks it against the SAFE and PLACI
/// data elements, and assesses every consignment for risk.
#[derive(Debug, Parser)]
#[command(name = "aduana", version, propagate_version = true, max_term_width = 110)]
#[command(after_help = "Examples:
  aduana demo
  aduana validate examples/consignment.json
  aduana validate --json --format jsonl consignments.jsonl
  aduana hs 854140")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Demo(demo::Args),
    Validate(validate::Args),
    Hs(hs::Args),
    Serve(Box<serve::Args>),
    #[command(subcommand)]
    Users(users::Command),
    #[command(subcommand)]
    Audit(audit::Command),
    #[command(subcommand)]
    Cash(cash::Command),
    Exchange(exchange::Args),
    #[command(subcommand)]
    Import(import::Command),
    Assess(assess::Args),
    Profiles(profiles::Args),
    Screen(screen::Args),
    Train(train::Args),
    Evaluate(evaluate::Args),
}

/// Parses the command line and runs the subcommand; returns its exit status.
pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_USAGE_OR_IO } else { 0 };
            let _ = error.print();
            return Ok(ExitCode::from(code));
        }
    };
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Hs(args) => hs::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Users(command) => users::run(&command),
        Command::Audit(command) => audit::run(&command),
        Command::Cash(command) => cash::run(&command),
        Command::Exchange(args) => exchange::run(&args),
        Command::Import(command) => import::run(&command),
        Command::Assess(args) => assess::run(&args),
        Command::Profiles(args) => profiles::run(&args),
        Command::Screen(args) => screen::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Evaluate(args) => evaluate::run(&args),
    }
}
