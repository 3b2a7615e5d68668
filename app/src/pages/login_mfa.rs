//! `/login/mfa`: the second step of signing in to an account with MFA — a code from the
//! authenticator app, or (`?backup=1`) one of the backup codes. Works without JavaScript.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::mfa::{VerifyMfa, pending_mfa_sign_in};
use crate::components::form::{Field, FormError, action_error};
use crate::components::shell::{AuthCard, GoHomeWhenSignedIn};
use crate::error::ErrorCode;
use crate::load::load_blocking;
use crate::paths::{encode, safe_next};

#[component]
pub fn LoginMfaPage() -> impl IntoView {
    let action = ServerAction::<VerifyMfa>::new();
    let error = action_error(action);
    let query = use_query_map();
    let next = Signal::derive(move || safe_next(query.read().get("next").as_deref()));
    let backup = Signal::derive(move || query.read().get("backup").as_deref() == Some("1"));
    let signed_in = Signal::derive(move || action.value().get().and_then(Result::ok));
    let pending = load_blocking(|| (), |_| pending_mfa_sign_in());
    // The pending sign-in is over (expired, used, or never started): only signing in again helps.
    let over = move || {
        error
            .get()
            .is_some_and(|e| matches!(e.code, ErrorCode::Gone | ErrorCode::Unauthenticated))
    };
    let switch_link = move |to_backup: bool| {
        let mut link = String::from("/login/mfa");
        let mut params = Vec::new();
        if to_backup {
            params.push("backup=1".to_string());
        }
        let next = next.get();
        if next != "/" {
            params.push(format!("next={}", encode(&next)));
        }
        if !params.is_empty() {
            link.push('?');
            link.push_str(&params.join("&"));
        }
        link
    };
    view! {
        <Title text="Verify it's you"/>
        <AuthCard title="Verify it's you">
            <GoHomeWhenSignedIn signed_in next second_step=pending/>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let live = pending.await.unwrap_or(false);
                    if !live || over() {
                        return Either::Left(view! {
                            <p class="notice" role="status">
                                "This sign-in has expired. Sign in again to continue."
                            </p>
                            <A href="/login" attr:class="button primary wide">"Sign in again"</A>
                        });
                    }
                    Either::Right(view! {
                        <p class="panel-intro">
                            {move || if backup.get() {
                                "Enter one of the backup codes you saved when you set up MFA. Each code works once."
                            } else {
                                "Enter the 6-digit code from your authenticator app."
                            }}
                        </p>
                        <ActionForm action=action>
                            <FormError error/>
                            <input type="hidden" name="next" value=move || next.get()/>
                            {move || if backup.get() {
                                Either::Left(view! {
                                    <Field label="Backup code" name="code" autocomplete="off" maxlength=32 error/>
                                })
                            } else {
                                Either::Right(view! {
                                    <Field
                                        label="Authentication code"
                                        name="code"
                                        autocomplete="one-time-code"
                                        inputmode="numeric"
                                        maxlength=12
                                        error
                                    />
                                })
                            }}
                            <button type="submit" class="button primary" disabled=move || action.pending().get()>
                                {move || if action.pending().get() { "Verifying…" } else { "Verify" }}
                            </button>
                        </ActionForm>
                        <p class="auth-switch">
                            {move || if backup.get() {
                                Either::Left(view! { <A href=switch_link(false)>"Use your authenticator app"</A> })
                            } else {
                                Either::Right(view! { <A href=switch_link(true)>"Use a backup code"</A> })
                            }}
                        </p>
                        <p class="auth-switch"><A href="/login">"Cancel and sign in again"</A></p>
                    })
                })}
            </Suspense>
        </AuthCard>
    }
}
