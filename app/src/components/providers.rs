//! "Continue with <provider>" buttons, and what the sign-in page says when a provider sign-in
//! did not go through. Plain links to `/auth/<provider>/start`, so they work without JavaScript.

use leptos::prelude::*;

use crate::api::identity::ProviderView;
use crate::paths::{encode, with_query};

/// One button per configured provider; nothing when none is configured. `next` is where to go
/// afterwards, `invite` the invitation the sign-in comes through.
#[component]
pub fn ProviderButtons(
    providers: Vec<ProviderView>,
    #[prop(default = None)] next: Option<String>,
    #[prop(default = None)] invite: Option<String>,
) -> impl IntoView {
    let next = next.filter(|n| n != "/");
    let params = [("next", next.as_deref()), ("invite", invite.as_deref())];
    (!providers.is_empty()).then(|| {
        view! {
            <div class="providers">
                <p class="divider"><span>"or"</span></p>
                {providers
                    .into_iter()
                    .map(|p| {
                        let href = with_query(&format!("/auth/{}/start", encode(&p.key)), &params);
                        view! { <a class="button wide provider" href=href rel="external">{format!("Continue with {}", p.name)}</a> }
                    })
                    .collect_view()}
            </div>
        }
    })
}

/// The sign-in page's explanation of `/login?oauth_error=<code>&provider=<name>`.
pub fn provider_error_message(code: &str, provider: &str) -> String {
    match code {
        "denied" => format!("You cancelled signing in with {provider}."),
        "state" => "That sign-in response does not belong to this browser's request, so it was \
                    refused. Start again."
            .to_string(),
        "expired" => "That sign-in took too long or was already used. Start again.".to_string(),
        "unverifiable" => format!("{provider}'s answer could not be verified. Start again."),
        "email_unverified" => format!(
            "{provider} has not verified your email address, so it cannot be used to sign in here."
        ),
        "deactivated" => "This account has been deactivated.".to_string(),
        "rate_limited" => {
            "Too many sign-in attempts from this network. Try again later.".to_string()
        }
        "not_allowed" => {
            format!("Signing in with {provider} is not allowed for this account or organization.")
        }
        _ => format!("{provider} could not sign you in. Try again."),
    }
}

/// The display name of provider `key` (the key itself when it is not configured).
pub fn provider_name(providers: &[ProviderView], key: &str) -> String {
    providers
        .iter()
        .find(|p| p.key == key)
        .map_or_else(|| key.to_string(), |p| p.name.clone())
}
