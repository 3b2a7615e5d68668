//! Build helper for the browser bundle, run by `make wasm` and `make size`.
//!
//! `build`: the release WASM is split at its `#[lazy]` points (the `wasm_split_cli_support`
//! crate, as cargo-leptos does), the main part goes through wasm-bindgen (its library), the
//! stylesheet joins it, and the whole set moves to `<site>/<pkg>/<content hash>/` with a brotli
//! and a gzip copy of each file. A content-named directory lets the server cache every file for a year: a new
//! build is a new URL. The directory name is written to `<site>/bundle-id` for the server.
//!
//! `size`: what a first visit to /login downloads and what the whole app weighs, compressed.

// A command-line tool: printing its report is its job.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use sha2::{Digest, Sha256};

mod prune;

/// The name the split loader must have: Leptos looks for it under this name in the manifest
/// when the server preloads a route's chunks.
const SPLIT_LINK: &str = "__wasm_split.______________________.js";
const SPLIT_MANIFEST: &str = "__wasm_split_manifest.json";
/// Written beside the site's files; the server reads it to find the bundle directory.
const BUNDLE_ID_FILE: &str = "bundle-id";

type Failure = Box<dyn std::error::Error>;

struct Args {
    command: String,
    options: BTreeMap<String, String>,
}

impl Args {
    fn parse() -> Result<Self, Failure> {
        let mut args = std::env::args().skip(1);
        let mut command = None;
        let mut options = BTreeMap::new();
        while let Some(arg) = args.next() {
            match arg.strip_prefix("--") {
                Some(key) => {
                    let value = args
                        .next()
                        .ok_or_else(|| format!("--{key} needs a value"))?;
                    options.insert(key.to_string(), value);
                }
                None if command.is_none() => command = Some(arg),
                None => return Err(format!("unexpected argument {arg}").into()),
            }
        }
        let command = command.ok_or("usage: gatehouse-bundle build|size --key value …")?;
        Ok(Self { command, options })
    }

    fn get(&self, key: &str) -> Result<&str, Failure> {
        self.options
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("missing --{key}").into())
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("gatehouse-bundle: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Failure> {
    let args = Args::parse()?;
    let site = PathBuf::from(args.get("site")?);
    let pkg = site.join(args.get("pkg")?);
    let name = args.get("name")?;
    match args.command.as_str() {
        "build" => build(
            Path::new(args.get("wasm")?),
            Path::new(args.get("css")?),
            &site,
            &pkg,
            name,
        ),
        "size" => {
            let budget_kb = match args.options.get("budget-kb") {
                Some(kb) => Some(kb.parse().map_err(|e| format!("--budget-kb {kb}: {e}"))?),
                None => None,
            };
            size(&site, &pkg, name, budget_kb)
        }
        other => Err(format!("unknown command {other}").into()),
    }
}

fn build(wasm: &Path, css: &Path, site: &Path, pkg: &Path, name: &str) -> Result<(), Failure> {
    let staging = site.with_file_name("bundle-staging");
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    let out = staging.join("out");
    fs::create_dir_all(&out)?;

    let input = fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let main_wasm = staging.join("main.wasm");
    let main_module = format!("./{name}.js");
    let link_name = format!("./{SPLIT_LINK}");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &out;
        opts.main_out_path = &main_wasm;
        opts.main_module = &main_module;
        opts.link_name = &link_name;
        opts.chunk_group = Some(&chunk_group);
        opts
    })
    .map_err(|e| format!("splitting {}: {e}", wasm.display()))?;
    // Sorted: the splitter's map iterates in a random order, and the bundle is named by its
    // content.
    let prefetch: BTreeMap<_, _> = split.prefetch_map.iter().collect();
    fs::write(
        out.join(SPLIT_MANIFEST),
        serde_json::to_string_pretty(&prefetch)?,
    )?;

    // The library the wasm-bindgen CLI is made of, pinned to the crate's version: nothing to
    // install, and no version to keep in step by hand.
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&main_wasm)
        .out_name(name)
        .web(true)
        .and_then(|bindgen| {
            bindgen
                .typescript(false)
                .remove_name_section(true)
                // The split loader links the chunks to the main module by these exports and
                // names.
                .keep_lld_exports(true)
                .demangle(false)
                .generate(&out)
        })
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?;
    // wasm-bindgen dropped the main module's names; the chunks never passed through it. Each
    // chunk also keeps only the types it uses (see prune.rs).
    for chunk in &split.split_modules {
        strip_custom_sections(chunk)?;
        let pruned = prune::prune_types(&fs::read(chunk)?)
            .map_err(|e| format!("{}: {e}", chunk.display()))?;
        fs::write(chunk, pruned)?;
    }
    for script in [format!("{name}.js"), SPLIT_LINK.to_string()] {
        minify(&out.join(script))?;
    }
    fs::copy(css, out.join(format!("{name}.css")))
        .map_err(|e| format!("{}: {e}", css.display()))?;

    let files = files_under(&out)?;
    let id = content_id(&out, &files)?;
    for file in &files {
        precompress(file)?;
    }
    fs::create_dir_all(pkg)?;
    let target = pkg.join(&id);
    if target.exists() {
        fs::remove_dir_all(&target)?;
    }
    fs::rename(&out, &target)?;
    // Older bundles go: a page rendered before this build asks for its own directory, which
    // the server that rendered it no longer has either.
    for entry in fs::read_dir(pkg)? {
        let path = entry?.path();
        if path != target {
            if path.is_dir() {
                fs::remove_dir_all(&path)?;
            } else {
                fs::remove_file(&path)?;
            }
        }
    }
    fs::write(site.join(BUNDLE_ID_FILE), &id)?;
    fs::remove_dir_all(&staging)?;
    println!("bundle {id}: {} files", files.len());
    size(site, pkg, name, None)
}

/// The first screen of most visits, whose download `make size` measures.
const LOGIN_ROUTE: &str = "login_route";

/// The other screens a signed-out visitor reaches (`crate::routes` names them `<Name>Route`).
const SIGNED_OUT_ROUTES: [&str; 8] = [
    "login_mfa_route",
    "choose_organization_route",
    "signup_route",
    "signup_provider_route",
    "forgot_password_route",
    "reset_password_route",
    "invite_route",
    "verify_email_route",
];

/// A split module's group: /login alone, the other signed-out screens, or the signed-in app.
/// Code shared by several screens goes to one chunk per set of groups (see
/// vendor/wasm_split_cli_support/PATCHED.md): a page loads a handful of WASM files instead of
/// ~180 tiny ones, each a module the browser compiles and instantiates on every page load
/// (~0.9 s per load of /login on 2 cores with 498 chunks). Signed-out pages never load the
/// signed-in screens' code, and /login, a group of its own, loads only chunks of code it runs
/// (310.6 → 301.5 KB brotli; as one of the signed-out group it also loaded what only the other
/// signed-out screens share).
fn chunk_group(module: &str) -> String {
    if is_route_module(module, LOGIN_ROUTE) {
        "login"
    } else if SIGNED_OUT_ROUTES
        .iter()
        .any(|route| is_route_module(module, route))
    {
        "signed-out"
    } else {
        "signed-in"
    }
    .to_string()
}

/// Whether the split module `module` is `route`'s view (split modules are named
/// `__<route>_view_<hash>`).
fn is_route_module(module: &str, route: &str) -> bool {
    module
        .trim_start_matches('_')
        .strip_prefix(route)
        .is_some_and(|rest| rest.starts_with("_view_"))
}

/// Minifies a generated JavaScript module in place with terser (tools/minify's pinned npm
/// package): the glue and the split loader every page loads first shrink by a third once
/// compressed.
fn minify(file: &Path) -> Result<(), Failure> {
    let terser =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../minify/node_modules/terser/bin/terser");
    if !terser.exists() {
        return Err(format!(
            "{} is missing: run `make setup` (npm ci --prefix tools/minify)",
            terser.display()
        )
        .into());
    }
    let minified = with_suffix(file, "min");
    let status = Command::new("node")
        .arg(&terser)
        .arg(file)
        .args(["--module", "--compress", "--mangle", "--output"])
        .arg(&minified)
        .status()
        .map_err(|e| format!("node (for terser): {e}"))?;
    if !status.success() {
        return Err(format!("terser failed on {}: {status}", file.display()).into());
    }
    fs::rename(&minified, file)?;
    Ok(())
}

/// Rewrites a WASM module without its custom sections (function names, producers): more than
/// half of a chunk's bytes, and nothing the browser needs.
fn strip_custom_sections(file: &Path) -> Result<(), Failure> {
    let input = fs::read(file)?;
    let mut module = wasm_encoder::Module::new();
    for payload in wasmparser::Parser::new(0).parse_all(&input) {
        let payload = payload.map_err(|e| format!("{}: {e}", file.display()))?;
        if let Some((id, range)) = payload.as_section()
            && id != 0
        {
            let range = usize::try_from(range.start)?..usize::try_from(range.end)?;
            module.section(&wasm_encoder::RawSection {
                id,
                data: &input[range],
            });
        }
    }
    fs::write(file, module.finish())?;
    Ok(())
}

/// Every file below `dir`, sorted so the content id does not depend on directory order.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The first 16 hex digits of a SHA-256 over every file's relative name and content.
fn content_id(root: &Path, files: &[PathBuf]) -> Result<String, Failure> {
    let mut hasher = Sha256::new();
    for file in files {
        let relative = file.strip_prefix(root)?;
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        let content = fs::read(file)?;
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    let digest = hasher.finalize();
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes `file.br` (quality 11) and `file.gz` (level 9) beside `file`.
fn precompress(file: &Path) -> Result<(), Failure> {
    let content = fs::read(file)?;
    fs::write(with_suffix(file, "br"), brotli_bytes(&content)?)?;
    fs::write(with_suffix(file, "gz"), gzip_bytes(&content)?)?;
    Ok(())
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn brotli_bytes(content: &[u8]) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(content)?;
    }
    Ok(out)
}

fn gzip_bytes(content: &[u8]) -> Result<Vec<u8>, Failure> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(content)?;
    Ok(encoder.finish()?)
}

/// Sizes of one file: raw, brotli, gzip.
#[derive(Default, Clone, Copy)]
struct Weight {
    raw: u64,
    br: u64,
    gz: u64,
}

impl std::ops::AddAssign for Weight {
    fn add_assign(&mut self, other: Self) {
        self.raw += other.raw;
        self.br += other.br;
        self.gz += other.gz;
    }
}

impl std::fmt::Display for Weight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>8.1} KB raw {:>7.1} KB brotli {:>7.1} KB gzip",
            kb(self.raw),
            kb(self.br),
            kb(self.gz)
        )
    }
}

fn kb(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

fn weight(file: &Path) -> Result<Weight, Failure> {
    let size = |path: &Path| -> Result<u64, Failure> {
        Ok(fs::metadata(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len())
    };
    Ok(Weight {
        raw: size(file)?,
        br: size(&with_suffix(file, "br"))?,
        gz: size(&with_suffix(file, "gz"))?,
    })
}

/// Prints what /login downloads before it is interactive (the main JS and WASM, the
/// stylesheet, the split loader and the chunks of the login route) and the whole app, and fails
/// when /login's brotli figure exceeds `budget_kb`, if one is given.
fn size(site: &Path, pkg: &Path, name: &str, budget_kb: Option<u64>) -> Result<(), Failure> {
    let id = fs::read_to_string(site.join(BUNDLE_ID_FILE))
        .map_err(|e| format!("no bundle built ({e}); run `make wasm`"))?;
    let dir = pkg.join(id.trim());
    let manifest: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&fs::read_to_string(dir.join(SPLIT_MANIFEST))?)?;
    let login_key = manifest
        .keys()
        .find(|key| is_route_module(key, LOGIN_ROUTE))
        .ok_or("the manifest has no split for the login route")?;

    let mut first = Weight::default();
    for file in [
        format!("{name}.js"),
        format!("{name}_bg.wasm"),
        format!("{name}.css"),
        SPLIT_LINK.to_string(),
    ] {
        first += weight(&dir.join(file))?;
    }
    for chunk in &manifest[login_key] {
        first += weight(&dir.join(format!("{chunk}.wasm")))?;
    }

    let mut whole = Weight::default();
    for file in files_under(&dir)? {
        let plain = file
            .extension()
            .is_none_or(|ext| ext != "br" && ext != "gz");
        // The manifest is for the server; no browser fetches it.
        if plain && !file.ends_with(SPLIT_MANIFEST) {
            whole += weight(&file)?;
        }
    }
    println!("/login first download  {first}");
    println!("whole app              {whole}");
    if let Some(budget_kb) = budget_kb.filter(|kb| first.br > kb.saturating_mul(1024)) {
        return Err(format!(
            "/login downloads {:.1} KB (brotli) before it is interactive; the budget is {budget_kb} KB",
            kb(first.br)
        )
        .into());
    }
    Ok(())
}
