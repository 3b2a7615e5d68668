//! The binary's logs: with `GATEHOUSE_LOG_FORMAT=json` every line is one JSON object a log
//! pipeline parses, a request's lines carrying its id and route; an unknown format is refused
//! at start with a message.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Stops the server however the test ends (it would otherwise outlive a failed assertion).
pub(super) struct Stop(pub(super) std::process::Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn json_logs_are_one_object_per_line_with_the_request_id_and_route() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .env("GATEHOUSE_LOG_FORMAT", "json")
        .env("GATEHOUSE_ADDR", format!("127.0.0.1:{port}"))
        .env("GATEHOUSE_DATA_DIR", dir.path())
        // The trace layer reports each response at debug: a line inside the request's span.
        .env("RUST_LOG", "info,tower_http=debug")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let _server = Stop(child);
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let started = Instant::now();
    let mut asked = false;
    let found = loop {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no request line in {seen:#?}"
        );
        if let Ok(line) = received.recv_timeout(Duration::from_millis(100)) {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(&line);
            assert!(parsed.is_ok(), "not one JSON object: {line}");
            let object = parsed.expect("checked");
            if object["span"]["route"] == "/readyz" {
                break object;
            }
            seen.push(object);
        }
        if !asked
            && seen
                .iter()
                .any(|o| o["message"] == format!("listening on http://127.0.0.1:{port}"))
        {
            // A plain HTTP/1.0 request: no client crate needed.
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
            stream
                .write_all(b"GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                .expect("send");
            let mut answer = String::new();
            stream.read_to_string(&mut answer).expect("answer");
            assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
            asked = true;
        }
    };
    for key in ["timestamp", "level", "target"] {
        assert!(found.get(key).is_some(), "{key} in {found}");
    }
    assert_eq!(found["span"]["method"], "GET");
    assert!(
        found["span"]["request_id"]
            .as_str()
            .is_some_and(|id| id.len() == 36),
        "{found}"
    );
    assert!(seen.iter().all(|o| o.get("level").is_some()));
}

#[test]
fn an_unknown_log_format_is_refused_at_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .env("GATEHOUSE_LOG_FORMAT", "xml")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("GATEHOUSE_LOG_FORMAT: \"xml\" is not a log format; use text or json"),
        "{said}"
    );
}
