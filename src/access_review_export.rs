//! `GET /api/export_access_review?review_id=…`: one access review as a CSV download, for the
//! Access reviews screen's "Export CSV" links. A plain route rather than a server function, so
//! a link downloads the file. Behind the same session resolution as every other call (a read: no
//! origin check); errors answer as server functions do (JSON, with their status).

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use gatehouse_app::ctx::{self, RequestCaller};
use gatehouse_app::error::AppError;
use gatehouse_server::access_reviews::export_access_review;
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use crate::AppState;

pub async fn export(
    State(state): State<AppState>,
    caller: Option<Extension<RequestCaller>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let svc = state.server.services.clone();
    let review_id = query.get("review_id").map_or("", String::as_str);
    let exported = match ctx::admitted(caller.as_ref().map(|c| &c.0), svc.clock.now()) {
        Ok(actor) => export_access_review(&svc, &actor, review_id)
            .await
            .map_err(AppError::from),
        Err(error) => Err(error),
    };
    match exported {
        Ok(export) => {
            let disposition = format!("attachment; filename=\"{}\"", export.file_name);
            let mut response = export.csv.into_response();
            let headers = response.headers_mut();
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) => {
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::to_string(&error).unwrap_or_default();
            let json = HeaderValue::from_static("application/json");
            (status, [(CONTENT_TYPE, json)], body).into_response()
        }
    }
}
