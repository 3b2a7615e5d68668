//! `/signup`: creates the account and its first organization, then lands in it.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::auth::SignUp;
use crate::components::form::{Field, FormError, action_error};
use crate::components::shell::{AuthCard, GoHomeWhenSignedIn};

#[component]
pub fn SignupPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action);
    let signed_in = Signal::derive(move || action.value().get().and_then(Result::ok));
    view! {
        <Title text="Create your account"/>
        <AuthCard title="Create your account">
            <GoHomeWhenSignedIn signed_in/>
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
