//! The operator's command line, beside serving: `gatehouse backup <file>` and `gatehouse admin
//! …`. Same binary, same environment variables as the server; the work is done by
//! `gatehouse_server::operator`, this module only reads the arguments and prints.
//!
//! It never creates anything the server would: pointed at a place without a database it says so
//! (no fresh database, no generated key file), and a key file that does not match the database
//! is refused with the server's own message. Arguments are parsed by hand: six commands do not
//! need a parser crate's build time. Results go to standard output, messages and logs (`RUST_LOG`,
//! default `warn`) to standard error; exit code 0 when done, 1 when refused or failed, 2 on a
//! wrong command line.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use gatehouse_server::audit::Verdict;
use gatehouse_server::db::sqlite_path;
use gatehouse_server::error::Clash;
use gatehouse_server::operator::{self, BackupError, OrganizationSummary};
use gatehouse_server::{Backend, Db, Error, Services, Settings, SystemClock};

pub const USAGE: &str = "\
Usage: gatehouse [COMMAND]

Without a command, serves Gatehouse. Commands read the same environment variables as the server
(GATEHOUSE_DATA_DIR, DATABASE_URL, GATEHOUSE_SECRET_KEY_FILE, GATEHOUSE_PUBLIC_URL, ...) and work
while it runs.

Commands:
  backup <file>                     copy the SQLite database to <file> and the server key to
                                    <file>.key (PostgreSQL: use pg_dump)
  admin create-reset-link <email>   print a one-time password reset link for the account
  admin list-organizations          list the organizations, their members and Owners
  admin reset-mfa <email>           turn the account's MFA off and end its sessions
  verify-audit                      check every organization's audit log chain; exits 1 and
                                    names the first broken link when one was altered
  help, --help, -h                  print this help
";

/// What the command line asks for, when it asks for more than serving.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    Help,
    Run(Command),
    /// A wrong command line, and what is wrong with it.
    Misuse(String),
}

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Backup(PathBuf),
    CreateResetLink(String),
    ListOrganizations,
    ResetMfa(String),
    VerifyAudit,
}

/// Reads the process arguments (the program's name first); `None`: no command, serve.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Option<Invocation> {
    let mut args = args.into_iter().skip(1);
    let first = args.next()?;
    let rest: Vec<OsString> = args.collect();
    Some(match first.to_str() {
        Some("help" | "--help" | "-h") => Invocation::Help,
        Some("backup") => match rest.as_slice() {
            [file] => Invocation::Run(Command::Backup(PathBuf::from(file))),
            [] => misuse("backup needs the file to write: gatehouse backup <file>"),
            [_, extra, ..] => unexpected(extra),
        },
        Some("admin") => admin(&rest),
        Some("verify-audit") => match rest.as_slice() {
            [] => Invocation::Run(Command::VerifyAudit),
            [extra, ..] => unexpected(extra),
        },
        Some(other) if other.starts_with('-') => misuse(&format!("unknown option {other}")),
        Some(other) => misuse(&format!("unknown command {other:?}")),
        None => misuse(&format!("unknown command {first:?}")),
    })
}

fn admin(args: &[OsString]) -> Invocation {
    const COMMANDS: &str = "create-reset-link, list-organizations or reset-mfa";
    let Some((command, rest)) = args.split_first() else {
        return misuse(&format!("admin needs a command: {COMMANDS}"));
    };
    let email = |name: &str| match rest {
        [email] => match email.to_str() {
            Some(email) => Ok(email.to_string()),
            None => Err(misuse(&format!("{email:?} is not an email address"))),
        },
        [] => Err(misuse(&format!(
            "admin {name} needs the account's email: gatehouse admin {name} <email>"
        ))),
        [_, extra, ..] => Err(unexpected(extra)),
    };
    match command.to_str() {
        Some("create-reset-link") => match email("create-reset-link") {
            Ok(email) => Invocation::Run(Command::CreateResetLink(email)),
            Err(misuse) => misuse,
        },
        Some("reset-mfa") => match email("reset-mfa") {
            Ok(email) => Invocation::Run(Command::ResetMfa(email)),
            Err(misuse) => misuse,
        },
        Some("list-organizations") => match rest {
            [] => Invocation::Run(Command::ListOrganizations),
            [extra, ..] => unexpected(extra),
        },
        _ => misuse(&format!(
            "unknown admin command {command:?}; use {COMMANDS}"
        )),
    }
}

fn misuse(message: &str) -> Invocation {
    Invocation::Misuse(message.to_string())
}

fn unexpected(argument: &OsString) -> Invocation {
    misuse(&format!("unexpected argument {argument:?}"))
}

/// Carries out what [`parse`] read; the process's exit code.
pub async fn run(invocation: Invocation) -> ExitCode {
    let command = match invocation {
        Invocation::Help => {
            let _ = std::io::stdout().write_all(USAGE.as_bytes());
            return ExitCode::SUCCESS;
        }
        Invocation::Misuse(message) => {
            let _ = write!(std::io::stderr(), "gatehouse: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
        Invocation::Run(command) => command,
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .init();
    let mut out = std::io::stdout().lock();
    match execute(command, &mut out).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "gatehouse: {message}");
            ExitCode::FAILURE
        }
    }
}

const PG_DUMP: &str = "backup copies the embedded SQLite database; with PostgreSQL use its own \
tool, e.g. `pg_dump --format=custom --file=gatehouse.dump \"$DATABASE_URL\"` (restore with \
`pg_restore --clean --if-exists --dbname=\"$DATABASE_URL\" gatehouse.dump`), and keep a copy of \
the GATEHOUSE_SECRET_KEY_FILE with it";

/// Opens what the server would — settings, key, database, services — without creating any of
/// it, then runs `command`. Errors are the sentence to print.
async fn execute(command: Command, out: &mut impl Write) -> Result<(), String> {
    let lookup = |name: &str| std::env::var(name).ok();
    if matches!(command, Command::Backup(_))
        && lookup("DATABASE_URL").and_then(|url| Backend::of_url(url.trim()))
            == Some(Backend::Postgres)
    {
        return Err(PG_DUMP.into());
    }
    let mut settings = Settings::from_lookup(lookup).map_err(|e| e.to_string())?;
    let missing = no_database(&settings.database_url);
    if sqlite_path(&settings.database_url).is_some_and(|path| !path.is_file()) {
        return Err(missing);
    }
    // The key must already be there: a generated one would not open this database's secrets.
    settings.generate_secret_key = false;
    settings.load_secret_key().map_err(|e| e.to_string())?;
    let db = Db::connect_existing(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database: {}", describe(e)))?
        .ok_or(missing)?;
    let backend = db.backend();
    let mut config = settings.services.clone();
    // Nobody signs in here: sign-in providers are not discovered (nor needed reachable).
    config.providers.clear();
    let svc = Services::new(db, Arc::new(SystemClock), config)
        .await
        .map_err(describe)?;
    let done = match command {
        Command::Backup(file) => backup(&svc, &file, &settings.secret_key_file, out).await,
        Command::CreateResetLink(email) => create_reset_link(&svc, &email, out).await,
        Command::ListOrganizations => list_organizations(&svc, out).await,
        Command::ResetMfa(email) => reset_mfa(&svc, &email, backend, out).await,
        Command::VerifyAudit => verify_audit(&svc, out).await,
    };
    svc.db.close().await;
    done
}

/// What to say when `url` holds no Gatehouse database.
fn no_database(url: &str) -> String {
    match sqlite_path(url) {
        Some(path) => format!(
            "no database at {}: run this with the server's GATEHOUSE_DATA_DIR (or DATABASE_URL); \
             the command line never creates one",
            path.display()
        ),
        None if Backend::of_url(url) == Some(Backend::Postgres) => {
            "the PostgreSQL database in DATABASE_URL has no Gatehouse tables: point it at the \
             server's database (the command line never creates one)"
                .into()
        }
        None => "DATABASE_URL names an in-memory database: there is nothing to work on".into(),
    }
}

/// The sentence for a failure: an internal error's own words (a wrong key file, an unreachable
/// database), not the wrapper's.
fn describe(err: Error) -> String {
    match err {
        Error::Internal(cause) => cause.to_string(),
        other => other.to_string(),
    }
}

fn printed(result: std::io::Result<()>) -> Result<(), String> {
    result.map_err(|e| format!("cannot write to standard output: {e}"))
}

async fn backup(
    svc: &Services,
    file: &std::path::Path,
    key_file: &std::path::Path,
    out: &mut impl Write,
) -> Result<(), String> {
    let backup = operator::backup_sqlite(svc, file, key_file)
        .await
        .map_err(|err| match err {
            BackupError::NotSqlite => PG_DUMP.to_string(),
            BackupError::Exists(path) => format!(
                "{} already exists: a backup never replaces a file, choose a new name",
                path.display()
            ),
            BackupError::Database(err) => format!("backup failed: {}", describe(err)),
            other => format!("backup failed: {other}"),
        })?;
    printed(writeln!(
        out,
        "wrote {} ({} bytes): the database\nwrote {}: the server key (keep it with the backup, \
         privately)",
        backup.database.display(),
        backup.database_bytes,
        backup.key.display()
    ))
}

async fn create_reset_link(
    svc: &Services,
    email: &str,
    out: &mut impl Write,
) -> Result<(), String> {
    let link = operator::create_reset_link_for(svc, email)
        .await
        .map_err(|err| match err {
            Error::NotFound => format!("no account has the email {email:?}"),
            other => describe(other),
        })?;
    printed(writeln!(
        out,
        "{}\nA password reset link for {email}: it works once, until {}.",
        link.link,
        link.expires_at.to_minute_utc()
    ))
}

async fn reset_mfa(
    svc: &Services,
    email: &str,
    backend: Backend,
    out: &mut impl Write,
) -> Result<(), String> {
    let done = operator::reset_mfa_for(svc, email)
        .await
        .map_err(|err| match err {
            Error::NotFound => format!("no account has the email {email:?}"),
            Error::Conflict(Clash::MemberHasNoMfa) => {
                format!("{email} has no MFA turned on: nothing changed")
            }
            other => describe(other),
        })?;
    let sessions = match done.sessions_ended {
        1 => "1 session".to_string(),
        n => format!("{n} sessions"),
    };
    printed(writeln!(out, "MFA is off for {email}; {sessions} ended."))?;
    if done.notice_sent {
        printed(writeln!(
            out,
            "A security notice was emailed to the account."
        ))?;
    }
    if backend == Backend::Sqlite && done.sessions_ended > 0 {
        // The running server reads the change's cache signal within a second.
        printed(writeln!(
            out,
            "A running server refuses them within a second."
        ))?;
    }
    Ok(())
}

/// One line per chain; refused (exit 1) when any is broken.
async fn verify_audit(svc: &Services, out: &mut impl Write) -> Result<(), String> {
    let verdicts = gatehouse_server::activity::verify_every_chain(svc)
        .await
        .map_err(describe)?;
    let mut broken = 0;
    for (name, chain, verdict) in &verdicts {
        let whose = match name {
            Some(name) => format!("{name} ({chain})"),
            None if chain.is_empty() => "events outside any organization".to_string(),
            None => format!("deleted organization {chain}"),
        };
        let line = match verdict {
            Verdict::Intact { checked } => format!("intact  {whose}: {checked} events checked"),
            Verdict::Broken(link) => {
                broken += 1;
                let row = link
                    .event_id
                    .as_deref()
                    .map_or(String::new(), |id| format!(" (event {id})"));
                format!(
                    "BROKEN  {whose}: event #{} {}{row}",
                    link.seq,
                    link.problem.as_str()
                )
            }
        };
        printed(writeln!(out, "{line}"))?;
    }
    match broken {
        0 => Ok(()),
        n => Err(format!(
            "{n} of {} audit chains broken: restore the database from a backup taken before \
             the first broken event, and find out who could write to it",
            verdicts.len()
        )),
    }
}

async fn list_organizations(svc: &Services, out: &mut impl Write) -> Result<(), String> {
    let organizations = operator::list_organizations(svc).await.map_err(describe)?;
    printed(out.write_all(table(&organizations).as_bytes()))
}

/// One aligned line per organization, under a header: id, name, active members, active Owners.
fn table(organizations: &[OrganizationSummary]) -> String {
    if organizations.is_empty() {
        return "No organizations.\n".into();
    }
    let clean = |text: &str| -> String { text.chars().filter(|c| !c.is_control()).collect() };
    let rows: Vec<[String; 4]> = organizations
        .iter()
        .map(|org| {
            [
                org.id.to_string(),
                clean(&org.name),
                org.members.to_string(),
                clean(&org.owners.join(", ")),
            ]
        })
        .collect();
    let header = ["ID", "NAME", "MEMBERS", "OWNERS"].map(str::to_string);
    let width = |column: usize| {
        std::iter::once(&header)
            .chain(&rows)
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (id, name, members) = (width(0), width(1), width(2));
    std::iter::once(&header)
        .chain(&rows)
        .map(|[a, b, c, d]| {
            let line = if c == "MEMBERS" {
                format!("{a:<id$}  {b:<name$}  {c:<members$}  {d}")
            } else {
                format!("{a:<id$}  {b:<name$}  {c:>members$}  {d}")
            };
            format!("{}\n", line.trim_end())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Option<Invocation> {
        parse(
            std::iter::once("gatehouse")
                .chain(args.iter().copied())
                .map(OsString::from),
        )
    }

    #[test]
    fn no_argument_serves_and_help_has_three_spellings() {
        assert_eq!(parsed(&[]), None);
        for help in ["help", "--help", "-h"] {
            assert_eq!(parsed(&[help]), Some(Invocation::Help));
        }
    }

    #[test]
    fn each_command_takes_exactly_its_arguments() {
        assert_eq!(
            parsed(&["backup", "b.db"]),
            Some(Invocation::Run(Command::Backup("b.db".into())))
        );
        assert_eq!(
            parsed(&["admin", "create-reset-link", "a@example.com"]),
            Some(Invocation::Run(Command::CreateResetLink(
                "a@example.com".into()
            )))
        );
        assert_eq!(
            parsed(&["admin", "reset-mfa", "a@example.com"]),
            Some(Invocation::Run(Command::ResetMfa("a@example.com".into())))
        );
        assert_eq!(
            parsed(&["admin", "list-organizations"]),
            Some(Invocation::Run(Command::ListOrganizations))
        );
        assert_eq!(
            parsed(&["verify-audit"]),
            Some(Invocation::Run(Command::VerifyAudit))
        );
        assert_eq!(
            parsed(&["admin", "list-organizations"]),
            Some(Invocation::Run(Command::ListOrganizations))
        );
        for wrong in [
            &["backup"][..],
            &["backup", "a", "b"],
            &["admin"],
            &["admin", "reset-mfa"],
            &["admin", "create-reset-link", "a@example.com", "more"],
            &["admin", "list-organizations", "x"],
            &["admin", "nope"],
            &["verify-audit", "x"],
            &["restore", "x"],
            &["--verbose"],
        ] {
            assert!(
                matches!(parsed(wrong), Some(Invocation::Misuse(_))),
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn the_table_aligns_its_columns() {
        let id = gatehouse_server::OrgId::random();
        let organizations = [
            OrganizationSummary {
                id,
                name: "Acme".into(),
                members: 12,
                owners: vec!["a@example.com".into(), "b@example.com".into()],
            },
            OrganizationSummary {
                id,
                name: "Analytical\nEngines".into(),
                members: 1,
                owners: vec![],
            },
        ];
        let text = table(&organizations);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("ID "), "{text}");
        assert!(
            // Names padded to the longest (17), counts right-aligned under MEMBERS (7).
            lines[1].ends_with(&format!(
                "Acme{}12  a@example.com, b@example.com",
                " ".repeat(20)
            )),
            "{text}"
        );
        assert!(
            lines[2].ends_with(&format!("AnalyticalEngines{}1", " ".repeat(8))),
            "{text}"
        );
        assert_eq!(lines[0].find("NAME"), Some(38), "{text}");
        assert_eq!(lines[1].find("Acme"), Some(38), "{text}");
    }
}
