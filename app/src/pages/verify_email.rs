//! `/verify-email/<token>`: opening the emailed link verifies the address. It needs no session
//! (the mail may be read on another device); a used, expired or unknown link says why.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::email_verification::verify_email;
use crate::components::shell::AuthCard;
use crate::load::load_blocking;

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let outcome = load_blocking(move || token.get(), verify_email);
    view! {
        <Title text="Verify your email address"/>
        <AuthCard title="Verify your email address">
            <Suspense fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match outcome.await {
                        Ok(()) => Either::Left(view! {
                            <p class="notice" role="status">"Your email address is verified."</p>
                        }),
                        Err(err) => Either::Right(view! {
                            <p class="form-error" role="alert">{err.message}</p>
                        }),
                    }
                })}
            </Suspense>
            // A full page load, so the signed-in pages read the account afresh.
            <p class="auth-switch"><a href="/" rel="external">"Continue to Gatehouse"</a></p>
        </AuthCard>
    }
}
