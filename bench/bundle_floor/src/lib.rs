//! The floor under /login's first download: a hydrated Leptos app with the router and two lazy
//! routes, whose login route holds (feature `router`) a button and a signal, (`resource`) also a
//! blocking resource read from a server function, or (`form`) also a form posting to a server
//! function. `make size-floor` builds each through the same profile, flags and build helper as
//! the app's bundle and prints what /login downloads, so the framework's share of the app's
//! figure can be told from the app's own.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};

/// Resources load as the app's do (the same file): their codec is part of what is measured.
#[cfg(feature = "resource")]
#[path = "../../../app/src/load.rs"]
#[allow(dead_code, reason = "the floor uses only load_blocking")]
mod load;

#[cfg(feature = "resource")]
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Me {
    pub email: String,
}

#[cfg(feature = "resource")]
#[server]
pub async fn current_user() -> Result<Option<Me>, ServerFnError> {
    Ok(None)
}

#[cfg(feature = "form")]
#[server]
pub async fn sign_in(email: String, password: String) -> Result<Me, ServerFnError> {
    drop(password);
    Ok(Me { email })
}

#[component]
fn LoginPage() -> impl IntoView {
    let clicks = RwSignal::new(0);
    view! {
        <h1>"Sign in"</h1>
        <button on:click=move |_| clicks.update(|n| *n += 1)>{clicks}</button>
        {signed_in()}
        {sign_in_form()}
    }
}

#[cfg(feature = "resource")]
fn signed_in() -> impl IntoView {
    let me = load::load_blocking(|| (), |_| current_user());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                me.await.ok().flatten().map(|me| view! { <p>{me.email}</p> })
            })}
        </Suspense>
    }
}

#[cfg(not(feature = "resource"))]
fn signed_in() -> impl IntoView {}

#[cfg(feature = "form")]
fn sign_in_form() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    view! {
        <ActionForm action=action>
            <label>"Email" <input type="email" name="email"/></label>
            <label>"Password" <input type="password" name="password"/></label>
            <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
        </ActionForm>
        {move || action.value().get().map(|answer| match answer {
            Ok(me) => format!("Signed in as {}", me.email),
            Err(err) => err.to_string(),
        })}
    }
}

#[cfg(not(feature = "form"))]
fn sign_in_form() -> impl IntoView {}

#[component]
fn OtherPage() -> impl IntoView {
    let clicks = RwSignal::new(0);
    view! { <button on:click=move |_| clicks.update(|n| *n += 1)>{clicks}</button> }
}

pub struct LoginRoute;

#[lazy_route]
impl LazyRoute for LoginRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <LoginPage/> }.into_any()
    }
}

pub struct OtherRoute;

#[lazy_route]
impl LazyRoute for OtherRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <OtherPage/> }.into_any()
    }
}

#[component]
fn App() -> impl IntoView {
    view! {
        <Router>
            <Routes fallback=|| "Not found">
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/other") view={Lazy::<OtherRoute>::new()} ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// The browser entry point, as the app's (`src/lib.rs`).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, App).await.forget();
    });
}
