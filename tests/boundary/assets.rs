//! The browser bundle: pages name its content-named directory, and its files are served in the
//! encoding the client accepts, cached for a year.

use super::*;

const ID: &str = "0123456789abcdef";

/// A site with a bundle as tools/bundle lays it out: `bundle-id`, and each file with its
/// brotli and gzip copies (their bytes differ so the test can tell which was served).
fn site() -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("site dir");
    let dir = site.path().join("pkg").join(ID);
    std::fs::create_dir_all(&dir).expect("bundle dir");
    std::fs::write(site.path().join("bundle-id"), ID).expect("bundle-id");
    std::fs::write(site.path().join("favicon.ico"), "icon").expect("favicon");
    for (name, body) in [
        ("gatehouse.js", "plain"),
        ("gatehouse.js.br", "brotli"),
        ("gatehouse.js.gz", "gzip"),
    ] {
        std::fs::write(dir.join(name), body).expect("bundle file");
    }
    site
}

async fn get(server: &Server, path: &str, encodings: &str) -> (Response<Body>, String) {
    let request = server
        .get(path)
        .header(header::ACCEPT_ENCODING, encodings)
        .body(Body::empty())
        .expect("request");
    let response = server.send(request).await;
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.expect("body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (Response::from_parts(parts, Body::empty()), text)
}

fn header_of(response: &Response<Body>, name: header::HeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn pages_load_the_bundle_from_its_content_named_directory() {
    let site = site();
    let server = server_serving(None, &[], site.path().to_str()).await;
    let (response, page) = get(&server, "/login", "gzip").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        page.contains(&format!("/pkg/{ID}/gatehouse.js")),
        "the page asks for the bundle's directory"
    );
    assert!(page.contains(&format!("/pkg/{ID}/gatehouse.css")));
}

#[tokio::test]
async fn bundle_files_come_precompressed_as_accepted_and_cached_for_a_year() {
    let site = site();
    let server = server_serving(None, &[], site.path().to_str()).await;
    let path = format!("/pkg/{ID}/gatehouse.js");
    for (accepted, body, encoding) in [
        ("gzip, deflate, br, zstd", "brotli", Some("br")),
        ("gzip, deflate", "gzip", Some("gzip")),
        ("identity", "plain", None),
    ] {
        let (response, text) = get(&server, &path, accepted).await;
        assert_eq!(response.status(), StatusCode::OK, "{accepted}");
        assert_eq!(text, body, "{accepted}");
        assert_eq!(
            header_of(&response, header::CONTENT_ENCODING),
            encoding,
            "{accepted}"
        );
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(header_of(&response, header::VARY), Some("accept-encoding"));
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            Some("text/javascript")
        );
    }
}

#[tokio::test]
async fn a_missing_bundle_file_is_a_404_that_is_not_cached() {
    let site = site();
    let server = server_serving(None, &[], site.path().to_str()).await;
    let (response, _) = get(&server, &format!("/pkg/{ID}/nothing.wasm"), "br").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_ne!(
        header_of(&response, header::CACHE_CONTROL),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn fetching_a_static_file_leaves_the_session_cookie_alone() {
    let site = site();
    let server = server_serving(None, &[], site.path().to_str()).await;
    // A cookie naming no live session: a page or server function would answer by removing it,
    // and a chunk or icon loaded meanwhile must not take that answer away from them.
    for path in [
        format!("/pkg/{ID}/gatehouse.js"),
        "/favicon.ico".to_string(),
    ] {
        let request = server
            .get(&path)
            .header(header::COOKIE, "gatehouse_session=no-such-session")
            .body(Body::empty())
            .expect("request");
        let response = server.send(request).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(set_cookie(&response), None, "{path}");
    }
    let page = server
        .get("/login")
        .header(header::COOKIE, "gatehouse_session=no-such-session")
        .body(Body::empty())
        .expect("request");
    let page = server.send(page).await;
    assert!(
        set_cookie(&page).is_some_and(|c| c.starts_with("gatehouse_session=;")),
        "a page still removes it"
    );
}
