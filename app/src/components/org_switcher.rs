//! The header's organization switcher: the current organization's name and, for people in
//! several, a menu to act in another one. A `<details>` menu, so it works without JavaScript.

use leptos::prelude::*;

use crate::api::orgs::{OrganizationView, SwitchOrganization};
use crate::auth::use_auth;
use crate::pages::members::role_label;

/// `organizations` is loaded with the page (see `Auth`), so the menu renders with the header.
#[component]
pub fn OrgSwitcher(current: Option<String>, organizations: Vec<OrganizationView>) -> impl IntoView {
    let auth = use_auth();
    let switch = ServerAction::<SwitchOrganization>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = switch.value().get() {
            // Every screen shows the organization's data: start over from home.
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign("/");
            }
        }
        if let Some(Err(error)) = switch.value().get() {
            // The organization asks for the second factor this session skipped elsewhere.
            #[cfg(feature = "hydrate")]
            if error.code == crate::error::ErrorCode::MfaRequired
                && let Some(window) = web_sys::window()
            {
                let _ = window.location().assign(&crate::paths::mfa_step("/"));
            }
            auth.expired(&error);
        }
    });
    let refusal = move || {
        switch
            .value()
            .get()
            .and_then(Result::err)
            .filter(|e| e.code != crate::error::ErrorCode::MfaRequired)
            .map(|e| view! { <p class="form-error menu-error" role="alert">{e.message}</p> })
    };
    let name = current.unwrap_or_else(|| "No organization".to_string());
    if organizations.len() < 2 {
        return view! { <span class="org-name" title="Current organization">{name}</span> }
            .into_any();
    }
    view! {
        <details class="org-switcher">
            <summary aria-label=format!("Organization: {name}. Switch organization")>
                <span class="org-name-text">{name.clone()}</span>
                <span aria-hidden="true">" ▾"</span>
            </summary>
            <div class="menu org-menu">
                <p class="menu-heading">"Switch organization"</p>
                {refusal}
                {organizations
                    .into_iter()
                    .map(|org| view! {
                        <ActionForm action=switch>
                            <input type="hidden" name="organization_id" value=org.id.clone()/>
                            <button
                                type="submit"
                                class="menu-item"
                                aria-current=org.current.then_some("true")
                            >
                                <span>{org.name.clone()}</span>
                                <span class="menu-note">
                                    {role_label(&org.role)}
                                    {org.current.then_some(" · current")}
                                </span>
                            </button>
                        </ActionForm>
                    })
                    .collect_view()}
            </div>
        </details>
    }
    .into_any()
}
