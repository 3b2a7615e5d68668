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

/// The sign-in page's explanation of `/login?saml_error=<code>`: a sign-in through the
/// organization's identity provider (single sign-on) that did not go through.
pub fn saml_error_message(code: &str) -> &'static str {
    match code {
        "disabled" => "Single sign-on is not set up for this organization.",
        "misconfigured" => {
            "Single sign-on for this organization is misconfigured. Ask its administrator to \
             check the identity provider's metadata."
        }
        "malformed" => "The identity provider's answer could not be read, so it was refused.",
        "unsigned" => "The identity provider's answer was not signed, so it was refused.",
        "signature" => {
            "The identity provider's answer was not signed by the certificate this organization \
             trusts, so it was refused."
        }
        "wrapping" => {
            "The identity provider's answer held more than one assertion, so it was refused."
        }
        "comment" => "The identity provider's answer contained XML comments, so it was refused.",
        "encrypted" => {
            "The identity provider sent an encrypted assertion, which Gatehouse does not accept. \
             Ask the administrator to turn assertion encryption off."
        }
        "audience" => {
            "The identity provider's answer was meant for another service, so it was refused."
        }
        "destination" => {
            "The identity provider's answer was sent to another address, so it was refused."
        }
        "expired" => {
            "The identity provider's answer has expired (or is not valid yet). Start again."
        }
        "replayed" => "That sign-in answer was already used. Start again.",
        "other_browser" => {
            "That sign-in was started in another browser, so it was refused. Start again here."
        }
        "unverified_domain" => {
            "Your organization has not verified the domain of your email address, so single \
             sign-on cannot sign you in yet. Ask its administrator to verify the domain in \
             Settings → Single sign-on."
        }
        "unknown_request" => {
            "That sign-in did not start here, or took too long. Start again from Gatehouse."
        }
        "no_subject" => "The identity provider did not say who you are (no NameID).",
        "no_email" => {
            "The identity provider did not send your email address, so no account could be made."
        }
        "provider_error" => "The identity provider could not sign you in. Try again.",
        "deactivated" => "Your membership in this organization has been deactivated.",
        "not_allowed" => "This organization does not allow signing in this way.",
        "rate_limited" => "Too many sign-in attempts from this network. Try again later.",
        _ => "Single sign-on could not sign you in. Start again.",
    }
}

/// The display name of provider `key` (the key itself when it is not configured).
pub fn provider_name(providers: &[ProviderView], key: &str) -> String {
    providers
        .iter()
        .find(|p| p.key == key)
        .map_or_else(|| key.to_string(), |p| p.name.clone())
}
