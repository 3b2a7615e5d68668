//! `/settings/organization`: the current organization, its id and sign-in link for Owners to
//! share, and leaving it.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::members::LeaveOrganization;
use crate::auth::use_auth;
use crate::components::copy::CopyField;
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{FormError, action_error};

#[component]
pub fn OrganizationPage() -> impl IntoView {
    let auth = use_auth();
    let leave = ServerAction::<LeaveOrganization>::new();
    let leave_error = action_error(leave);
    let confirm = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(error) = leave_error.get() {
            auth.expired(&error);
        }
        if let Some(Ok(())) = leave.value().get() {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign("/");
            }
        }
    });
    view! {
        <Title text="Organization"/>
        <h1>"Organization"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let me = auth.current().await?;
                let Some(org) = me.organization.clone() else {
                    return Some(view! {
                        <section class="panel"><p>"You are not a member of any organization."</p></section>
                    }.into_any());
                };
                let owner = org.role == "owner";
                let origin = origin();
                Some(view! {
                    <section class="panel" aria-labelledby="org-details-heading">
                        <h2 id="org-details-heading">{org.name.clone()}</h2>
                        <p>"Your role: " {org.role_label()}</p>
                        {owner.then(|| view! {
                            <CopyField label="Organization ID" id="organization-id" value=org.id.clone()/>
                            <CopyField
                                label="Sign-in link for this organization"
                                id="organization-login-link"
                                value=format!("{origin}/login?org={}", org.id)
                            />
                            <p class="field-hint">
                                "People who belong to several organizations land in this one when they sign in through this link."
                            </p>
                        })}
                    </section>
                    <section class="panel" aria-labelledby="leave-heading">
                        <h2 id="leave-heading">"Leave organization"</h2>
                        <p class="panel-intro">
                            "You lose access to this organization at once. Your account and your other organizations stay."
                        </p>
                        <FormError error=leave_error/>
                        <ActionForm action=leave>
                            <button
                                type="submit"
                                class="button danger-text"
                                on:click=move |ev| {
                                    ev.prevent_default();
                                    confirm.set(true);
                                }
                            >
                                "Leave organization"
                            </button>
                        </ActionForm>
                    </section>
                }.into_any())
            })}
        </Suspense>
        <ConfirmDialog
            id="leave-dialog"
            title="Leave this organization?"
            confirm_label="Leave"
            open=confirm
            on_confirm=move |()| {
                leave.dispatch(LeaveOrganization {});
            }
        >
            <p>"You will need a new invitation to come back."</p>
        </ConfirmDialog>
    }
}

/// This site's origin, as the browser sees it (the server renders the configured public URL).
fn origin() -> String {
    #[cfg(feature = "ssr")]
    {
        crate::ctx::services()
            .map(|svc| svc.config.public_url.clone())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }
}
