//! The banner an account sees while its email is unverified (SMTP configured): until the emailed
//! link is opened it may not invite, so it says where the link went and offers a new one.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::auth::SignedInUser;
use crate::api::email_verification::ResendVerificationEmail;
use crate::components::form::action_error;

#[component]
pub fn VerifyEmailBanner(me: SignedInUser) -> impl IntoView {
    let resend = ServerAction::<ResendVerificationEmail>::new();
    let error = action_error(resend);
    let location = use_location();
    let email = me.user.email.clone();
    me.email_verification_pending.then(|| {
        view! {
            <div class="banner" role="region" aria-label="Email verification">
                <p>{format!("Verify your email address: we sent a link to {email}.")}</p>
                <ActionForm action=resend attr:class="inline-form">
                    <input type="hidden" name="next" value=move || location.pathname.get()/>
                    <button type="submit" class="button" disabled=move || resend.pending().get()>
                        "Resend link"
                    </button>
                </ActionForm>
                {move || {
                    matches!(resend.value().get(), Some(Ok(())))
                        .then(|| view! { <p role="status">"We sent a new link."</p> })
                }}
                {move || error.get().map(|err| view! { <p class="form-error" role="alert">{err.message}</p> })}
            </div>
        }
    })
}
