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
pub mod pages;
pub mod paths;
pub mod saved;
pub mod time;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::shell::{AppShell, SettingsLayout};
use crate::pages::{
    forgot_password::ForgotPasswordPage, home::HomePage, invite::InvitePage, login::LoginPage,
    login_mfa::LoginMfaPage, members::MembersPage, not_found::NotFound,
    organization::OrganizationPage, profile::ProfilePage, reset_password::ResetPasswordPage,
    security::SecurityPage, signup::SignupPage, signup_provider::SignupProviderPage,
    verify_email::VerifyEmailPage,
};

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="stylesheet" href=format!("/pkg/{}.css", options.output_name)/>
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
    components::toast::Toasts::provide();
    view! {
        <Title formatter=|title: String| if title.is_empty() { "Gatehouse".to_string() } else { format!("{title} · Gatehouse") }/>
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/login/mfa") view=LoginMfaPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async/>
                <Route path=path!("/signup/provider") view=SignupProviderPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password/:token") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async/>
                <Route path=path!("/verify-email/:token") view=VerifyEmailPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=AppShell ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <ParentRoute path=path!("settings") view=SettingsLayout ssr=SsrMode::Async>
                        <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
                        <Route path=path!("organization") view=OrganizationPage ssr=SsrMode::Async/>
                        <Route path=path!("members") view=MembersPage ssr=SsrMode::Async/>
                        <Route path=path!("security") view=SecurityPage ssr=SsrMode::Async/>
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
