//! `/forgot-password`: asks for a reset link by email. The answer never says whether an account
//! exists. Without SMTP the page says to ask an administrator instead.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::password_reset::{RequestPasswordReset, sign_in_options};
use crate::components::form::{Field, FormError, action_error};
use crate::components::shell::AuthCard;
use crate::load::load;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let options = load(|| (), |_| sign_in_options());
    let request = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(request);
    let query = use_query_map();
    let sent =
        move || matches!(request.value().get(), Some(Ok(()))) || query.read().get("sent").is_some();
    view! {
        <Title text="Reset your password"/>
        <AuthCard title="Reset your password">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let by_email = options.await.map(|o| o.password_reset_by_email).unwrap_or(false);
                    if !by_email {
                        return Either::Left(view! {
                            <p class="notice" role="status">
                                "Password reset by email is not set up here. Ask an administrator of "
                                "your organization for a reset link."
                            </p>
                        });
                    }
                    Either::Right(view! {
                        <Show
                            when=sent
                            fallback=move || view! {
                                <p class="panel-intro">"Enter your account's email and we will send you a link to choose a new password."</p>
                                <ActionForm action=request>
                                    <FormError error/>
                                    <Field label="Email" name="email" kind="email" autocomplete="username" maxlength=254 error/>
                                    <button type="submit" class="button primary" disabled=move || request.pending().get()>
                                        "Send reset link"
                                    </button>
                                </ActionForm>
                            }
                        >
                            <p class="notice" role="status">
                                "If an account uses that email, a reset link is on its way. It works once "
                                "and expires in 30 minutes."
                            </p>
                        </Show>
                    })
                })}
            </Suspense>
            <p class="auth-switch"><A href="/login">"Back to sign in"</A></p>
        </AuthCard>
    }
}
