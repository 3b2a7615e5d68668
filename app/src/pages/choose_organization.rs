//! `/choose-organization?next=<path>`: an account in several organizations that signed in
//! without naming one (no `/login?org=`) is asked which one to enter. The session already acts
//! in the one used last, listed first and chosen; "Continue" switches organization — through the
//! same gate as the header's switcher, so an organization that refuses the session says why —
//! and goes on to `next`. A plain form post without JavaScript. Signed out, the sign-in form
//! stands in its place, and the chooser follows.

use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::orgs::{OrganizationView, SwitchOrganization};
use crate::auth::use_auth;
use crate::components::form::{FormError, action_error};
use crate::components::shell::AuthCard;
use crate::error::ErrorCode;
use crate::pages::login::LoginPage;
use crate::pages::members::role_label;
use crate::paths::{mfa_step, safe_next};

#[component]
pub fn ChooseOrganizationPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let next = Signal::derive(move || safe_next(query.read().get("next").as_deref()));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                // Signed out (a bookmark, or the session ended): signing in here comes back to
                // the chooser. This also keeps the sign-in form's code in this screen's split:
                // everything /login needs is needed here too, so this screen does not cut the
                // chunks /login shares with other screens into smaller ones that /login would
                // download as well (measured: 6 KB more, brotli, for /login).
                if auth.current().await.is_none() {
                    return EitherOf3::A(view! { <LoginPage/> });
                }
                let organizations = auth.organizations().await;
                if organizations.len() < 2 {
                    // Nothing to choose: on to the destination.
                    return EitherOf3::B(view! { <Redirect path=next.get()/> });
                }
                EitherOf3::C(view! {
                    <Title text="Choose an organization"/>
                    <AuthCard title="Choose an organization">
                        <Choices organizations next/>
                    </AuthCard>
                })
            })}
        </Suspense>
    }
}

/// The organizations as a radio group, the one this session acts in (the one used last) first
/// and checked, each with the person's role there.
#[component]
fn Choices(mut organizations: Vec<OrganizationView>, next: Signal<String>) -> impl IntoView {
    let auth = use_auth();
    let switch = ServerAction::<SwitchOrganization>::new();
    let navigate = use_navigate();
    Effect::new(move |_| match switch.value().get() {
        Some(Ok(me)) => {
            auth.set(Some(me));
            navigate(&next.get_untracked(), Default::default());
        }
        // The organization chosen asks for the second factor this session skipped (a form
        // post without JavaScript was redirected there by the server).
        Some(Err(error)) if error.code == ErrorCode::MfaRequired => {
            navigate(&mfa_step(&next.get_untracked()), Default::default());
        }
        Some(Err(error)) => auth.expired(&error),
        None => {}
    });
    let raw_error = action_error(switch);
    let error =
        Signal::derive(move || raw_error.get().filter(|e| e.code != ErrorCode::MfaRequired));
    // A stable sort: the others stay in name order.
    organizations.sort_by_key(|org| !org.current);
    let pending = switch.pending();
    view! {
        <p class="panel-intro">
            "You belong to several organizations. Choose the one to work in; you can switch at any time from the header."
        </p>
        <ActionForm action=switch>
            <FormError error/>
            <input type="hidden" name="next" value=move || next.get()/>
            <fieldset class="org-choices">
                <legend>"Organization"</legend>
                {organizations
                    .into_iter()
                    .map(|org| {
                        let id = format!("org-choice-{}", org.id);
                        let role_id = format!("{id}-role");
                        view! {
                            <div class="org-choice">
                                <input
                                    type="radio"
                                    id=id.clone()
                                    name="organization_id"
                                    value=org.id.clone()
                                    checked=org.current
                                    required
                                    aria-describedby=role_id.clone()
                                />
                                <label for=id class="org-choice-name">{org.name.clone()}</label>
                                <span class="org-choice-role" id=role_id>{role_label(&org.role)}</span>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <button type="submit" class="button primary" disabled=move || pending.get()>
                {move || if pending.get() { "Continuing…" } else { "Continue" }}
            </button>
        </ActionForm>
    }
}
