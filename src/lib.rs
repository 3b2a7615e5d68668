//! The composition root's library half: the browser entry point (`hydrate`) and, on the server,
//! the router that tests and `main` share.

#[cfg(feature = "ssr")]
mod access_review_export;
#[cfg(feature = "ssr")]
mod assets;
#[cfg(feature = "ssr")]
mod export;
#[cfg(feature = "ssr")]
mod health;
#[cfg(feature = "ssr")]
mod metrics;
#[cfg(feature = "ssr")]
mod middleware;
#[cfg(feature = "ssr")]
mod oauth_routes;
#[cfg(feature = "ssr")]
mod saml_routes;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes hydrate asynchronously: a route's chunk loads before its view hydrates.
    // `hydrate_from_async` starts Leptos's executor on wasm-bindgen's, which this runs on.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body();
        let Some(body) = body else { return };
        leptos::mount::hydrate_from_async(body.clone(), gatehouse_app::App)
            .await
            .forget();
        // Reached only when hydration finished without a panic; tests wait for this attribute.
        let _ = body.set_attribute("data-hydrated", "");
    });
}

#[cfg(feature = "ssr")]
pub use server::{AppState, metrics_router, router};

#[cfg(feature = "ssr")]
mod server {
    use std::sync::Arc;

    use axum::Router;
    use axum::body::Body;
    use axum::extract::{DefaultBodyLimit, FromRef, MatchedPath};
    use axum::middleware::from_fn_with_state;
    use gatehouse_app::ctx::ServerContext;
    use gatehouse_app::{App, shell};
    use gatehouse_server::config::{MetricsExposure, PublicOrigin};
    use gatehouse_server::{Services, Settings, TrustedProxies};
    use http::Request;
    use http::request::Parts;
    use leptos::nonce::Nonce;
    use leptos::prelude::*;
    use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
    use tower::ServiceBuilder;
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::{DefaultOnFailure, TraceLayer};

    use crate::middleware;

    /// The largest request body accepted, in bytes.
    pub const BODY_LIMIT: usize = 64 * 1024;

    /// Everything a request handler can reach. Every middleware layer clones it for every
    /// request, so it is one shared allocation.
    #[derive(Clone)]
    pub struct AppState(Arc<Shared>);

    pub struct Shared {
        pub leptos_options: LeptosOptions,
        pub server: ServerContext,
        /// Where people reach this server; state-changing requests must name it.
        pub public: PublicOrigin,
        pub trusted_proxies: TrustedProxies,
        /// Where `/metrics` is served, and the request metrics when it is.
        pub metrics: MetricsExposure,
        pub http_metrics: Option<Arc<crate::metrics::HttpMetrics>>,
    }

    impl std::ops::Deref for AppState {
        type Target = Shared;

        fn deref(&self) -> &Shared {
            &self.0
        }
    }

    impl AppState {
        pub fn new(
            mut leptos_options: LeptosOptions,
            services: Services,
            settings: &Settings,
        ) -> Self {
            crate::assets::locate_bundle(&mut leptos_options);
            Self(Arc::new(Shared {
                leptos_options,
                server: ServerContext {
                    services: Arc::new(services),
                    secure_cookies: settings.secure_cookies(),
                },
                public: settings.public_origin.clone(),
                trusted_proxies: settings.trusted_proxies.clone(),
                metrics: settings.metrics,
                http_metrics: (settings.metrics != MetricsExposure::Off)
                    .then(crate::metrics::HttpMetrics::new),
            }))
        }
    }

    impl FromRef<AppState> for LeptosOptions {
        fn from_ref(state: &AppState) -> Self {
            state.leptos_options.clone()
        }
    }

    /// The whole HTTP surface: pages, server functions under `/api`, the browser bundle
    /// (`assets`), other static files, the health probes (`health`), `/metrics` when served
    /// here, and the middleware stack (outermost first): request id → trace span → request
    /// metrics → security headers → origin check → session resolution (these two not for
    /// static files, probes or metrics). Security headers sit outside the checks so that
    /// refusals carry them too. Server functions set their own error statuses (see
    /// `gatehouse_app::ctx::answer_with`).
    pub fn router(state: AppState) -> Router {
        let routes = generate_route_list(App);
        let context = {
            let server = state.server.clone();
            move || {
                provide_context(server.clone());
                // Leptos made its own nonce for this response; use the one in the
                // Content-Security-Policy header instead (set by `security_headers`).
                if let Some(nonce) = use_context::<Parts>()
                    .and_then(|parts| parts.extensions.get::<Nonce>().cloned())
                {
                    provide_context(nonce);
                }
            }
        };
        let options = state.leptos_options.clone();
        // Every response: request id, trace span, security headers (outside everything else,
        // so that refusals carry them too).
        let edge = ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    // A 503 under load is expected, not a fault: internal errors are logged once
                    // by the error conversion, so the layer's own report stays at info.
                    .on_failure(DefaultOnFailure::new().level(tracing::Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(from_fn_with_state(state.clone(), crate::metrics::track))
            .layer(from_fn_with_state(
                state.clone(),
                middleware::security_headers,
            ));
        // Pages, server functions and sign-in routes: origin check, session resolution, body
        // limit. Static files and the health probes stay outside.
        let app = ServiceBuilder::new()
            .layer(from_fn_with_state(
                state.clone(),
                middleware::refuse_foreign_origin,
            ))
            .layer(from_fn_with_state(
                state.clone(),
                middleware::resolve_session,
            ))
            // Every form here is a few short fields; refuse anything larger early.
            .layer(DefaultBodyLimit::max(BODY_LIMIT));
        let beside = match state.metrics {
            MetricsExposure::WithApp => crate::metrics::routes(),
            MetricsExposure::Off | MetricsExposure::Own(_) => Router::new(),
        };
        Router::new()
            .route(
                "/auth/{provider}/start",
                axum::routing::get(crate::oauth_routes::start),
            )
            .route(
                "/auth/{provider}/callback",
                axum::routing::get(crate::oauth_routes::callback),
            )
            .route(
                "/saml/{org}/metadata",
                axum::routing::get(crate::saml_routes::metadata),
            )
            .route(
                "/saml/{org}/start",
                axum::routing::get(crate::saml_routes::start),
            )
            .route(
                "/saml/{org}/acs",
                axum::routing::post(crate::saml_routes::acs),
            )
            .route(
                "/saml/{org}/continue",
                axum::routing::get(crate::saml_routes::finish),
            )
            .route(
                "/api/export_access_review",
                axum::routing::get(crate::access_review_export::export),
            )
            .route(
                "/api/export_activity",
                axum::routing::post(crate::export::export),
            )
            .leptos_routes_with_context(&state, routes, context.clone(), move || {
                shell(options.clone())
            })
            .fallback(file_and_error_handler_with_context::<AppState, _>(
                context, shell,
            ))
            .layer(app)
            .merge(crate::assets::static_routes(&state.leptos_options))
            .merge(crate::health::routes())
            .merge(beside)
            .layer(edge)
            .with_state(state)
    }

    /// `/metrics` alone, for its own listener (`GATEHOUSE_METRICS_ADDR`).
    pub fn metrics_router(state: AppState) -> Router {
        crate::metrics::routes().with_state(state)
    }

    /// Request id, method and matched route; never the full URI, which may carry secrets.
    fn request_span(req: &Request<Body>) -> tracing::Span {
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or("-", MatchedPath::as_str);
        let id = req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route)
    }
}
