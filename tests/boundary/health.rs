//! The health probes: answered without a session or an origin, never cached.

use super::*;

async fn probe(server: &Server, path: &str) -> (StatusCode, String, Option<String>) {
    let response = server
        .send(server.get(path).body(Body::empty()).expect("request"))
        .await;
    let status = response.status();
    let cache = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&bytes).into_owned(), cache)
}

#[tokio::test]
async fn healthz_and_readyz_answer_200_without_a_session_and_are_not_cached() {
    let server = server(None).await;
    assert_eq!(
        probe(&server, "/healthz").await,
        (
            StatusCode::OK,
            "ok\n".to_string(),
            Some("no-store".to_string())
        )
    );
    assert_eq!(
        probe(&server, "/readyz").await,
        (
            StatusCode::OK,
            "ready\n".to_string(),
            Some("no-store".to_string())
        )
    );
}
