//! The helper's `size` command as `make size` and `make size-floor` run it: the figures it
//! prints and the budget that fails the build. (Building this test also builds the helper's binary with the workspace's
//! other test builds, which is the binary `make wasm` runs.)
#![expect(clippy::expect_used, reason = "a failing test should stop loudly")]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const SPLIT_LINK: &str = "__wasm_split.______________________.js";

/// Writes `name` with `raw` bytes and its brotli and gzip copies with `br` and `gz` bytes.
fn file(dir: &Path, name: &str, raw: usize, br: usize, gz: usize) {
    for (path, len) in [
        (name.to_string(), raw),
        (format!("{name}.br"), br),
        (format!("{name}.gz"), gz),
    ] {
        fs::write(dir.join(path), vec![b'x'; len]).expect("write a bundle file");
    }
}

/// A built site whose /login downloads 2,050 bytes of brotli (2.0 KB), and 2,250 in all.
fn site() -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("temp dir");
    let bundle = site.path().join("pkg").join("0123abcd");
    fs::create_dir_all(&bundle).expect("bundle dir");
    fs::write(site.path().join("bundle-id"), "0123abcd\n").expect("bundle id");
    fs::write(
        bundle.join("__wasm_split_manifest.json"),
        r#"{"__login_route_view_1": ["chunk_1"], "__members_route_view_1": ["chunk_2"]}"#,
    )
    .expect("manifest");
    file(&bundle, "gatehouse.js", 2000, 600, 700);
    file(&bundle, "gatehouse_bg.wasm", 5000, 900, 1000);
    file(&bundle, "gatehouse.css", 400, 100, 120);
    file(&bundle, SPLIT_LINK, 200, 50, 60);
    file(&bundle, "chunk_1.wasm", 1500, 400, 450);
    file(&bundle, "chunk_2.wasm", 800, 200, 220);
    site
}

fn size(site: &Path, budget_kb: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatehouse-bundle"));
    command
        .arg("size")
        .args(["--site", &site.display().to_string(), "--pkg", "pkg"])
        .args(["--name", "gatehouse"]);
    if let Some(kb) = budget_kb {
        command.args(["--budget-kb", kb]);
    }
    command.output().expect("run gatehouse-bundle")
}

#[test]
fn size_prints_logins_first_download_and_the_whole_app() {
    let site = site();
    let out = size(site.path(), Some("3"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // /login: the main JS and WASM, the stylesheet, the split loader and its own chunk.
    assert!(
        stdout.contains("/login first download       8.9 KB raw     2.0 KB brotli     2.3 KB gzip"),
        "{stdout}"
    );
    // The whole app adds the other route's chunk; the manifest is not downloaded.
    assert!(
        stdout.contains("whole app                   9.7 KB raw     2.2 KB brotli     2.5 KB gzip"),
        "{stdout}"
    );
}

#[test]
fn size_fails_when_login_exceeds_the_budget() {
    let site = site();
    let out = size(site.path(), Some("2"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "/login downloads 2.0 KB (brotli) before it is interactive; the budget is 2 KB"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn size_without_a_built_bundle_says_how_to_build_one() {
    let empty = tempfile::tempdir().expect("temp dir");
    let out = size(empty.path(), Some("200"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no bundle built") && stderr.contains("run `make wasm`"),
        "{stderr}"
    );
}

#[test]
fn size_without_a_budget_only_prints_the_figures() {
    let site = site();
    let out = size(site.path(), None);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("/login first download       8.9 KB raw"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn size_refuses_a_budget_that_is_not_a_number() {
    let site = site();
    let out = size(site.path(), Some("200KB"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--budget-kb 200KB: invalid digit"),
        "{stderr}"
    );
}
