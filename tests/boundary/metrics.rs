//! `/metrics`: absent unless turned on; with `GATEHOUSE_METRICS=on`, OpenMetrics text that
//! counts requests by matched route (never the raw path) and sign-ins by outcome; with
//! `GATEHOUSE_METRICS_ADDR`, only on its own listener.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::logs::{Stop, free_port};
use super::*;

async fn scrape(server: &Server) -> (StatusCode, Option<String>, String) {
    let response = server
        .send(server.get("/metrics").body(Body::empty()).expect("request"))
        .await;
    let status = response.status();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (status, kind, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn metrics_are_off_by_default() {
    let server = server(None).await;
    assert_eq!(scrape(&server).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn requests_are_counted_by_matched_route_and_sign_ins_by_outcome() {
    let server = server_with(None, &[("GATEHOUSE_METRICS", "on")]).await;
    server.sign_up("ada@example.com").await;
    let wrong = server
        .call(
            "/api/sign_in",
            "email=ada%40example.com&password=Nope-Nope-1",
            None,
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    for path in ["/healthz", "/healthz", "/no/such/page-4c1d"] {
        server
            .send(server.get(path).body(Body::empty()).expect("request"))
            .await;
    }
    let (status, kind, text) = scrape(&server).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        kind.as_deref(),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    for line in [
        "gatehouse_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\",status=\"2xx\"} 2",
        "gatehouse_http_request_duration_seconds_count{method=\"GET\",route=\"unmatched\",status=\"4xx\"} 1",
        "gatehouse_sign_ins_total{outcome=\"wrong_password\"} 1",
        "gatehouse_active_sessions 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
    assert!(
        text.contains("route=\"/api/{*fn_name}\"") || text.contains("route=\"/api/sign_in\""),
        "{text}"
    );
    assert!(
        !text.contains("page-4c1d"),
        "a raw path became a label:\n{text}"
    );
    assert!(
        !text.contains("example.com"),
        "an email became a label:\n{text}"
    );
}

#[tokio::test]
async fn metrics_on_their_own_address_are_not_served_beside_the_app() {
    let server = server_with(
        None,
        &[
            ("GATEHOUSE_METRICS", "on"),
            ("GATEHOUSE_METRICS_ADDR", "127.0.0.1:9"),
        ],
    )
    .await;
    assert_eq!(scrape(&server).await.0, StatusCode::NOT_FOUND);
}

/// A plain HTTP/1.0 GET: the status line and body, or `None` while nothing listens.
fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn the_binary_serves_metrics_on_their_own_listener() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (app, metrics) = (free_port(), free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .env("GATEHOUSE_ADDR", format!("127.0.0.1:{app}"))
        .env("GATEHOUSE_METRICS", "on")
        .env("GATEHOUSE_METRICS_ADDR", format!("127.0.0.1:{metrics}"))
        .env("GATEHOUSE_DATA_DIR", dir.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let _server = Stop(child);
    let started = Instant::now();
    let ready = loop {
        if let Some(answer) = get(app, "/healthz") {
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(ready.starts_with("HTTP/1.0 200"), "{ready}");
    let beside = get(app, "/metrics").expect("app answers");
    assert!(beside.starts_with("HTTP/1.0 404"), "{beside}");
    let own = get(metrics, "/metrics").expect("metrics listener answers");
    assert!(own.starts_with("HTTP/1.0 200"), "{own}");
    assert!(
        own.contains("gatehouse_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\",status=\"2xx\"} 1"),
        "{own}"
    );
    let page = get(metrics, "/login").expect("metrics listener answers");
    assert!(
        page.starts_with("HTTP/1.0 404"),
        "only /metrics there: {page}"
    );
}
