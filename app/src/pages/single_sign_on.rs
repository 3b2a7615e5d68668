//! `/settings/single-sign-on` (Owners): the organization's own SAML identity provider. The
//! page gives the IT administrator Gatehouse's details and takes the provider's metadata, the
//! role of people it brings in, and whether it is on.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::sso::{SamlConnectionView, UpdateSamlConnection, get_saml_connection};
use crate::auth::use_auth;
use crate::components::copy::CopyField;
use crate::components::form::{
    FieldMessages, FormError, FormStatus, ProofField, TextArea, action_error,
};
use crate::components::toast::use_toasts;
use crate::saved::{Saved, SettingsPage, saved_message};
use crate::time;

/// The roles a connection may give (never Owner).
const DEFAULT_ROLES: [(&str, &str); 3] = [
    ("member", "Member"),
    ("admin", "Admin"),
    ("auditor", "Auditor"),
];

#[component]
pub fn SingleSignOnPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let save = ServerAction::<UpdateSamlConnection>::new();
    let error = action_error(save);
    let connection = Resource::new(move || save.version().get(), |_| get_saml_connection());
    let saved = saved_message(SettingsPage::SingleSignOn);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            toasts.show(Saved::SsoConnection.toast());
        }
        if let Some(error) = error.get() {
            auth.expired(&error);
        }
    });
    view! {
        <Title text="Single sign-on"/>
        <h1>"Single sign-on"</h1>
        <FormStatus message=saved/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let proven = auth.current().await.is_some_and(|me| me.recently_proven);
                match connection.await {
                    Err(err) => Either::Left(view! {
                        <section class="panel"><p class="form-error" role="alert">{err.message}</p></section>
                    }),
                    Ok(current) => Either::Right(view! {
                        <ServiceProviderPanel current=current.clone()/>
                        <ConnectionPanel current save proven error/>
                    }),
                }
            })}
        </Suspense>
    }
}

/// What the identity provider's administrator enters on their side.
#[component]
fn ServiceProviderPanel(current: SamlConnectionView) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="sp-heading">
            <h2 id="sp-heading">"Gatehouse's details for your identity provider"</h2>
            <p class="panel-intro">
                "Create a SAML application in your identity provider (Okta, Microsoft Entra ID, "
                "Google Workspace, …) with these values, or import the metadata URL. Send the "
                "email address as an attribute named email (or as an emailAddress NameID)."
            </p>
            <CopyField label="Entity ID (audience)" id="sso-entity-id" value=current.sp_entity_id/>
            <CopyField label="ACS URL (reply URL)" id="sso-acs-url" value=current.acs_url/>
            <CopyField label="Metadata URL" id="sso-metadata-url" value=current.metadata_url/>
            <CopyField label="Sign-in URL for your members" id="sso-start-url" value=current.start_url/>
        </section>
    }
}

/// The identity provider's metadata, the default role and the switch.
#[component]
fn ConnectionPanel(
    current: SamlConnectionView,
    save: ServerAction<UpdateSamlConnection>,
    proven: bool,
    #[prop(into)] error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let (status_class, status) = match (current.configured, current.enabled) {
        (false, _) => ("status", "Not set up"),
        (true, true) => ("status active", "On"),
        (true, false) => ("status", "Off"),
    };
    let details = current.idp_entity_id.clone().map(|entity_id| {
        let updated = current.updated_at.as_deref().map(time::exact);
        view! {
            <dl class="facts">
                <dt>"Entity ID"</dt>
                <dd><code>{entity_id}</code></dd>
                <dt>"Single sign-on URL"</dt>
                <dd><code>{current.idp_sso_url.clone()}</code></dd>
                <dt>"Last saved"</dt>
                <dd>{updated}</dd>
            </dl>
        }
    });
    let role = current.default_role.clone();
    view! {
        <section class="panel" aria-labelledby="idp-heading">
            <div class="panel-head">
                <h2 id="idp-heading">"Identity provider"</h2>
                <span class=status_class>{status}</span>
            </div>
            {details}
            <ActionForm action=save attr:class="policy-form">
                <FormError error/>
                <TextArea
                    label="Identity provider metadata (XML)"
                    name="idp_metadata_xml"
                    value=current.idp_metadata_xml
                    rows=10
                    maxlength=100_000
                    hint="Download it from your identity provider: it names its entity ID, its single sign-on URL and its signing certificate."
                    error
                />
                <div class="field">
                    <label for="sso-default-role">"Role of new members"</label>
                    <select id="sso-default-role" name="default_role" aria-describedby="sso-default-role-error">
                        {DEFAULT_ROLES.into_iter().map(|(value, label)| view! {
                            <option value=value selected=role == value>{label}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-hint">
                        "People signing in for the first time through your identity provider join with this role."
                    </p>
                    <FieldMessages id="sso-default-role-error" names=&["default_role"] error/>
                </div>
                <label class="check">
                    <input type="checkbox" name="enabled" value="true" checked=current.enabled/>
                    "Enable single sign-on"
                </label>
                <ProofField id="sso-proof" proven error/>
                <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    "Save Single Sign-On"
                </button>
            </ActionForm>
        </section>
    }
}
