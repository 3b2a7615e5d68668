//! `/settings/single-sign-on` (Owners): the organization's own SAML identity provider. The
//! page gives the IT administrator Gatehouse's details and takes the provider's metadata, the
//! role of people it brings in, and whether it is on; and the email domains the organization
//! proves it owns.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::sso::{
    AddSsoDomain, RemoveSsoDomain, SamlConnectionView, SsoDomainView, UpdateSamlConnection,
    VerifySsoDomain, get_saml_connection, list_sso_domains,
};
use crate::auth::use_auth;
use crate::components::copy::CopyField;
use crate::components::form::{
    Field, FieldMessages, FormError, FormStatus, ProofField, TextArea, action_error,
};
use crate::components::toast::use_toasts;
use crate::load::load;
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
    let connection = load(move || save.version().get(), |_| get_saml_connection());
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
                        <DomainsPanel/>
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

/// The email domains the organization proves with a DNS record.
#[component]
fn DomainsPanel() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let add = ServerAction::<AddSsoDomain>::new();
    let verify = ServerAction::<VerifySsoDomain>::new();
    let remove = ServerAction::<RemoveSsoDomain>::new();
    let add_error = action_error(add);
    let verify_error = action_error(verify);
    let remove_error = action_error(remove);
    let verify_message = move || {
        verify_error
            .get()
            .map(|e| e.field("domain").first().cloned().unwrap_or(e.message))
    };
    let domains = load(
        move || {
            (
                add.version().get(),
                verify.version().get(),
                remove.version().get(),
            )
        },
        |_| list_sso_domains(),
    );
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            toasts.show(Saved::SsoDomainAdded.toast());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = verify.value().get() {
            toasts.show(Saved::SsoDomainVerified.toast());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get() {
            toasts.show(Saved::SsoDomainRemoved.toast());
        }
    });
    Effect::new(move |_| {
        for error in [add_error.get(), verify_error.get(), remove_error.get()]
            .into_iter()
            .flatten()
        {
            auth.expired(&error);
        }
    });
    view! {
        <section class="panel" aria-labelledby="domains-heading">
            <h2 id="domains-heading">"Domains"</h2>
            <p class="panel-intro">
                "Prove that your organization owns an email domain: people with an address there "
                "who choose \"Sign in with SSO\" are sent to your identity provider, and accounts it "
                "creates for them start with a verified address."
            </p>
            // A verification refused is about the record, not a field on this page: its words.
            <div class="form-error" role="alert">{verify_message}</div>
            <FormError error=remove_error/>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let list = domains.await.unwrap_or_default();
                    (!list.is_empty()).then(|| view! {
                        <ul class="domain-list">
                            {list.into_iter().map(|d| view! { <DomainItem domain=d verify remove/> }).collect_view()}
                        </ul>
                    })
                })}
            </Suspense>
            <ActionForm action=add attr:class="inline-form">
                <FormError error=add_error/>
                <Field label="Domain" name="domain" maxlength=253 hint="For example example.com" error=add_error/>
                <button type="submit" class="button" disabled=move || add.pending().get()>"Add Domain"</button>
            </ActionForm>
        </section>
    }
}

/// One domain: verified, or the record to publish and "Verify".
#[component]
fn DomainItem(
    domain: SsoDomainView,
    verify: ServerAction<VerifySsoDomain>,
    remove: ServerAction<RemoveSsoDomain>,
) -> impl IntoView {
    let name = domain.domain.clone();
    let id = format!("domain-{}", name.replace('.', "-"));
    let verified = domain.verified_at.is_some();
    let (class, status) = if verified {
        ("status active", "Verified")
    } else {
        ("status pending", "Not verified")
    };
    let pending = (!verified).then(|| {
        view! {
            <p class="field-hint">
                "Publish this TXT record at your DNS host, then choose Verify. DNS changes can take a few minutes to appear."
            </p>
            <CopyField label="TXT record name" id=format!("{id}-record-name") value=domain.record_name.clone()/>
            <CopyField label="TXT record value" id=format!("{id}-record-value") value=domain.record_value.clone()/>
            <ActionForm action=verify>
                <input type="hidden" name="domain" value=name.clone()/>
                <button type="submit" class="button primary" disabled=move || verify.pending().get()>
                    {format!("Verify {name}")}
                </button>
            </ActionForm>
        }
    });
    let label = format!("Remove {}", domain.domain);
    let (title, field) = (domain.domain.clone(), domain.domain.clone());
    view! {
        <li class="domain" aria-label=domain.domain>
            <div class="panel-head">
                <h3>{title}</h3>
                <span class=class>{status}</span>
            </div>
            {pending}
            <ActionForm action=remove>
                <input type="hidden" name="domain" value=field/>
                <button type="submit" class="button danger" disabled=move || remove.pending().get()>{label}</button>
            </ActionForm>
        </li>
    }
}
