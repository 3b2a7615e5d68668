//! The operator's command line through the real binary, beside a real server on a temporary data
//! directory: `--help`; a backup taken while it serves and restored by running the README's own
//! commands, after which the old data is back and an authenticator code (from `oathtool`) still
//! signs in; a key file that does not match refused, and no database created where there is
//! none; a reset link printed by `admin create-reset-link` that resets the password over HTTP.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::PASSWORD;

mod refusals;

const NEW_PASSWORD: &str = "Brand-New-Pass-7";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The binary with a clean configuration: the data directory and address given, nothing else
/// from the test's own environment.
fn gatehouse(data_dir: &Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("GATEHOUSE_DATA_DIR", data_dir)
        .env("GATEHOUSE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("GATEHOUSE_SECRET_KEY_FILE")
        .env_remove("GATEHOUSE_PUBLIC_URL")
        .env_remove("GATEHOUSE_LOG_FORMAT")
        .env_remove("GATEHOUSE_SMTP_URL");
    command
}

/// A running server; killed (not asked to stop) however the test ends.
struct Server {
    child: std::process::Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(data_dir: &Path, log_dir: &Path) -> Self {
        let port = free_port();
        let log = log_dir.join(format!("server-{port}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = gatehouse(data_dir, port)
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .expect("start the server");
        let server = Self { child, port, log };
        let started = Instant::now();
        loop {
            if let Ok(answer) = server.request("GET", "/readyz", "", None)
                && answer.status == 200
            {
                return server;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not get ready: {}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The same configuration as this server, for the command line.
    fn command(&self, data_dir: &Path) -> Command {
        gatehouse(data_dir, self.port)
    }

    /// One HTTP/1.0 request as a script sends it: this server's `Host`, no `Origin`.
    fn request(
        &self,
        method: &str,
        path: &str,
        form: &str,
        cookie: Option<&str>,
    ) -> std::io::Result<Answer> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        let cookie = cookie.map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nAccept: application/json\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{cookie}\r\n\
             {form}",
            self.port,
            form.len()
        )?;
        let mut text = String::new();
        stream.read_to_string(&mut text)?;
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let cookies = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, value)| value.trim().split(';').next().map(str::to_string))
            .collect();
        Ok(Answer {
            status,
            cookies,
            body: body.to_string(),
        })
    }

    fn post(&self, path: &str, form: &str, cookie: Option<&str>) -> Answer {
        self.request("POST", path, form, cookie)
            .expect("the server answers")
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Answer {
    status: u16,
    /// `name=value` of each `Set-Cookie`.
    cookies: Vec<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    fn cookie(&self, name: &str) -> String {
        self.cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
            .cloned()
            .unwrap_or_else(|| String::from("none"))
    }
}

fn form_escape(text: &str) -> String {
    text.replace('@', "%40").replace(' ', "+")
}

fn sign_up(server: &Server, name: &str, email: &str) -> String {
    let answer = server.post(
        "/api/sign_up",
        &format!(
            "name={}&email={}&password={PASSWORD}&organization=Engines",
            form_escape(name),
            form_escape(email)
        ),
        None,
    );
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.cookie("gatehouse_session")
}

fn sign_in(server: &Server, email: &str, password: &str) -> Answer {
    server.post(
        "/api/sign_in",
        &format!("email={}&password={password}", form_escape(email)),
        None,
    )
}

/// What an authenticator app shows for `secret` `ahead` seconds from now (`oathtool`).
fn totp(secret: &str, ahead: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let output = Command::new("oathtool")
        .args(["--totp", "-b", secret, "-N"])
        .arg(format!("@{}", now + ahead))
        .output()
        .expect("run oathtool (Debian package `oathtool`)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The README's `sh` block that follows `marker` in its "Backups and restore" section.
fn readme_block(marker: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split_once("### Backups and restore")
        .map(|(_, rest)| rest)
        .expect("a Backups and restore section");
    let after = section
        .split_once(marker)
        .map(|(_, rest)| rest)
        .expect(marker);
    let block = after
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("an sh block");
    block.to_string()
}

#[test]
fn help_lists_the_commands_and_a_wrong_command_line_exits_2_with_the_usage() {
    for help in ["--help", "-h", "help"] {
        let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .arg(help)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let said = text(&output.stdout);
        for command in [
            "backup <file>",
            "admin create-reset-link <email>",
            "admin list-organizations",
            "admin reset-mfa <email>",
        ] {
            assert!(said.contains(command), "{command} in {said}");
        }
    }
    for (args, message) in [
        (
            &["restore", "x"][..],
            "gatehouse: unknown command \"restore\"",
        ),
        (&["backup"], "gatehouse: backup needs the file to write"),
        (
            &["admin", "reset-mfa"],
            "gatehouse: admin reset-mfa needs the account's email",
        ),
        (
            &["admin", "list-organizations", "extra"],
            "unexpected argument \"extra\"",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args(args)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let said = text(&output.stderr);
        assert!(
            said.lines().next().is_some_and(|l| l.contains(message)),
            "{said}"
        );
        assert!(said.contains("Usage: gatehouse [COMMAND]"), "{said}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_backup_with_postgresql_points_to_pg_dump() {
    let root = tempfile::tempdir().expect("temp dir");
    let output = gatehouse(root.path(), free_port())
        .env("DATABASE_URL", "postgres://gatehouse@127.0.0.1:1/gatehouse")
        .args(["backup", "b.db"])
        .current_dir(root.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let said = text(&output.stderr);
    assert!(
        said.starts_with("gatehouse: backup copies the embedded SQLite database; with PostgreSQL")
            && said.contains("pg_dump --format=custom --file=gatehouse.dump"),
        "{said}"
    );
    assert!(!root.path().join("b.db").exists());
}

/// Back up while serving, change things, stop, restore with the README's commands, start: the
/// old data is back, the later data gone, and the authenticator still signs in — the restored
/// key opens the restored secret.
#[test]
fn a_backup_restored_as_the_readme_says_brings_the_data_back_and_mfa_still_works() {
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let server = Server::start(&data, root.path());

    let ada = sign_up(&server, "Ada Lovelace", "ada@example.com");
    let enrollment = server.post(
        "/api/start_mfa_enrollment",
        &format!("proof={PASSWORD}"),
        Some(&ada),
    );
    assert_eq!(enrollment.status, 200, "{enrollment:?}");
    let secret = enrollment.json()["secret"]
        .as_str()
        .expect("secret")
        .replace(' ', "");
    let confirmed = server.post(
        "/api/confirm_mfa_enrollment",
        &format!("code={}", totp(&secret, 0)),
        Some(&ada),
    );
    assert_eq!(confirmed.status, 200, "{confirmed:?}");
    let activated = server.post("/api/activate_mfa", "", Some(&ada));
    assert_eq!(
        activated.json()["user"]["mfa_enabled"],
        true,
        "{activated:?}"
    );

    // The backup, as the README writes it, from the directory holding data/.
    let backup_command = readme_block("take a backup while the server runs");
    let args: Vec<&str> = backup_command.split_whitespace().collect();
    assert_eq!(args[..2], ["gatehouse", "backup"], "{backup_command}");
    let backed_up = server
        .command(&data)
        .current_dir(root.path())
        .args(&args[1..])
        .output()
        .expect("run backup");
    assert_eq!(backed_up.status.code(), Some(0), "{backed_up:?}");
    let said = text(&backed_up.stdout);
    assert!(
        said.contains("wrote backup.db (") && said.contains("wrote backup.db.key"),
        "{said}"
    );

    // Changes after the backup.
    let renamed = server.post("/api/update_profile", "name=Someone+Else", Some(&ada));
    assert_eq!(renamed.status, 200, "{renamed:?}");
    sign_up(&server, "Later", "later@example.com");
    server.stop();

    let restore = readme_block("To restore");
    assert!(
        restore.contains("Stop the server") && restore.contains("Start the server"),
        "{restore}"
    );
    let restored = Command::new("sh")
        .args(["-e", "-c", &restore])
        .current_dir(root.path())
        .output()
        .expect("run the README's restore");
    assert!(restored.status.success(), "{restored:?}");

    let server = Server::start(&data, root.path());
    let later = sign_in(&server, "later@example.com", PASSWORD);
    assert_eq!(later.status, 401, "made after the backup: {later:?}");
    assert_eq!(later.json()["code"], "invalid_credentials");
    let step = sign_in(&server, "ada@example.com", PASSWORD);
    assert_eq!(step.status, 401, "{step:?}");
    assert_eq!(step.json()["code"], "mfa_required");
    // The next time step: the confirmation used the current one, and a step works once.
    let signed_in = server.post(
        "/api/verify_mfa",
        &format!("code={}", totp(&secret, 30)),
        Some(&step.cookie("gatehouse_mfa")),
    );
    assert_eq!(signed_in.status, 200, "{signed_in:?} {}", server.log());
    let me = signed_in.json();
    assert_eq!(
        me["user"]["name"], "Ada Lovelace",
        "the name before the backup"
    );
    assert_eq!(me["user"]["mfa_enabled"], true);
}
