//! `/settings/service-accounts/:id` (the same route as the list, see
//! [`super::service_accounts::ServiceAccountsScreen`]): one service account, for Owners and
//! Admins — its name, description and status; Edit, Deactivate (its keys are refused at once) or
//! Reactivate, and Delete (its keys die with it); the projects it holds a role on (given on each
//! project's Members tab); and its API keys ([`crate::components::api_keys`]). Every change but
//! creating and rotating a key is also a plain form post: without JavaScript "Edit",
//! "Deactivate" and "Delete service account" come back as forms on the page (`?edit=1`,
//! `?deactivate=1`, `?delete=1`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::projects::project_path;
use crate::api::service_accounts::{
    DeactivateServiceAccount, DeleteServiceAccount, ReactivateServiceAccount,
    SERVICE_ACCOUNTS_PATH, ServiceAccountView, UpdateServiceAccount, list_service_accounts,
    service_account_path,
};
use crate::auth::use_auth;
use crate::components::api_keys::{
    CreateKeyButton, KeyDialogs, KeyScope, KeyTable, Keys, KeysWithoutScript,
};
use crate::components::dialog::{ConfirmDialog, Modal, OpenDialogButton};
use crate::components::form::{Field, FormError, FormStatus, TextArea, action_error};
use crate::components::toast::use_toasts;
use crate::error::{AppError, ErrorCode};
use crate::load::{Loaded, load};
use crate::pages::projects::project_role_label;
use crate::pages::teams::count;
use crate::saved::{Saved, SettingsPage, saved_message};
use crate::time;

/// The account in view and what changes it.
#[derive(Clone, Copy)]
struct AccountActions {
    account: Loaded<Result<(ServiceAccountView, i64), AppError>>,
    update: ServerAction<UpdateServiceAccount>,
    deactivate: ServerAction<DeactivateServiceAccount>,
    reactivate: ServerAction<ReactivateServiceAccount>,
    delete: ServerAction<DeleteServiceAccount>,
}

/// The account with this id among the organization's (Owners and Admins list them all).
async fn find_account(id: String) -> Result<(ServiceAccountView, i64), AppError> {
    let accounts = list_service_accounts().await?;
    let account = accounts.into_iter().find(|a| a.id == id).ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            "That item does not exist or is not yours.",
        )
    })?;
    Ok((account, time::now_millis()))
}

#[component]
pub(super) fn ServiceAccountPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let auth = use_auth();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let changed = RwSignal::new(0u32);
    let actions = AccountActions {
        account: load(
            move || (id.get(), changed.get()),
            |(id, _)| find_account(id),
        ),
        update: ServerAction::new(),
        deactivate: ServerAction::new(),
        reactivate: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let scope = Memo::new(move |_| KeyScope::ServiceAccount(id.get()));
    let keys = Keys::new(scope, changed);
    let update_error = action_error(actions.update);
    let state_error = {
        let (deactivate, reactivate) = (
            action_error(actions.deactivate),
            action_error(actions.reactivate),
        );
        Signal::derive(move || deactivate.get().or_else(|| reactivate.get()))
    };
    let delete_error = action_error(actions.delete);
    Effect::new(move |_| {
        for error in [update_error.get(), state_error.get(), delete_error.get()]
            .into_iter()
            .flatten()
        {
            auth.expired(&error);
        }
    });
    let edit_open = RwSignal::new(false);
    let deactivate_open = RwSignal::new(false);
    let delete_open = RwSignal::new(false);
    let done = |value: Option<Result<(), AppError>>| matches!(value, Some(Ok(())));
    for (value, saved) in [
        (actions.update.value(), Saved::ServiceAccountSaved),
        (actions.deactivate.value(), Saved::ServiceAccountDeactivated),
        (actions.reactivate.value(), Saved::ServiceAccountReactivated),
    ] {
        Effect::new(move |_| {
            if done(value.get()) {
                edit_open.set(false);
                changed.update(|n| *n += 1);
                toasts.show(saved.toast());
            }
        });
    }
    Effect::new(move |_| {
        if done(actions.delete.value().get()) {
            toasts.show(Saved::ServiceAccountDeleted.toast());
            navigate(SERVICE_ACCOUNTS_PATH, Default::default());
        }
    });
    let asked = move |name: &'static str| Memo::new(move |_| query.read().get(name).is_some());
    let (asked_edit, asked_deactivate, asked_delete) =
        (asked("edit"), asked("deactivate"), asked("delete"));
    let saved = saved_message(SettingsPage::ServiceAccount);
    let here = Signal::derive(move || service_account_path(&id.get()));
    // The dialogs' titles name the account; read only while one is open (after hydration).
    let name = move |open: RwSignal<bool>| {
        open.get()
            .then(|| actions.account.get().and_then(Result::ok))
            .flatten()
            .map(|(account, _)| account.name)
            .unwrap_or_default()
    };

    view! {
        <p class="breadcrumb"><A href=SERVICE_ACCOUNTS_PATH>"← All service accounts"</A></p>
        <Transition fallback=|| view! { <p class="loading">"Loading service account…"</p> }>
            {move || Suspend::new(async move {
                match actions.account.await {
                    Ok((account, now)) => view! {
                        <Title text=account.name.clone()/>
                        <AccountHead account now actions edit_open deactivate_open delete_open/>
                    }
                    .into_any(),
                    Err(error) => view! {
                        <Title text="Service account not found"/>
                        <h1>"Service account not found"</h1>
                        <p class="form-error">{error.message}</p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
        <FormStatus message=saved/>
        <FormError error=state_error/>
        <Transition>
            {move || Suspend::new(async move {
                let (account, _) = actions.account.await.ok()?;
                let (deactivate_id, delete_id) = (account.id.clone(), account.id.clone());
                let name = account.name.clone();
                let deactivating = asked_deactivate.get() && account.status == "active";
                Some(view! {
                    {asked_edit.get().then(|| view! {
                        <section class="panel" aria-labelledby="edit-account-heading">
                            <h2 id="edit-account-heading">"Edit service account"</h2>
                            <EditForm account=account.clone() actions error=update_error/>
                        </section>
                    })}
                    {deactivating.then(|| view! {
                        <section class="panel" aria-labelledby="deactivate-account-heading">
                            <h2 id="deactivate-account-heading">"Deactivate service account"</h2>
                            <ActionForm action=actions.deactivate>
                                <input type="hidden" name="service_account_id" value=deactivate_id/>
                                <p>{DEACTIVATE_WARNING}</p>
                                <button type="submit" class="button danger">"Deactivate"</button>
                            </ActionForm>
                        </section>
                    })}
                    {asked_delete.get().then(|| view! {
                        <section class="panel" aria-labelledby="delete-account-heading">
                            <h2 id="delete-account-heading">"Delete service account"</h2>
                            <ActionForm action=actions.delete>
                                <FormError error=delete_error/>
                                <input type="hidden" name="service_account_id" value=delete_id/>
                                <p>"This deletes " <strong>{name}</strong> ". " {DELETE_WARNING}</p>
                                <button type="submit" class="button danger">"Delete service account"</button>
                            </ActionForm>
                        </section>
                    })}
                    <AccountProjects account=account.clone()/>
                    <AccountKeys account keys here/>
                })
            })}
        </Transition>
        <KeyDialogs keys/>
        <Modal id="edit-account-dialog" title="Edit service account" open=edit_open close_label="Cancel">
            <Transition>
                {move || Suspend::new(async move {
                    let (account, _) = actions.account.await.ok()?;
                    Some(view! { <EditForm account actions error=update_error/> })
                })}
            </Transition>
        </Modal>
        <ConfirmDialog
            id="deactivate-account-dialog"
            title=Signal::derive(move || format!("Deactivate {}?", name(deactivate_open)))
            confirm_label="Deactivate"
            open=deactivate_open
            on_confirm=move |()| {
                actions.deactivate.dispatch(DeactivateServiceAccount {
                    service_account_id: id.get_untracked(),
                });
            }
        >
            <p>{DEACTIVATE_WARNING}</p>
        </ConfirmDialog>
        <ConfirmDialog
            id="delete-account-dialog"
            title=Signal::derive(move || format!("Delete {}?", name(delete_open)))
            confirm_label="Delete service account"
            open=delete_open
            on_confirm=move |()| {
                actions.delete.dispatch(DeleteServiceAccount {
                    service_account_id: id.get_untracked(),
                });
            }
        >
            <p>{DELETE_WARNING}</p>
        </ConfirmDialog>
    }
}

const DEACTIVATE_WARNING: &str = "Its keys stop working at once, on every server, and its \
     project roles wait. Reactivate it to let its unexpired keys work again.";

const DELETE_WARNING: &str = "Its keys stop working at once and its project roles end. \
     This cannot be undone.";

#[component]
fn AccountHead(
    account: ServiceAccountView,
    now: i64,
    actions: AccountActions,
    edit_open: RwSignal<bool>,
    deactivate_open: RwSignal<bool>,
    delete_open: RwSignal<bool>,
) -> impl IntoView {
    let deactivated = account.status == "deactivated";
    let description = if account.description.is_empty() {
        view! { <p class="muted team-description">"No description"</p> }.into_any()
    } else {
        view! { <p class="description team-description">{account.description.clone()}</p> }
            .into_any()
    };
    let by = account
        .created_by
        .as_ref()
        .map_or_else(|| "Created".to_string(), |by| format!("Created by {by}"));
    let day =
        time::parse_iso(&account.created_at).map_or_else(String::new, |at| time::day(at, now));
    let keys = match account.key_count {
        0 => "no active keys".to_string(),
        n => count(n, "active key", "active keys"),
    };
    let used = account.last_used_at.as_ref().map_or_else(
        || "never used".to_string(),
        |iso| {
            time::parse_iso(iso).map_or_else(String::new, |at| {
                format!("last used {}", time::relative(at, now))
            })
        },
    );
    let facts = format!("{by} on {day} · {keys} · {used}");
    let state_button = if deactivated {
        view! {
            <ActionForm action=actions.reactivate attr:class="inline-form">
                <input type="hidden" name="service_account_id" value=account.id.clone()/>
                <button type="submit" class="button">"Reactivate"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <OpenDialogButton label="Deactivate" param="deactivate" open=deactivate_open/>
        }
        .into_any()
    };
    view! {
        <div class="page-head team-head">
            <div class="project-head">
                <h1>{account.name.clone()}</h1>
                {deactivated.then(|| view! { <span class="status deactivated">"Deactivated"</span> })}
            </div>
            <div class="actions">
                <OpenDialogButton label="Edit" aria_label="Edit service account" param="edit" open=edit_open/>
                {state_button}
                <OpenDialogButton
                    label="Delete service account"
                    param="delete"
                    open=delete_open
                    class="button danger-text"
                />
            </div>
        </div>
        {description}
        <p class="team-facts muted">{facts}</p>
        {deactivated.then(|| view! {
            <p class="notice warning" role="note">
                <strong>"This service account is deactivated."</strong>
                " Its keys are refused. Reactivate it to let its unexpired keys work again."
            </p>
        })}
    }
}

/// Name and description.
#[component]
fn EditForm(
    account: ServiceAccountView,
    actions: AccountActions,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <ActionForm action=actions.update>
            <FormError error/>
            <input type="hidden" name="service_account_id" value=account.id.clone()/>
            <Field label="Name" name="name" autocomplete="off" maxlength=100 value=account.name.clone() error/>
            <TextArea
                label="Description (optional)"
                name="description"
                maxlength=1000
                value=account.description.clone()
                error
            />
            <button type="submit" class="button primary" disabled=move || actions.update.pending().get()>
                "Save"
            </button>
        </ActionForm>
    }
}

/// The projects it holds a role on, read-only here.
#[component]
fn AccountProjects(account: ServiceAccountView) -> impl IntoView {
    let body = if account.projects.is_empty() {
        view! {
            <div class="empty-state" role="status">
                <p class="empty-title">"No project roles yet"</p>
                <p>
                    "Its keys can do nothing until it has a role: open a project's Members tab and "
                    "add it under Service accounts."
                </p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="team-projects-table">
                    <thead>
                        <tr>
                            <th scope="col">"Project"</th>
                            <th scope="col">"Role"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {account.projects.into_iter().map(|project| view! {
                            <tr>
                                <th scope="row" class="project-name">
                                    <A href=project_path(&project.project_id)>{project.name.clone()}</A>
                                </th>
                                <td>{project_role_label(&project.role)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="panel panel-table" aria-labelledby="account-projects-heading">
            <h2 id="account-projects-heading">"Projects"</h2>
            <p class="panel-intro">
                "Its keys act with these roles. A project's Admins give and change them on the "
                "project's Members tab."
            </p>
            {body}
        </section>
    }
}

/// Its keys, and "Create key" while it is active.
#[component]
fn AccountKeys(account: ServiceAccountView, keys: Keys, here: Signal<String>) -> impl IntoView {
    let active = account.status == "active";
    let revoke_error = action_error(keys.revoke);
    view! {
        <section class="panel panel-table" aria-labelledby="account-keys-heading">
            <div class="panel-head">
                <h2 id="account-keys-heading">"API keys"</h2>
                {active.then(|| view! { <CreateKeyButton keys/> })}
            </div>
            <p class="panel-intro">
                "A key acts as this service account: send it as "
                <code>"Authorization: Bearer <key>"</code>
                ". Rotate a key to replace its secret; revoke it when nothing should use it."
            </p>
            {(!active).then(|| view! {
                <p class="muted">
                    "While the service account is deactivated its keys are refused and no key can "
                    "be created for it."
                </p>
            })}
            <KeysWithoutScript keys here/>
            <FormError error=revoke_error/>
            <Transition fallback=|| view! { <p class="loading">"Loading keys…"</p> }>
                {move || Suspend::new(async move {
                    match keys.list.await {
                        Ok((listed, _)) if listed.is_empty() => view! {
                            <div class="empty-state" role="status">
                                <p class="empty-title">"No keys yet"</p>
                                <p>"Create a key for each system that acts as this service account."</p>
                            </div>
                        }
                        .into_any(),
                        Ok((listed, now)) => view! {
                            <KeyTable listed now keys caption="Keys of this service account"/>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="form-error">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
