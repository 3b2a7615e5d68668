//! Composition root: tracing → settings → database and migrations → services → router → serve
//! until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use gatehouse::{AppState, metrics_router, router};
use gatehouse_server::config::MetricsExposure;
use gatehouse_server::{Db, Services, Settings, SystemClock};
use leptos::prelude::get_configuration;
use tracing_subscriber::EnvFilter;

mod cli;

#[tokio::main]
async fn main() -> ExitCode {
    // `gatehouse backup …`, `gatehouse admin …`, `--help`: the operator's commands.
    if let Some(invocation) = cli::parse(std::env::args_os()) {
        return cli::run(invocation).await;
    }
    if let Err(err) = init_logs(std::env::var("GATEHOUSE_LOG_FORMAT").ok().as_deref()) {
        eprintln!("gatehouse: {err}");
        return ExitCode::from(2);
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("gatehouse stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to standard output: human-readable lines by default, or (`GATEHOUSE_LOG_FORMAT=json`)
/// one JSON object per line for a log pipeline, with the request's span (request id, method,
/// matched route) under `span`. `RUST_LOG` filters either (default `info`).
fn init_logs(format: Option<&str>) -> Result<(), String> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match format.map(str::trim) {
        None | Some("" | "text") => tracing_subscriber::fmt().with_env_filter(filter).init(),
        Some("json") => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .init(),
        Some(other) => {
            return Err(format!(
                "GATEHOUSE_LOG_FORMAT: {other:?} is not a log format; use text or json"
            ));
        }
    }
    Ok(())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = Settings::from_lookup(|name| std::env::var(name).ok())?;
    std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
        format!(
            "GATEHOUSE_DATA_DIR: cannot create {:?}: {e}",
            settings.data_dir
        )
    })?;
    settings.load_secret_key()?;
    let mut leptos_options = get_configuration(Some("Leptos.toml"))?.leptos_options;
    leptos_options.site_addr = settings.addr;

    let db = Db::connect(&settings.database_url).await?;
    tracing::info!(backend = ?db.backend(), "database ready");
    let services = Services::new(db, Arc::new(SystemClock), settings.services.clone()).await?;
    // Expired rows and old audit events go a minute after start-up, then hourly.
    gatehouse_server::purge::spawn(services.clone());
    let state = AppState::new(leptos_options, services, &settings);
    let app = router(state.clone());

    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("GATEHOUSE_ADDR: cannot listen on {}: {e}", settings.addr))?;
    tracing::info!("listening on http://{}", settings.addr);
    if let MetricsExposure::Own(addr) = settings.metrics {
        serve_metrics(addr, metrics_router(state.clone())).await?;
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    Ok(())
}

/// `/metrics` on its own listener, for as long as the process runs.
async fn serve_metrics(addr: SocketAddr, router: axum::Router) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("GATEHOUSE_METRICS_ADDR: cannot listen on {addr}: {e}"))?;
    tracing::info!("metrics on http://{addr}/metrics");
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!("metrics listener stopped: {err}");
        }
    });
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
