//! The HTTP boundary, through the same `router()` the binary serves, on a temporary SQLite
//! database: endpoints, statuses, cookie flags, origin refusal, and that no internal detail leaks.
#![expect(clippy::expect_used, reason = "a failing test should stop loudly")]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use gatehouse::{AppState, router};
use gatehouse_server::{Db, Services, Settings, SystemClock};
use http::{Request, Response, StatusCode, header};
use leptos::prelude::get_configuration;
use tower::ServiceExt;

mod activity;
mod api;
mod api_keys;
mod assets;
mod headers;
mod health;
mod host_and_origin;
mod logs;
mod metrics;
mod operator;
mod projects;
mod teams;

const PASSWORD: &str = "Correct-Horse-9";

struct Server {
    app: Router,
    /// `host[:port]` of the public URL: what a browser on the real site sends as `Host`.
    host: String,
    _dir: tempfile::TempDir,
}

async fn server(public_url: Option<&str>) -> Server {
    server_with(public_url, &[]).await
}

/// A server whose settings are the defaults plus `vars` (and `public_url`, when given).
async fn server_with(public_url: Option<&str>, vars: &[(&str, &str)]) -> Server {
    server_serving(public_url, vars, None).await
}

/// Like [`server_with`], serving static files from `site_root` instead of Leptos.toml's.
async fn server_serving(
    public_url: Option<&str>,
    vars: &[(&str, &str)],
    site_root: Option<&str>,
) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().display().to_string();
    let public_url = public_url.map(str::to_string);
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    let settings = Settings::from_lookup(|name| match name {
        "GATEHOUSE_DATA_DIR" => Some(data_dir.clone()),
        "GATEHOUSE_PUBLIC_URL" => public_url.clone(),
        _ => vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
    })
    .expect("settings");
    let db = Db::connect(&settings.database_url).await.expect("database");
    let services = Services::new(db, Arc::new(SystemClock), settings.services.clone())
        .await
        .expect("services");
    let mut options = get_configuration(Some("Leptos.toml"))
        .expect("Leptos.toml")
        .leptos_options;
    if let Some(root) = site_root {
        options.site_root = root.into();
    }
    let host = settings
        .public_url
        .split_once("://")
        .and_then(|(_, rest)| rest.split('/').next())
        .expect("public URL authority")
        .to_string();
    Server {
        app: router(AppState::new(options, services, &settings)),
        host,
        _dir: dir,
    }
}

impl Server {
    /// A form POST as the browser on the real site sends it (its `Host`, no `Origin`).
    fn post(&self, path: &str) -> http::request::Builder {
        Request::post(path)
            .header(header::HOST, &self.host)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
    }

    fn get(&self, path: &str) -> http::request::Builder {
        Request::get(path).header(header::HOST, &self.host)
    }

    async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(request).await.expect("infallible")
    }

    async fn call(&self, path: &str, body: &str, cookie: Option<&str>) -> Response<Body> {
        let mut builder = self.post(path).header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        self.send(builder.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    async fn sign_up(&self, email: &str) -> String {
        let response = self.call("/api/sign_up", &sign_up_form(email), None).await;
        assert_eq!(response.status(), StatusCode::OK);
        session_cookie(&response).expect("session cookie")
    }
}

fn sign_up_form(email: &str) -> String {
    format!(
        "name=Ada&email={}&password={PASSWORD}&organization=Engines",
        email.replace('@', "%40")
    )
}

async fn json(response: Response<Body>) -> serde_json::Value {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("json body")
}

fn set_cookie(response: &Response<Body>) -> Option<String> {
    response
        .headers()
        .get(header::SET_COOKIE)?
        .to_str()
        .ok()
        .map(str::to_string)
}

fn session_cookie(response: &Response<Body>) -> Option<String> {
    set_cookie(response)?.split(';').next().map(str::to_string)
}
