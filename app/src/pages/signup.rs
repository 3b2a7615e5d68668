//! `/signup`: creates the account and its first organization, then lands in it.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_navigate;

use crate::api::auth::SignUp;
use crate::auth::use_auth;
use crate::components::form::{Field, FormError, action_error};
use crate::components::shell::AuthCard;

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = use_auth();
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(me)) = action.value().get() {
            auth.set(Some(me));
            navigate("/", Default::default());
        }
    });
    view! {
        <Title text="Create your account"/>
        <AuthCard title="Create your account">
            <Suspense>
                {move || Suspend::new(async move {
                    let signed_in = auth.current().await.is_some() && action.value().get().is_none();
                    signed_in.then(|| view! { <Redirect path="/"/> })
                })}
            </Suspense>
            <ActionForm action=action>
                <FormError error/>
                <Field label="Name" name="name" autocomplete="name" maxlength=100 error/>
                <Field label="Email" name="email" kind="email" autocomplete="email" maxlength=254 error/>
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    maxlength=128
                    hint="8 to 128 characters, with upper- and lower-case letters, a digit and a special character."
                    error
                />
                <Field label="Organization name" name="organization" autocomplete="organization" maxlength=100 error/>
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { Either::Left("Creating account…") } else { Either::Right("Create account") }}
                </button>
            </ActionForm>
            <p class="auth-switch">"Already have an account? " <A href="/login">"Sign in"</A></p>
        </AuthCard>
    }
}
