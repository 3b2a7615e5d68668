//! The organization's security policy panel: Owners edit it ("Save Policy"); everyone else sees
//! what it asks of them.

use leptos::either::Either;
use leptos::prelude::*;

use crate::api::auth::current_user;
use crate::api::identity::{ProviderView, UpdateSignInRestriction, list_identity_providers};
use crate::api::security_policy::{SecurityPolicyView, UpdateSecurityPolicy, get_security_policy};
use crate::api::sso::get_saml_connection;
use crate::auth::use_auth;
use crate::components::form::{FormError, ProofField, action_error};
use crate::components::toast::use_toasts;
use crate::load::load;
use crate::saved::Saved;

const ROLES: [(&str, &str); 4] = [
    ("owner", "Owners"),
    ("admin", "Admins"),
    ("member", "Members"),
    ("auditor", "Auditors"),
];

/// "All members", "Admins", "Owners and Admins"…
pub fn covered(roles: &[String]) -> String {
    if ROLES
        .iter()
        .all(|(role, _)| roles.iter().any(|r| r == role))
    {
        return "all members".to_string();
    }
    let names: Vec<&str> = ROLES
        .iter()
        .filter(|(role, _)| roles.iter().any(|r| r == role))
        .map(|(_, label)| *label)
        .collect();
    names.join(" and ")
}

#[component]
pub fn SecurityPolicyPanel() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let save = ServerAction::<UpdateSecurityPolicy>::new();
    let error = action_error(save);
    let restrict = ServerAction::<UpdateSignInRestriction>::new();
    let restrict_error = action_error(restrict);
    let policy = load(
        move || (save.version().get(), restrict.version().get()),
        |_| get_security_policy(),
    );
    let providers = load(|| (), |_| list_identity_providers());
    // Owners' only (anyone else is refused): the organization's own SAML connection.
    let sso = load(|| (), |_| get_saml_connection());
    Effect::new(move |_| {
        if let Some(Ok(())) = restrict.value().get() {
            toasts.show(Saved::Restriction.toast());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            toasts.show(Saved::Policy.toast());
            // The owner's own deadline may have changed with it.
            leptos::task::spawn_local(async move {
                if let Ok(me) = current_user().await {
                    auth.set(Some(me));
                }
            });
        }
    });
    Effect::new(move |_| {
        if let Some(error) = error.get() {
            auth.expired(&error);
        }
    });
    view! {
        <section class="panel" aria-labelledby="policy-heading">
            <h2 id="policy-heading">"Security policy"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let me = auth.current().await?;
                    let org = me.organization.clone()?;
                    let owner = org.role == "owner";
                    let proven = me.recently_proven;
                    let mut providers = providers.await.map(|p| p.providers).unwrap_or_default();
                    // The organization's own SAML connection, once on, is a way to require.
                    if owner && let Ok(sso) = sso.await && sso.enabled {
                        providers.push(ProviderView { key: sso.provider, name: sso.provider_name });
                    }
                    Some(match policy.await {
                        Err(err) => Either::Left(view! { <p class="form-error">{err.message}</p> }),
                        Ok(current) => Either::Right(view! {
                            <p class="panel-intro">{summary(&org.name, &current)}</p>
                            {current.sign_in_provider_name.clone().map(|name| view! {
                                <p class="panel-intro">{format!("Members must sign in with {name}.")}</p>
                            })}
                            {owner.then(|| view! { <PolicyForm current=current.clone() save proven error/> })}
                            {(owner && !providers.is_empty()).then(|| view! {
                                <RestrictionForm current providers restrict proven error=restrict_error/>
                            })}
                        }),
                    })
                })}
            </Suspense>
        </section>
    }
}

fn summary(org: &str, policy: &SecurityPolicyView) -> String {
    if policy.require_mfa {
        let days = match policy.grace_days {
            0 => "no grace period".to_string(),
            1 => "a grace period of 1 day".to_string(),
            n => format!("a grace period of {n} days"),
        };
        format!(
            "{org} requires MFA for {}, with {days}.",
            covered(&policy.roles)
        )
    } else {
        format!("{org} does not require MFA.")
    }
}

#[component]
fn PolicyForm(
    current: SecurityPolicyView,
    save: ServerAction<UpdateSecurityPolicy>,
    /// The session proved its owner lately: no proof field unless the server asks.
    proven: bool,
    #[prop(into)] error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let field_errors = move |name: &'static str| {
        move || {
            error
                .get()
                .map(|e| e.field(name).to_vec())
                .unwrap_or_default()
                .into_iter()
                .map(|m| view! { <li>{m}</li> })
                .collect_view()
        }
    };
    view! {
        <ActionForm action=save attr:class="policy-form">
            <FormError error/>
            <label class="check">
                <input type="checkbox" name="require_mfa" value="true" checked=current.require_mfa/>
                "Require MFA"
            </label>
            <fieldset class="roles" aria-describedby="roles-hint roles-error">
                <legend>"Required for"</legend>
                {ROLES.iter().enumerate().map(|(i, (role, label))| {
                    let checked = current.roles.iter().any(|r| r == role);
                    view! {
                        <label class="check">
                            <input type="checkbox" name=format!("roles[{i}]") value=*role checked=checked/>
                            {*label}
                        </label>
                    }
                }).collect_view()}
                <p class="field-hint" id="roles-hint">"Choose all four to cover all members."</p>
                <ul class="field-error" id="roles-error">{field_errors("roles")}</ul>
            </fieldset>
            <div class="field">
                <label for="grace-days">"Grace period (days)"</label>
                <input
                    id="grace-days"
                    type="number"
                    name="grace_days"
                    min="0"
                    max="90"
                    required
                    value=current.grace_days.to_string()
                    aria-describedby="grace-hint grace-error"
                />
                <p class="field-hint" id="grace-hint">
                    "Members without MFA can keep working this long after MFA becomes required; then they must set it up first."
                </p>
                <ul class="field-error" id="grace-error">{field_errors("grace_days")}</ul>
            </div>
            <div class="field">
                <label for="max-key-days">"Longest API key lifetime"</label>
                <select id="max-key-days" name="max_key_days" aria-describedby="max-key-hint max-key-error">
                    {[7, 30, 90, 365].into_iter().map(|days| view! {
                        <option value=days.to_string() selected=current.max_key_days == days>
                            {format!("{days} days")}
                        </option>
                    }).collect_view()}
                </select>
                <p class="field-hint" id="max-key-hint">
                    "New API keys may not be made to last longer; keys already made keep their expiry."
                </p>
                <ul class="field-error" id="max-key-error">{field_errors("max_key_days")}</ul>
            </div>
            <ProofField id="policy-proof" proven error/>
            <button type="submit" class="button primary" disabled=move || save.pending().get()>
                "Save Policy"
            </button>
        </ActionForm>
    }
}

/// "Members must sign in with …" and whether that provider's MFA stands in for ours.
#[component]
fn RestrictionForm(
    current: SecurityPolicyView,
    providers: Vec<ProviderView>,
    restrict: ServerAction<UpdateSignInRestriction>,
    proven: bool,
    #[prop(into)] error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let selected = current.sign_in_provider.clone().unwrap_or_default();
    view! {
        <ActionForm action=restrict attr:class="policy-form">
            <h3>"Sign-in restriction"</h3>
            <FormError error/>
            <div class="field">
                <label for="sign-in-provider">"Members must sign in with"</label>
                <select id="sign-in-provider" name="provider">
                    <option value="" selected=selected.is_empty()>"Any method (password or provider)"</option>
                    {providers.into_iter().map(|p| {
                        let chosen = p.key == selected;
                        view! { <option value=p.key.clone() selected=chosen>{p.name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <label class="check">
                <input type="checkbox" name="provider_enforces_mfa" value="true" checked=current.provider_enforces_mfa/>
                "The provider enforces its own MFA (members are not asked for a Gatehouse code)"
            </label>
            <ProofField id="restriction-proof" proven error/>
            <button type="submit" class="button primary" disabled=move || restrict.pending().get()>
                "Save Restriction"
            </button>
        </ActionForm>
    }
}
