//! `/login`: email and password. Works as a plain form post without JavaScript and, hydrated,
//! signs in without reloading the page.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::auth::SignIn;
use crate::auth::use_auth;
use crate::components::form::{Field, FormError, action_error};
use crate::components::shell::AuthCard;
use crate::error::signed_out_message;

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(me)) = action.value().get() {
            auth.set(Some(me));
            navigate("/", Default::default());
        }
    });
    view! {
        <Title text="Sign in"/>
        <AuthCard title="Sign in">
            <Suspense>
                {move || Suspend::new(async move {
                    // Someone already signed in has nothing to do here.
                    let signed_in = auth.current().await.is_some() && action.value().get().is_none();
                    signed_in.then(|| view! { <Redirect path="/"/> })
                })}
            </Suspense>
            {move || {
                query
                    .read()
                    .get("signed_out")
                    .map(|reason| view! { <p class="notice" role="status">{signed_out_message(&reason)}</p> })
            }}
            <ActionForm action=action>
                <FormError error/>
                <Field label="Email" name="email" kind="email" autocomplete="username" maxlength=254 error/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" maxlength=1024 error/>
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { Either::Left("Signing in…") } else { Either::Right("Sign in") }}
                </button>
            </ActionForm>
            <p class="auth-switch">"New to Gatehouse? " <A href="/signup">"Create an account"</A></p>
        </AuthCard>
    }
}
