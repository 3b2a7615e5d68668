//! Gatehouse's user interface: pages, components and the server functions they call.
//! Runs on the server (feature `ssr`) to render HTML and in the browser (feature `hydrate`).

#![recursion_limit = "256"]

pub mod api;
pub mod auth;
pub mod components;
#[cfg(feature = "ssr")]
pub mod cookies;
#[cfg(feature = "ssr")]
pub mod ctx;
pub mod error;
pub mod load;
pub mod pages;
pub mod paths;
mod routes;
pub mod saved;
pub mod time;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use crate::pages::not_found::NotFound;
use crate::routes::*;

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="stylesheet" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)/>
                <link rel="icon" href="/favicon.ico"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    auth::Auth::provide();
    components::access_reviews::ReviewDue::provide();
    components::toast::Toasts::provide();
    view! {
        <Title formatter=|title: String| if title.is_empty() { "Gatehouse".to_string() } else { format!("{title} · Gatehouse") }/>
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/login/mfa") view={Lazy::<LoginMfaRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/choose-organization") view={Lazy::<ChooseOrganizationRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/signup") view={Lazy::<SignupRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/signup/provider") view={Lazy::<SignupProviderRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/reset-password/:token") view={Lazy::<ResetPasswordRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/verify-email/:token") view={Lazy::<VerifyEmailRoute>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view={Lazy::<ShellRoute>::new()} ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("projects") view={Lazy::<ProjectsRoute>::new()} ssr=SsrMode::Async/>
                    // One screen (one chunk) for a project's tabs: `/projects/:id` is General.
                    <Route path=path!("projects/:id/:tab?") view={Lazy::<ProjectRoute>::new()} ssr=SsrMode::Async/>
                    <ParentRoute path=path!("settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async>
                        <Route path=path!("profile") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("organization") view={Lazy::<OrganizationRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("members") view={Lazy::<MembersRoute>::new()} ssr=SsrMode::Async/>
                        // The Activity screen and a member's sign-in history: one chunk.
                        <Route path=path!("members/:id/activity") view={Lazy::<ActivityRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("activity") view={Lazy::<ActivityRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("teams") view={Lazy::<TeamsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("teams/:id") view={Lazy::<TeamRoute>::new()} ssr=SsrMode::Async/>
                        // One screen (one chunk) for the list and an account's page: each
                        // route more cuts the chunks /login shares into more, smaller files.
                        <Route path=path!("service-accounts/:id?") view={Lazy::<ServiceAccountsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("access-reviews/:id?") view={Lazy::<AccessReviewsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("security") view={Lazy::<SecurityRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("single-sign-on") view={Lazy::<SingleSignOnRoute>::new()} ssr=SsrMode::Async/>
                        <Route
                            path=path!("")
                            view=|| view! { <Redirect path="/settings/profile"/> }
                            ssr=SsrMode::Async
                        />
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
