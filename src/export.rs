//! `POST /api/export_activity`: the organization's activity as a CSV or JSON Lines download,
//! streamed chunk by chunk (`gatehouse_server::activity::export_activity` reads by keyset), so
//! memory stays flat however many events match. A plain route rather than a server function:
//! server functions answer whole bodies. Behind the same origin check and session resolution as
//! every other call; errors answer as server functions do (JSON, with their status).

use std::collections::HashMap;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use gatehouse_app::ctx::{self, RequestCaller};
use gatehouse_app::error::AppError;
use gatehouse_server::activity::{ActivityFilter, ExportFormat, export_activity};
use gatehouse_server::error::{FieldErrors, Problem};
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use crate::AppState;

pub async fn export(
    State(state): State<AppState>,
    caller: Option<Extension<RequestCaller>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    match start(&state, caller.as_ref().map(|c| &c.0), &form).await {
        Ok(response) => response,
        Err(error) => refused(&error),
    }
}

async fn start(
    state: &AppState,
    caller: Option<&RequestCaller>,
    form: &HashMap<String, String>,
) -> Result<Response, AppError> {
    let svc = state.server.services.clone();
    let actor = ctx::admitted(caller, svc.clock.now())?;
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let format = ExportFormat::parse(field("format"))
        .ok_or_else(|| FieldErrors::single("format", Problem::UnknownExportFormat))?;
    let filter = ActivityFilter::parse(
        field("user_id"),
        field("kind"),
        field("outcome"),
        field("from"),
        field("to"),
    )?;
    let export = export_activity(&svc, &actor, filter, format).await?;
    let file = format!(
        "attachment; filename=\"activity-{}.{}\"",
        svc.clock.now().to_rfc3339().get(..10).unwrap_or("export"),
        format.extension()
    );
    let chunks = futures_util::stream::unfold(Some(export), |state| async move {
        let mut export = state?;
        match export.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok(chunk), Some(export))),
            Ok(None) => None,
            // The status is already sent: ending the body early tells the client the file is
            // incomplete (no final chunk), and the cause is logged.
            Err(err) => {
                tracing::error!(error = %err, "activity export failed midway");
                Some((Err(std::io::Error::other("export failed")), None))
            }
        }
    });
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&file) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

fn refused(error: &AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(error).unwrap_or_default();
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}
