//! The Members tab's "Service accounts": the service accounts holding a role on the project —
//! name (deactivated ones marked), role (a dropdown where the caller may change it), who added
//! it and when, Remove — and "Add service account": one of the organization's active accounts
//! without a role here, and a role. Their keys act with that role. Those who manage the
//! project's members manage these too; everyone who sees the project sees the list. Every
//! action is also a plain form post.

use leptos::prelude::*;

use crate::api::projects::ProjectView;
use crate::api::service_accounts::{
    AddProjectServiceAccount, ProjectServiceAccountView, RemoveProjectServiceAccount,
    ServiceAccountCandidateView, UpdateProjectServiceAccountRole, list_project_service_accounts,
    project_service_account_candidates, service_account_path,
};
use crate::auth::use_auth;
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{FieldMessages, FormError, action_error};
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::load::load;
use crate::pages::project::use_project;
use crate::pages::projects::project_role_label;
use crate::saved::Saved;
use crate::time;

const ROLES: [&str; 3] = ["admin", "member", "viewer"];

/// Whether the caller may manage the project's members (and so its service accounts).
fn manages(project: &ProjectView) -> bool {
    project.role == "admin" && !project.archived
}

#[derive(Clone, Copy)]
struct Actions {
    project_id: Memo<String>,
    add: ServerAction<AddProjectServiceAccount>,
    update_role: ServerAction<UpdateProjectServiceAccountRole>,
    remove: ServerAction<RemoveProjectServiceAccount>,
    target: RwSignal<Option<ProjectServiceAccountView>>,
    confirm_remove: RwSignal<bool>,
}

#[component]
pub(super) fn ProjectServiceAccounts() -> impl IntoView {
    let context = use_project();
    let auth = use_auth();
    let toasts = use_toasts();
    let changed = RwSignal::new(0u32);
    let actions = Actions {
        project_id: context.id,
        add: ServerAction::new(),
        update_role: ServerAction::new(),
        remove: ServerAction::new(),
        target: RwSignal::new(None),
        confirm_remove: RwSignal::new(false),
    };
    let list = load(
        move || (context.id.get(), changed.get()),
        |(id, _)| async move {
            list_project_service_accounts(id)
                .await
                .map(|list| (list, time::now_millis()))
        },
    );
    // Offered only to those who may add: the project says whether the caller is one.
    let candidates = load(
        move || (context.id.get(), changed.get(), context.changed.get()),
        move |(id, _, _)| async move {
            match context.project.await {
                Ok(project) if manages(&project) => {
                    project_service_account_candidates(id).await.map(Some)
                }
                _ => Ok(None),
            }
        },
    );
    let row_error = {
        let (update, remove) = (
            action_error(actions.update_role),
            action_error(actions.remove),
        );
        Signal::derive(move || update.get().or_else(|| remove.get()))
    };
    let add_error = action_error(actions.add);
    Effect::new(move |_| {
        for error in [row_error.get(), add_error.get()].into_iter().flatten() {
            auth.expired(&error);
        }
    });
    let done = |value: Option<Result<(), AppError>>| matches!(value, Some(Ok(())));
    for (value, saved) in [
        (actions.add.value(), Saved::ProjectServiceAccountAdded),
        (
            actions.update_role.value(),
            Saved::ProjectServiceAccountRole,
        ),
        (actions.remove.value(), Saved::ProjectServiceAccountRemoved),
    ] {
        Effect::new(move |_| {
            if done(value.get()) {
                changed.update(|n| *n += 1);
                toasts.show(saved.toast());
            }
        });
    }

    view! {
        <section class="panel panel-table" aria-labelledby="project-service-accounts-heading">
            <h2 id="project-service-accounts-heading">"Service accounts"</h2>
            <p class="panel-intro">
                "Service accounts act through their API keys, with the role they hold here."
            </p>
            <FormError error=row_error/>
            <Transition fallback=|| view! { <p class="loading">"Loading service accounts…"</p> }>
                {move || Suspend::new(async move {
                    let project = context.project.await.ok()?;
                    let me = auth.current().await?;
                    let org_manager = me
                        .organization
                        .as_ref()
                        .is_some_and(|o| matches!(o.role.as_str(), "owner" | "admin"));
                    let body = match list.await {
                        Ok((accounts, now)) => view! {
                            <AccountTable accounts now can_manage=manages(&project) links=org_manager actions/>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="form-error">{error.message}</p> }.into_any(),
                    };
                    Some(body)
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let found = candidates.await;
                    match found {
                        Ok(Some(found)) => Some(view! { <AddServiceAccount found actions error=add_error/> }.into_any()),
                        Ok(None) => None,
                        Err(error) => Some(view! { <p class="form-error">{error.message}</p> }.into_any()),
                    }
                })}
            </Transition>
        </section>
        <ConfirmDialog
            id="remove-project-service-account-dialog"
            title=Signal::derive(move || {
                actions
                    .target
                    .get()
                    .map(|a| format!("Remove service account {} from the project?", a.name))
                    .unwrap_or_default()
            })
            confirm_label="Remove"
            open=actions.confirm_remove
            on_confirm=move |()| {
                if let Some(account) = actions.target.get_untracked() {
                    actions.remove.dispatch(RemoveProjectServiceAccount {
                        project_id: actions.project_id.get_untracked(),
                        service_account_id: account.service_account_id,
                    });
                }
            }
        >
            <p>"Its keys lose their role on this project from their next request."</p>
        </ConfirmDialog>
    }
}

#[component]
fn AccountTable(
    accounts: Vec<ProjectServiceAccountView>,
    now: i64,
    can_manage: bool,
    /// Whether the names link to the accounts' pages (organization Owners and Admins).
    links: bool,
    actions: Actions,
) -> impl IntoView {
    if accounts.is_empty() {
        return view! {
            <p class="table-summary">"No service account has a role on this project."</p>
        }
        .into_any();
    }
    let summary = match accounts.len() {
        1 => "1 service account has access".to_string(),
        n => format!("{n} service accounts have access"),
    };
    let rows = accounts
        .into_iter()
        .map(|account| view! { <AccountRow account now can_manage links actions/> })
        .collect_view();
    view! {
        <p class="table-summary">{summary}</p>
        <div class="table-scroll">
            <table class="members-table project-service-accounts-table">
                <thead>
                    <tr>
                        <th scope="col">"Service account"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Added"</th>
                        {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn AccountRow(
    account: ProjectServiceAccountView,
    now: i64,
    can_manage: bool,
    links: bool,
    actions: Actions,
) -> impl IntoView {
    let deactivated = account.status == "deactivated";
    let name = if links {
        view! {
            <a href=service_account_path(&account.service_account_id)>{account.name.clone()}</a>
        }
        .into_any()
    } else {
        view! { <span>{account.name.clone()}</span> }.into_any()
    };
    let role_cell = if can_manage {
        let current = account.role.clone();
        let id = account.service_account_id.clone();
        let label = format!("Project role of service account {}", account.name);
        view! {
            <ActionForm action=actions.update_role attr:class="role-form">
                <input type="hidden" name="project_id" value=actions.project_id.get_untracked()/>
                <input type="hidden" name="service_account_id" value=id/>
                <select name="role" aria-label=label>
                    {ROLES.iter().map(|role| view! {
                        <option value=*role selected=*role == current>{project_role_label(role)}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button small">"Update role"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! { <span>{project_role_label(&account.role)}</span> }.into_any()
    };
    let day = time::parse_iso(&account.added_at).map_or_else(String::new, |at| time::day(at, now));
    let by = account
        .added_by
        .as_ref()
        .map_or_else(|| "On ".to_string(), |by| format!("By {by} on "));
    let actions_cell = can_manage.then(|| {
        let target = account.clone();
        let id = account.service_account_id.clone();
        let label = format!("Remove service account {} from the project", account.name);
        view! {
            <td>
                <ActionForm action=actions.remove>
                    <input type="hidden" name="project_id" value=actions.project_id.get_untracked()/>
                    <input type="hidden" name="service_account_id" value=id/>
                    <button
                        type="submit"
                        class="button small danger-text"
                        aria-label=label
                        on:click=move |ev| {
                            ev.prevent_default();
                            actions.target.set(Some(target.clone()));
                            actions.confirm_remove.set(true);
                        }
                    >
                        "Remove"
                    </button>
                </ActionForm>
            </td>
        }
    });
    view! {
        <tr class:deactivated=deactivated data-service-account=account.name.clone()>
            <th scope="row" class="member-name">
                {name}
                {deactivated.then(|| view! { " " <span class="status deactivated">"Deactivated"</span> })}
            </th>
            <td>{role_cell}</td>
            <td class="muted">
                {by}<time datetime=account.added_at.clone() title=time::exact(&account.added_at)>{day}</time>
            </td>
            {actions_cell}
        </tr>
    }
}

/// "Add service account": one of the candidates and a role.
#[component]
fn AddServiceAccount(
    found: Vec<ServiceAccountCandidateView>,
    actions: Actions,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let body = if found.is_empty() {
        view! {
            <p class="muted">
                "Every active service account of the organization already has a role here, or "
                "there are none yet. Owners and Admins create them in Settings → Service accounts."
            </p>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=actions.add attr:class="add-members">
                <FormError error/>
                <input type="hidden" name="project_id" value=actions.project_id.get_untracked()/>
                <div class="add-row">
                    <div class="field">
                        <label for="add-service-account">"Service account"</label>
                        <select id="add-service-account" name="service_account_id" aria-describedby="add-service-account-errors">
                            {found.into_iter().map(|c| view! {
                                <option value=c.service_account_id.clone()>{c.name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="add-service-account-role">"Role"</label>
                        <select id="add-service-account-role" name="role">
                            {ROLES.iter().map(|role| view! {
                                <option value=*role selected=*role == "viewer">{project_role_label(role)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button primary" disabled=move || actions.add.pending().get()>
                        "Add service account"
                    </button>
                </div>
                <FieldMessages id="add-service-account-errors" names=&["service_account_id", "role"] error/>
                <p class="field-hint">
                    "Admin: view, use and edit the project and manage its members. "
                    "Member: view and use. Viewer: view only."
                </p>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <div class="add-team" role="region" aria-labelledby="add-service-account-heading">
            <h3 id="add-service-account-heading">"Add service account"</h3>
            {body}
        </div>
    }
}
