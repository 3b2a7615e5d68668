# Gatehouse: `make run` serves the app, `make test` checks everything. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Names and paths come from Leptos.toml and Cargo.lock, the same files the server reads.
leptos_key = $(shell sed -n 's/^$(1) *= *"\(.*\)"/\1/p' Leptos.toml)
OUTPUT_NAME := $(call leptos_key,output-name)
SITE_ROOT := $(call leptos_key,site-root)
PKG_NAME := $(call leptos_key,site-pkg-dir)
WASM_FILE := target/wasm32-unknown-unknown/wasm-release/gatehouse.wasm
CARGO_HOME ?= $(HOME)/.cargo
JOBS := $(shell nproc)
export PATH := $(CARGO_HOME)/bin:$(PATH)

.PHONY: run build setup wasm size size-floor server server-dev test fmt-check clippy lint-host lint-wasm bundle-helper test-rust e2e e2e-deps bench bench-flood bench-members bench-projects bench-activity bench-saml startup-order clean-data

## Serves the release bundle with the server's debug build, the one the end-to-end suite tests:
## a fresh machine serves in two thirds of the time a release server takes to compile, and after
## `make test` nothing is left to compile. The bundle, then the server: one build at a time
## served first in 587-607 s from a fresh clone on 2 cores, both side by side in 633-698 s (each
## build keeps the cores busy alone here; run together they slowed each other down).
## `make build` makes the release server (`make bench` measures that one).
run: setup
	+$(MAKE) --no-print-directory wasm
	+$(MAKE) --no-print-directory server-dev
	./target/debug/gatehouse

## The bundle and the server compile side by side: each build has long stretches where one crate
## keeps one core busy (the app's views, the bundle's single LTO unit), and cargo takes its jobs
## from make's jobserver (recipe lines marked `+`), so together they keep the cores busy without
## running more compilers than there are cores.
build: setup
	+$(MAKE) --no-print-directory -j$(JOBS) wasm server

## Installs what the build needs and is missing: the wasm target, clippy and the JavaScript minifier
## (terser, pinned in tools/minify). (wasm-bindgen is a library
## of tools/bundle, pinned to the app's version: nothing else to install.)
## The C libraries the server links: Debian's xmlsec1 verifies SAML signatures (through samael,
## whose bindings bindgen generates with libclang).
BUILD_PACKAGES := libxmlsec1-dev libssl-dev pkg-config libclang1-14 libclang-common-14-dev
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

setup:
	@dpkg -s $(BUILD_PACKAGES) >/dev/null 2>&1 || { \
		echo "== installing $(BUILD_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BUILD_PACKAGES) >/dev/null; }
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
		|| rustup target add wasm32-unknown-unknown
	@command -v clippy-driver >/dev/null || rustup component add clippy
	@test -d tools/minify/node_modules/terser || npm ci --prefix tools/minify --silent

## Clippy lints the workspace's crates while they compile for the tests and the bundle:
## clippy-driver is rustc with clippy's lints, and runs here as cargo's wrapper for workspace
## members, as under `cargo clippy` (which only checks). Each crate compiles once, instead of a
## check pass for clippy and a build pass for the tests. Every command that compiles these crates
## for tests or the bundle sets it: cargo rebuilds a crate whose wrapper changed.
LINTED := RUSTC_WORKSPACE_WRAPPER=clippy-driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

## The browser crates as the bundle needs them.
WASM_BUILD := $(LINTED) cargo build -p gatehouse --lib --target wasm32-unknown-unknown \
	--profile wasm-release --features hydrate

BUNDLE := target/debug/gatehouse-bundle --site $(SITE_ROOT) --pkg $(PKG_NAME) --name $(OUTPUT_NAME)

## The browser bundle: compiled separately from the server so features never mix, then split by
## route, bound, named by its content and precompressed (tools/bundle).
wasm: setup
	+$(WASM_BUILD)
	+$(MAKE) --no-print-directory bundle-helper
	$(BUNDLE) build --wasm $(WASM_FILE) --css style/main.css
	cp -r public/. $(SITE_ROOT)/

## What /login downloads before it is interactive, and the whole app; fails over 200 KB.
size: bundle-helper
	$(BUNDLE) size --budget-kb 200

## The framework's floor under that figure: a minimal app (bench/bundle_floor) with the router and
## a lazy login route holding a signal, then also a resource read from a server function, then
## also a form posting to one, built and measured as the app's bundle is.
FLOOR_VARIANTS := router resource form
FLOOR_WASM := target/wasm32-unknown-unknown/wasm-release/gatehouse_bundle_floor.wasm
size-floor: setup bundle-helper
	+for variant in $(FLOOR_VARIANTS); do \
		cargo build -q -p gatehouse-bundle-floor --lib --target wasm32-unknown-unknown \
			--profile wasm-release --features $$variant; \
		target/debug/gatehouse-bundle build --site target/floor/$$variant --pkg $(PKG_NAME) \
			--name floor --wasm $(FLOOR_WASM) --css style/main.css >/dev/null; \
		echo "== login route: $$variant"; \
		target/debug/gatehouse-bundle size --site target/floor/$$variant --pkg $(PKG_NAME) --name floor; \
	done

## The release server; build.rs passes src/startup.order to the linker.
server: setup
	+cargo build -p gatehouse --bin gatehouse --release --features ssr

## Lists again the functions the server runs at start-up (under valgrind) and relinks with them
## side by side: idle RSS ~30 -> ~17 MiB (tools/startup_order.py). Run after large changes.
startup-order: build
	@command -v valgrind >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq valgrind >/dev/null; }
	python3 tools/startup_order.py
	$(MAKE) server

## The server's debug build exactly as the boundary tests build it (cargo builds a package's
## binaries for its integration tests, with the tests' features): after `test-rust` there is
## nothing left to compile, where `cargo build` would rebuild every crate whose features the
## tests' dev-dependencies change. The build helper (tools/bundle) comes the same way and with
## it, so `make run` compiles it beside the server instead of after it.
server-dev: setup
	+$(HOST_TEST) --test boundary --test bundle_cli --no-run

test: fmt-check clippy test-rust e2e

fmt-check:
	cargo fmt --all --check

## Every crate with the features the server ships, in one cargo invocation so clippy, the tests
## and the server binary all resolve the same features (nothing is built twice for a different
## feature set).
HOST := -p gatehouse-server -p gatehouse-app -p gatehouse -p gatehouse-bundle \
	--features gatehouse/ssr,gatehouse-app/ssr
HOST_TEST = $(LINTED) cargo test $(HOST)

## Lints by compiling: the host crates with every target (tests included) as the tests build
## them, and the browser crates as the bundle builds them (`gatehouse` pulls `gatehouse-app` in
## with `hydrate`), side by side as in `build`. The host crates' tests include the build
## helper's, which build the helper itself. What follows (tests, bundle, e2e) finds them compiled.
clippy: setup
	+$(MAKE) --no-print-directory -j$(JOBS) lint-host lint-wasm

lint-host:
	+$(HOST_TEST) --all-targets --no-run

lint-wasm:
	+$(WASM_BUILD)

## The build helper as its own tests build it (see server-dev), with the tests' dependencies:
## no build profile of its own to compile (a release build of it cost 321 s of compile time on
## 2 cores, this one nothing after `lint-host`).
bundle-helper:
	+$(HOST_TEST) --test bundle_cli --no-run

## Unit and integration tests; PostgreSQL cases run when TEST_DATABASE_URL is set. The
## integration cases spend most of their time waiting on the database, so eight run at once
## (measured on 2 cores: 158 s with two at a time, 65 s with eight).
test-rust:
	$(HOST_TEST) --lib --bins
	$(HOST_TEST) --test it -- --test-threads=8
	@# One test at a time: the boundary tests each build a whole app in one process, and run in
	@# parallel one of them now and then waits forever for a wake-up that never comes (seen
	@# 2026-11-30: idle threads, no lock held). Sequential runs never hang and take ~1.5 s.
	$(HOST_TEST) --test boundary -- --test-threads=1
	$(HOST_TEST) --test bundle_cli

e2e-deps:
	cd end2end && if [ ! -d node_modules ]; then PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund; fi

## Playwright in Debian's Chromium headless shell against the server on a free port with a fresh
## database: its debug build, made of what the Rust tests compiled already (a release build
## would add minutes to every CI run and test the same code).
e2e: wasm server-dev e2e-deps
	cd end2end && E2E_SERVER=./target/debug/gatehouse E2E_PORT=$$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
		E2E_SMTP_PORT=$$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
		E2E_OIDC_PORT=$$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
		E2E_SAML_PORT=$$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
		E2E_DNS_PORT=$$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
		npx playwright test

## Throughput, latency and CPU per authenticated request; cold start; RSS idle, at the peak of
## 100 sign-ins and a minute later; cross-instance revocation lag.
bench: build
	bash bench/run.sh

## Sign-in latency while 64 clients flood sign-up (bounded password-hashing queue).
bench-flood: build
	bash bench/sign_up_flood.sh

## Members screen at 10,000 members: p50/p99 per page and search (SQLite; PostgreSQL too with
## BENCH_DATABASE_URL).
bench-members:
	cargo run --release -p gatehouse-server --example members_bench

## Project access at 10,000 members, 1,000 projects and 100,000 grants: check_permission
## throughput and p99 at 32 clients, the Projects list and a Members tab p50/p99 (SQLite).
bench-projects: build
	bash bench/projects.sh

## Activity at 1,000,000 events in one organization: a page of list_activity unfiltered and with
## each single filter (p50/p99), and the CSV export's rows per second and RSS (SQLite; PostgreSQL
## too with TEST_DATABASE_URL).
bench-activity: server
	bash bench/activity.sh

## SAML ACS verification time per response (scan + signature + conditions, one core).
bench-saml:
	cargo bench -p gatehouse-server --bench saml_acs

clean-data:
	rm -rf data
