//! `/reset-password/<token>`: shows which account the link is for, then sets its new password.
//! Used and expired links say so before anything is typed.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::password_reset::{ResetPassword, reset_link_status};
use crate::auth::use_auth;
use crate::components::form::{Field, FormError, action_error};
use crate::components::shell::AuthCard;
use crate::load::load;

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let status = load(move || token.get(), reset_link_status);
    let reset = ServerAction::<ResetPassword>::new();
    let error = action_error(reset);
    let auth = use_auth();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = reset.value().get() {
            auth.set(None);
            navigate("/login?reset=done", Default::default());
        }
    });
    view! {
        <Title text="Choose a new password"/>
        <AuthCard title="Choose a new password">
            <Suspense fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Err(err) => Either::Left(view! {
                            <p class="form-error" role="alert">{err.message}</p>
                            <p class="auth-switch"><A href="/forgot-password">"Ask for a new link"</A></p>
                        }),
                        Ok(link) => Either::Right(view! {
                            <ActionForm action=reset>
                                <FormError error/>
                                <input type="hidden" name="token" value=token.get_untracked()/>
                                <div class="field">
                                    <span class="label">"Account"</span>
                                    <p class="static-value">{link.email}</p>
                                </div>
                                <Field
                                    label="New password"
                                    name="new_password"
                                    kind="password"
                                    autocomplete="new-password"
                                    maxlength=128
                                    hint="8 to 128 characters, with upper- and lower-case letters, a digit and a special character."
                                    error
                                />
                                <p class="field-hint">"Setting a new password signs you out on every device."</p>
                                <button type="submit" class="button primary" disabled=move || reset.pending().get()>
                                    "Set new password"
                                </button>
                            </ActionForm>
                        }),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}
