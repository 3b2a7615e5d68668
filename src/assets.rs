//! The browser bundle on the wire. `make wasm` (tools/bundle) puts it in a directory named by
//! its content, `<site>/<pkg>/<id>/`, with a brotli and a gzip copy of every file, and writes
//! `<id>` to `<site>/bundle-id`. Pages ask for `/<pkg>/<id>/…`; a new build is a new URL, so
//! every file there may be cached for a year without ever being stale.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use http::HeaderValue;
use http::header::{CACHE_CONTROL, VARY};
use leptos::prelude::LeptosOptions;
use tower_http::services::{ServeDir, ServeFile};

/// Written by tools/bundle beside the site's files.
const BUNDLE_ID_FILE: &str = "bundle-id";

/// Points `site_pkg_dir` at the built bundle's directory, when there is one (a server started
/// without `make wasm` serves pages that do not hydrate, as before).
pub fn locate_bundle(options: &mut LeptosOptions) {
    let site = Path::new(options.site_root.as_ref());
    let Ok(id) = std::fs::read_to_string(site.join(BUNDLE_ID_FILE)) else {
        return;
    };
    let id = id.trim();
    let valid = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric());
    if valid && site.join(options.site_pkg_dir.as_ref()).join(id).is_dir() {
        options.site_pkg_dir = format!("{}/{id}", options.site_pkg_dir).into();
    } else {
        tracing::warn!(
            bundle = id,
            "bundle-id names no bundle; pages will not hydrate"
        );
    }
}

/// The static files: `/<pkg>/…` from the site's package directory, in the precompressed copy
/// the client accepts (brotli, then gzip, else the plain file) with a year of immutable caching,
/// and `/favicon.ico`. They are the same for everyone, so the router serves them without
/// resolving the session: a file fetched while a page changes (or late, under load) must not
/// consume the ended-session answer, and the cookie removal that comes with it, meant for the
/// page.
pub fn static_routes<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let site = Path::new(options.site_root.as_ref());
    let pkg = options
        .site_pkg_dir
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let bundle = ServeDir::new(site.join(&pkg))
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false);
    let bundle = Router::new()
        .nest_service(&format!("/{pkg}"), bundle)
        .layer(from_fn(cache_forever));
    Router::new()
        .route_service("/favicon.ico", ServeFile::new(site.join("favicon.ico")))
        .merge(bundle)
}

async fn cache_forever(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    if response.status().is_success() {
        let headers = response.headers_mut();
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
        // The body depends on Accept-Encoding; caches must keep one copy per encoding.
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}
