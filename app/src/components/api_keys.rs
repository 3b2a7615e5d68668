//! API keys as a service account's page and a project's API keys tab show them: a table (name,
//! the key's hint, status, expiry, last use, who created it) with Rotate and Revoke, and "Create
//! key". A new or rotated secret is shown once, in a dialog with a Copy button: it is the answer
//! to this page's own request and never travels in a URL, so creating and rotating need
//! JavaScript (without it those buttons say so on the page). Revoking is also a plain form post;
//! without JavaScript `?revoke=<key id>` asks on the page first.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::keys::{
    ApiKeyView, CreateApiKey, IssuedKeyView, RevokeApiKey, RotateApiKey, list_api_keys,
};
use crate::api::security_policy::get_security_policy;
use crate::auth::use_auth;
use crate::components::dialog::{ConfirmDialog, Modal, OpenDialogButton};
use crate::components::form::{Field, FieldMessages, FormError, action_error};
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::load::{Loaded, load};
use crate::saved::Saved;
use crate::time;

mod secret;
mod table;

use secret::SecretField;
pub use table::KeyTable;

/// Whose keys a panel lists and creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyScope {
    ServiceAccount(String),
    /// Personal keys for a project (the caller's own; Owners and Admins see everyone's).
    Project(String),
}

impl KeyScope {
    fn ids(&self) -> (Option<String>, Option<String>) {
        match self {
            Self::ServiceAccount(id) => (None, Some(id.clone())),
            Self::Project(id) => (Some(id.clone()), None),
        }
    }

    fn revoked(&self) -> Saved {
        match self {
            Self::ServiceAccount(_) => Saved::ServiceAccountKeyRevoked,
            Self::Project(_) => Saved::ProjectKeyRevoked,
        }
    }
}

/// The lifetimes a key may be given, in days (the organization may allow fewer), and the one
/// chosen unless the user picks another.
const LIFETIMES: [i64; 4] = [7, 30, 90, 365];
const DEFAULT_LIFETIME: i64 = 90;
/// How long a rotated-out secret keeps working: the form value and its words.
const OVERLAPS: [(&str, &str); 4] = [
    ("none", "None"),
    ("1h", "1 hour"),
    ("1d", "1 day"),
    ("7d", "7 days"),
];
const DEFAULT_OVERLAP: &str = "1h";

/// A secret to show once, with what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shown {
    title: String,
    secret: String,
    expires_at: String,
}

/// The keys in view, the time they were read (for "5 minutes ago"), and what changes them.
#[derive(Clone, Copy)]
pub struct Keys {
    scope: Memo<KeyScope>,
    pub list: Loaded<Result<(Vec<ApiKeyView>, i64), AppError>>,
    pub create: ServerAction<CreateApiKey>,
    pub rotate: ServerAction<RotateApiKey>,
    pub revoke: ServerAction<RevokeApiKey>,
    create_open: RwSignal<bool>,
    /// The key the rotate or revoke dialog is about.
    target: RwSignal<Option<ApiKeyView>>,
    rotate_open: RwSignal<bool>,
    revoke_open: RwSignal<bool>,
    /// The name typed for the key being created, for the secret's dialog.
    naming: RwSignal<String>,
    shown: RwSignal<Option<Shown>>,
    shown_open: RwSignal<bool>,
}

impl Keys {
    /// Created with the page (outside any `Suspense`). `changed` is the page's: bumping it
    /// reloads the keys, and a change here bumps it.
    pub fn new(scope: Memo<KeyScope>, changed: RwSignal<u32>) -> Self {
        let auth = use_auth();
        let toasts = use_toasts();
        let keys = Self {
            scope,
            list: load(
                move || (scope.get(), changed.get()),
                |(scope, _)| async move {
                    let (project_id, service_account_id) = scope.ids();
                    list_api_keys(project_id, service_account_id)
                        .await
                        .map(|keys| (keys, time::now_millis()))
                },
            ),
            create: ServerAction::new(),
            rotate: ServerAction::new(),
            revoke: ServerAction::new(),
            create_open: RwSignal::new(false),
            target: RwSignal::new(None),
            rotate_open: RwSignal::new(false),
            revoke_open: RwSignal::new(false),
            naming: RwSignal::new(String::new()),
            shown: RwSignal::new(None),
            shown_open: RwSignal::new(false),
        };
        let errors = [
            action_error(keys.create),
            action_error(keys.rotate),
            action_error(keys.revoke),
        ];
        Effect::new(move |_| {
            for error in errors.iter().filter_map(|e| e.get()) {
                auth.expired(&error);
            }
        });
        Effect::new(move |_| {
            if let Some(input) = keys.create.input().get() {
                keys.naming.set(input.name.trim().to_string());
            }
        });
        let show = move |title: String, issued: IssuedKeyView| {
            keys.shown.set(Some(Shown {
                title,
                secret: issued.secret,
                expires_at: issued.expires_at,
            }));
            keys.shown_open.set(true);
            changed.update(|n| *n += 1);
        };
        Effect::new(move |_| {
            if let Some(Ok(issued)) = keys.create.value().get() {
                keys.create_open.set(false);
                let name = keys.naming.get_untracked();
                show(format!("Key “{name}” created"), issued);
            }
        });
        Effect::new(move |_| {
            if let Some(Ok(issued)) = keys.rotate.value().get() {
                keys.rotate_open.set(false);
                let name = keys
                    .target
                    .get_untracked()
                    .map(|k| k.name)
                    .unwrap_or_default();
                show(format!("New secret for “{name}”"), issued);
            }
        });
        // Once its dialog is closed the secret is dropped from memory, answers included.
        Effect::new(move |was_open: Option<bool>| {
            let open = keys.shown_open.get();
            if was_open == Some(true) && !open {
                keys.shown.set(None);
                for value in [keys.create.value(), keys.rotate.value()] {
                    if value.with_untracked(|v| matches!(v, Some(Ok(_)))) {
                        value.set(None);
                    }
                }
            }
            open
        });
        Effect::new(move |_| {
            if let Some(Ok(())) = keys.revoke.value().get() {
                changed.update(|n| *n += 1);
                toasts.show(scope.get_untracked().revoked().toast());
            }
        });
        keys
    }
}

/// "Create key": opens the dialog; without JavaScript the page says why it cannot.
#[component]
pub fn CreateKeyButton(keys: Keys) -> impl IntoView {
    view! {
        <OpenDialogButton label="Create key" param="new_key" open=keys.create_open class="button primary"/>
    }
}

/// What a page without JavaScript shows after "Create key" or "Rotate" (`?new_key=1`,
/// `?rotate=<key id>`), and the revoke confirmation (`?revoke=<key id>`).
#[component]
pub fn KeysWithoutScript(keys: Keys, here: Signal<String>) -> impl IntoView {
    let query = use_query_map();
    let needs_script = Memo::new(move |_| {
        let query = query.read();
        query.get("new_key").is_some() || query.get("rotate").is_some()
    });
    let revoking = Memo::new(move |_| query.read().get("revoke"));
    let revoke_error = action_error(keys.revoke);
    view! {
        <Show when=move || needs_script.get()>
            <p class="notice warning" role="note">
                "Creating or rotating a key needs JavaScript: its secret is shown once, on this "
                "page, and never travels in a link. Turn JavaScript on and try again."
            </p>
        </Show>
        <Transition>
            {move || Suspend::new(async move {
                let id = revoking.get()?;
                let (listed, _) = keys.list.await.ok()?;
                let key = listed.into_iter().find(|k| k.id == id && k.can_manage)?;
                Some(view! {
                    <section class="panel" aria-labelledby="revoke-key-heading">
                        <h2 id="revoke-key-heading">{format!("Revoke key “{}”?", key.name)}</h2>
                        <form method="post" action=RevokeApiKey::PATH>
                            <FormError error=revoke_error/>
                            <input type="hidden" name="key_id" value=key.id.clone()/>
                            <p>{REVOKE_WARNING}</p>
                            <div class="actions">
                                <button type="submit" class="button danger">"Revoke key"</button>
                                <a href=here.get_untracked()>"Cancel"</a>
                            </div>
                        </form>
                    </section>
                })
            })}
        </Transition>
    }
}

const REVOKE_WARNING: &str = "Anything using this key is refused from its next request, on \
     every server. This cannot be undone: create a new key if you need one again.";

/// The dialogs: create, rotate, revoke, and the secret shown once.
#[component]
pub fn KeyDialogs(keys: Keys) -> impl IntoView {
    let create_error = action_error(keys.create);
    let rotate_error = action_error(keys.rotate);
    let target_name = move || keys.target.get().map(|k| k.name).unwrap_or_default();
    view! {
        <Modal id="create-key-dialog" title="Create key" open=keys.create_open close_label="Cancel">
            <CreateKeyForm keys error=create_error/>
        </Modal>
        <Modal
            id="rotate-key-dialog"
            title=Signal::derive(move || format!("Rotate key “{}”", target_name()))
            open=keys.rotate_open
            close_label="Cancel"
        >
            <RotateKeyForm keys error=rotate_error/>
        </Modal>
        <ConfirmDialog
            id="revoke-key-dialog"
            title=Signal::derive(move || format!("Revoke key “{}”?", target_name()))
            confirm_label="Revoke key"
            open=keys.revoke_open
            on_confirm=move |()| {
                if let Some(key) = keys.target.get_untracked() {
                    keys.revoke.dispatch(RevokeApiKey { key_id: key.id });
                }
            }
        >
            <p>{REVOKE_WARNING}</p>
        </ConfirmDialog>
        <Modal
            id="key-secret-dialog"
            title=Signal::derive(move || keys.shown.get().map(|s| s.title).unwrap_or_default())
            open=keys.shown_open
            close_label="Done"
        >
            {move || keys.shown.get().map(|shown| view! {
                <SecretField secret=shown.secret expires_at=shown.expires_at/>
            })}
        </Modal>
    }
}

/// Name and lifetime of a new key: the lifetimes the organization's policy allows, 90 days or
/// the longest allowed below that chosen.
#[component]
fn CreateKeyForm(keys: Keys, error: Signal<Option<AppError>>) -> impl IntoView {
    let (project_id, service_account_id) = keys.scope.get_untracked().ids();
    // Shown only in the browser (the dialog opens once hydrated), so read there.
    let policy = LocalResource::new(get_security_policy);
    let lifetimes = move || {
        Suspend::new(async move {
            // Should the policy not load, every lifetime is offered: the server still decides.
            let max = policy.await.map_or(365, |p| p.max_key_days);
            let allowed: Vec<i64> = LIFETIMES.into_iter().filter(|d| *d <= max).collect();
            let chosen = allowed
                .iter()
                .copied()
                .filter(|d| *d <= DEFAULT_LIFETIME)
                .max()
                .unwrap_or(DEFAULT_LIFETIME);
            let capped = (max < 365)
                .then(|| format!("Your organization allows keys of at most {max} days."));
            view! {
                <select
                    id="create-key-expiry"
                    name="expires_in_days"
                    aria-describedby="create-key-expiry-hint create-key-expiry-errors"
                >
                    {allowed.into_iter().map(|days| view! {
                        <option value=days.to_string() selected=days == chosen>
                            {format!("{days} days")}
                        </option>
                    }).collect_view()}
                </select>
                <p class="field-hint" id="create-key-expiry-hint">
                    "Every key expires; create a new one or rotate before then. "
                    {capped}
                </p>
            }
        })
    };
    view! {
        <ActionForm action=keys.create>
            <FormError error/>
            {service_account_id.map(|id| view! { <input type="hidden" name="service_account_id" value=id/> })}
            {project_id.map(|id| view! { <input type="hidden" name="project_id" value=id/> })}
            <Field
                label="Name"
                name="name"
                autocomplete="off"
                maxlength=100
                hint="What will use it, e.g. “Deploy from CI”."
                error
            />
            <div class="field">
                <label for="create-key-expiry">"Expires after"</label>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>{lifetimes}</Suspense>
                <FieldMessages id="create-key-expiry-errors" names=&["expires_in_days"] error/>
            </div>
            <button type="submit" class="button primary" disabled=move || keys.create.pending().get()>
                "Create key"
            </button>
        </ActionForm>
    }
}

/// How long the current secret keeps working once a new one is issued.
#[component]
fn RotateKeyForm(keys: Keys, error: Signal<Option<AppError>>) -> impl IntoView {
    let key_id = keys
        .target
        .get_untracked()
        .map(|k| k.id)
        .unwrap_or_default();
    view! {
        <ActionForm action=keys.rotate>
            <FormError error/>
            <p>
                "A new secret replaces the current one; the key keeps its name and expiry. The new "
                "secret is shown once."
            </p>
            <input type="hidden" name="key_id" value=key_id/>
            <div class="field">
                <label for="rotate-key-overlap">"Current secret keeps working for"</label>
                <select
                    id="rotate-key-overlap"
                    name="overlap"
                    aria-describedby="rotate-key-overlap-hint rotate-key-overlap-errors"
                >
                    {OVERLAPS.iter().map(|(value, label)| view! {
                        <option value=*value selected=*value == DEFAULT_OVERLAP>{*label}</option>
                    }).collect_view()}
                </select>
                <p class="field-hint" id="rotate-key-overlap-hint">
                    "Time to update what uses the key: until then both secrets work. None: the "
                    "current secret stops at once."
                </p>
                <FieldMessages id="rotate-key-overlap-errors" names=&["overlap"] error/>
            </div>
            <button type="submit" class="button primary" disabled=move || keys.rotate.pending().get()>
                "Rotate key"
            </button>
        </ActionForm>
    }
}
