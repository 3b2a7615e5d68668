//! Liveness and readiness for load balancers and orchestrators: `GET /healthz` answers 200 while
//! the process serves (no database call); `GET /readyz` answers 200 when the database answers
//! and, on PostgreSQL, the invalidation listener is up, else 503 with the reason on one line.
//! Neither is cached; neither needs a session or an origin.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Response {
    plain(StatusCode::OK, "ok")
}

async fn readyz(State(state): State<AppState>) -> Response {
    match gatehouse_server::health::readiness(&state.server.services).await {
        Ok(()) => plain(StatusCode::OK, "ready"),
        Err(not_ready) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("not ready: {}", not_ready.reason()),
        ),
    }
}

fn plain(status: StatusCode, body: &str) -> Response {
    let mut response = (status, format!("{body}\n")).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
