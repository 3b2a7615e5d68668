//! `/login`: email and password. Works as a plain form post without JavaScript and, hydrated,
//! signs in without reloading the page.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::auth::SignIn;
use crate::api::identity::{list_identity_providers, pending_identity};
use crate::api::orgs::SwitchOrganization;
use crate::api::sso::{SsoLookup, SsoLookupView};
use crate::auth::use_auth;
use crate::components::form::{Field, FormError, action_error};
use crate::components::providers::{
    ProviderButtons, provider_error_message, provider_name, saml_error_message,
};
use crate::components::shell::{AuthCard, GoHomeWhenSignedIn};
use crate::error::{ErrorCode, signed_out_message};
use crate::load::load_blocking;
use crate::paths::{mfa_step, safe_next, with_query};

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let navigate = use_navigate();
    // A right password for an account with MFA: the second step comes next (a form post
    // without JavaScript was redirected there by the server).
    let raw_error = action_error(action);
    Effect::new(move |_| {
        if raw_error
            .get()
            .is_some_and(|e| e.code == ErrorCode::MfaRequired)
        {
            let next = safe_next(query.read_untracked().get("next").as_deref());
            navigate(&mfa_step(&next), Default::default());
        }
    });
    let error =
        Signal::derive(move || raw_error.get().filter(|e| e.code != ErrorCode::MfaRequired));
    let providers = load_blocking(|| (), |_| list_identity_providers());
    let pending = load_blocking(|| (), |_| pending_identity());
    let signed_in = Signal::derive(move || action.value().get().and_then(Result::ok));
    let org = Signal::derive(move || query.read().get("org"));
    view! {
        <Title text="Sign in"/>
        <AuthCard title="Sign in">
            <GoHomeWhenSignedIn signed_in org next=Signal::derive(move || safe_next(query.read().get("next").as_deref()))/>
            <SwitchFromLink org/>
            {move || {
                query
                    .read()
                    .get("signed_out")
                    .map(|reason| view! { <p class="notice" role="status">{signed_out_message(&reason)}</p> })
            }}
            {move || {
                (query.read().get("reset").as_deref() == Some("done")).then(|| view! {
                    <p class="notice" role="status">"Your password has been reset. Sign in with your new password."</p>
                })
            }}
            <Suspense>
                {move || Suspend::new(async move {
                    let providers = providers.await.map(|p| p.providers).unwrap_or_default();
                    let pending = pending.await.ok().flatten();
                    let query = query.read();
                    let name = |key: Option<String>| provider_name(&providers, &key.unwrap_or_default());
                    let failed = query
                        .get("oauth_error")
                        .map(|code| provider_error_message(&code, &name(query.get("provider"))))
                        .or_else(|| query.get("saml_error").map(|code| saml_error_message(&code).to_string()));
                    let link = query.get("link").zip(pending.filter(|p| p.existing_account));
                    view! {
                        {failed.map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                        {link.map(|(_, pending)| view! {
                            <p class="notice" role="status">
                                {format!(
                                    "An account with {} already exists. Sign in with its password to link {}.",
                                    pending.email, pending.provider_name
                                )}
                            </p>
                        })}
                    }
                })}
            </Suspense>
            <ActionForm action=action>
                <FormError error/>
                {move || query.read().get("org").map(|org| view! { <input type="hidden" name="org" value=org/> })}
                {move || query.read().get("next").map(|next| view! { <input type="hidden" name="next" value=next/> })}
                <Field label="Email" name="email" kind="email" autocomplete="username" maxlength=254 error/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" maxlength=1024 error/>
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { Either::Left("Signing in…") } else { Either::Right("Sign in") }}
                </button>
            </ActionForm>
            <Suspense>
                {move || Suspend::new(async move {
                    let providers = providers.await.map(|p| p.providers).unwrap_or_default();
                    let next = query.read().get("next").map(|n| safe_next(Some(&n)));
                    view! { <ProviderButtons providers next/> }
                })}
            </Suspense>
            <SsoSignIn/>
            <p class="auth-switch"><A href="/forgot-password">"Forgot password?"</A></p>
            <p class="auth-switch">"New to Gatehouse? " <A href="/signup">"Create an account"</A></p>
        </AuthCard>
    }
}

/// A `/login?org=` link opened while signed in to another organization: offer to switch.
#[component]
fn SwitchFromLink(#[prop(into)] org: Signal<Option<String>>) -> impl IntoView {
    let auth = use_auth();
    let switch = ServerAction::<SwitchOrganization>::new();
    let error = action_error(switch);
    Effect::new(move |_| {
        if let Some(Ok(me)) = switch.value().get() {
            auth.set(Some(me));
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign("/");
            }
        }
    });
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let me = auth.current().await?;
                let wanted = org.get()?;
                let here = me.organization.as_ref().map(|o| o.id.clone());
                (here.as_deref() != Some(wanted.as_str())).then(|| view! {
                    <div class="notice" role="status">
                        <p>
                            "You are signed in as " <strong>{me.user.email.clone()}</strong>
                            ". This link is for another organization."
                        </p>
                    </div>
                    <ActionForm action=switch>
                        <FormError error/>
                        <input type="hidden" name="organization_id" value=wanted/>
                        <button type="submit" class="button primary">"Continue in that organization"</button>
                    </ActionForm>
                    <p class="auth-switch"><A href="/">"Stay where you are"</A></p>
                })
            })}
        </Suspense>
    }
}

/// "Sign in with SSO": the work email's domain decides which organization's identity provider.
/// A link first (so it works without JavaScript), then the email form; an email whose domain
/// has no single sign-on is told so.
#[component]
fn SsoSignIn() -> impl IntoView {
    let lookup = ServerAction::<SsoLookup>::new();
    let error = action_error(lookup);
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(SsoLookupView {
            start_url: Some(url),
        })) = lookup.value().get()
        {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign(&url);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = url;
        }
    });
    let unknown = move || {
        query.read().get("sso").as_deref() == Some("none")
            || matches!(
                lookup.value().get(),
                Some(Ok(SsoLookupView { start_url: None }))
            )
    };
    let asked = move || unknown() || query.read().get("sso").as_deref() == Some("start");
    let next = move || query.read().get("next").map(|n| safe_next(Some(&n)));
    let href = move || {
        with_query(
            "/login",
            &[("sso", Some("start")), ("next", next().as_deref())],
        )
    };
    view! {
        <div class="sso-sign-in">
            <Show
                when=asked
                fallback=move || view! { <A href=href attr:class="button wide">"Sign in with SSO"</A> }
            >
                <ActionForm action=lookup>
                    <FormError error/>
                    <Show when=unknown>
                        <p class="notice" role="status">
                            "Single sign-on is not set up for that email's domain. Sign in another way, or ask your administrator."
                        </p>
                    </Show>
                    {move || next().map(|next| view! { <input type="hidden" name="next" value=next/> })}
                    <Field label="Work email" name="email" id="sso-email" kind="email" autocomplete="username" maxlength=254 error/>
                    <button type="submit" class="button wide" disabled=move || lookup.pending().get()>
                        "Continue with SSO"
                    </button>
                </ActionForm>
            </Show>
        </div>
    }
}
