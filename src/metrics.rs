//! `GET /metrics` for Prometheus (`GATEHOUSE_METRICS=on`): the domain's metrics
//! (`gatehouse_server::metrics`) and, counted here, every request by matched route, method and
//! status class with its latency. Served beside the app or on its own address
//! (`GATEHOUSE_METRICS_ADDR`), never cached.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gatehouse_server::metrics::Metrics;
use http::Method;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A request's labels: the route pattern as matched (never the path itself, which may hold ids
/// or tokens), a known method, and the status class.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: &'static str,
}

fn request_histogram() -> Histogram {
    // 1 ms to ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The HTTP half of the metrics.
pub struct HttpMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
}

impl HttpMetrics {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::default();
        let requests = Family::new_with_constructor(request_histogram as fn() -> Histogram);
        registry.register(
            "gatehouse_http_request_duration_seconds",
            "Requests by matched route, method and status class, with their latency",
            requests.clone(),
        );
        Arc::new(Self { registry, requests })
    }
}

/// Times every request and counts it under its matched route (`unmatched` for paths no route
/// knows, so a scan of random URLs cannot grow the label set).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(http) = state.http_metrics.clone() else {
        return next.run(req).await;
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = method_label(req.method());
    let started = Instant::now();
    let response = next.run(req).await;
    let labels = RequestLabels {
        method,
        route,
        status: status_class(response.status()),
    };
    http.requests
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The route alone, for the app's router or a listener of its own.
pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

async fn scrape(State(state): State<AppState>) -> Response {
    let Some(http) = &state.http_metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let services = &state.server.services;
    let mut body = String::new();
    let rendered = Metrics::render(services, &mut body).await.and_then(|()| {
        encode_registry(&mut body, &http.registry)
            .and_then(|()| encode_eof(&mut body))
            .map_err(gatehouse_server::Error::internal)
    });
    if let Err(err) = rendered {
        tracing::warn!(error = %err, "metrics could not be rendered");
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable\n").into_response();
    }
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
