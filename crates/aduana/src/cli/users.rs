//! `aduana users add NAME --role ROLE` and `aduana users list`: manage accounts from the machine the store is on.
//! `add` prints a new API token as the last line of its output (the token is shown once; only its hash is kept).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use aduana_store::{NewAuditEntry, NewUser, Role};
use anyhow::Context;

use crate::database::{self, Missing};

/// Manage users.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    Add(AddArgs),
    List(ListArgs),
}

/// Create a user and print a new API token (last line of output).
#[derive(Debug, clap::Args)]
#[command(after_help = "Without --password-stdin a password is generated and printed (for browser login).

Examples:
  aduana users add alice --role officer
  echo 'correct horse battery' | aduana users add bob --role analyst --password-stdin
  aduana users add carrier-x --role submitter --database postgres://aduana@db/aduana")]
pub(crate) struct AddArgs {
    /// The user name: 1 to 64 letters, digits, `.`, `_`, `-`, `@`.
    name: String,
    /// The role: administrator, analyst, officer, auditor, submitter or partner.
    #[arg(long, value_parser = role_names())]
    role: String,
    /// Read the password from the first line of standard input instead of generating one.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    store: database::Location,
}

/// List users.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    store: database::Location,
    /// Print one JSON object per user.
    #[arg(long)]
    json: bool,
}

fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

/// Runs a `users` subcommand.
pub(crate) fn run(command: &Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Add(args) => database::runtime()?.block_on(add(args)),
        Command::List(args) => database::runtime()?.block_on(list(args)),
    }
}

async fn add(args: &AddArgs) -> anyhow::Result<ExitCode> {
    if !aduana_server::valid_user_name(&args.name) {
        anyhow::bail!("expected a user name of 1 to 64 letters, digits, `.`, `_`, `-` or `@`, found `{}`", args.name);
    }
    let role: Role = args.role.parse().map_err(anyhow::Error::msg)?;
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.chars().count() < 12 {
            anyhow::bail!("expected a password of at least 12 characters");
        }
        (password, false)
    } else {
        (aduana_server::auth::new_secret("").context("generating a password")?[..24].to_owned(), true)
    };
    let store = args.store.open(Missing::Create).await?;
    let password_hash = aduana_server::auth::hash_password(password.clone()).await?;
    let user = store.add_user(&NewUser { name: args.name.clone(), role, password_hash: Some(password_hash) }).await?;
    let token = aduana_server::auth::issue_token(&*store, user.id).await?;
    let entry = NewAuditEntry {
        actor: "cli".to_owned(),
        action: "user.create".to_owned(),
        subject: format!("user/{}", user.name),
        details: serde_json::json!({"role": role.as_str()}),
    };
    store.append_audit(&entry).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "created user {} ({role}) in {}", user.name, args.store.describe())?;
    if generated {
        writeln!(out, "password: {password}")?;
    }
    writeln!(out, "API token (shown once; send it as `Authorization: Bearer <token>`):")?;
    writeln!(out, "{token}")?;
    Ok(ExitCode::SUCCESS)
}

async fn list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open(Missing::Fail).await?;
    let mut out = std::io::stdout().lock();
    for user in store.users().await? {
        if args.json {
            serde_json::to_writer(&mut out, &user)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}\t{}\t{}", user.name, user.role, user.created_at.to_rfc3339())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
