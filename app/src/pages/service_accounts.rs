//! `/settings/service-accounts`: the organization's service accounts — identities for pipelines
//! and other automated systems — for Owners and Admins: each with its description, status, the
//! projects it holds a role on, its live keys, when a key was last used and who created it.
//! "Create service account" is a dialog, or without JavaScript the same form on the page
//! (`?new=1`); the new account's page follows, where its keys are made. Members get the
//! server's refusal.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::service_accounts::{
    CreateServiceAccount, ServiceAccountView, list_service_accounts, service_account_path,
};
use crate::auth::use_auth;
use crate::components::dialog::{Modal, OpenDialogButton};
use crate::components::form::{Field, FormError, FormStatus, TextArea, action_error};
use crate::components::toast::use_toasts;
use crate::error::{AppError, ErrorCode};
use crate::load::load;
use crate::pages::projects::project_role_label;
use crate::pages::service_account::ServiceAccountPage;
use crate::pages::teams::count;
use crate::saved::{Saved, SettingsPage, saved_message};
use crate::time;

/// `/settings/service-accounts/:id?`: the list, or one account's page (one route, so one chunk
/// of the browser bundle for both).
#[component]
pub fn ServiceAccountsScreen() -> impl IntoView {
    let params = use_params_map();
    let one = Memo::new(move |_| params.read().get("id").is_some());
    move || {
        if one.get() {
            view! { <ServiceAccountPage/> }.into_any()
        } else {
            view! { <ServiceAccountsPage/> }.into_any()
        }
    }
}

#[component]
fn ServiceAccountsPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let query = use_query_map();
    // Without JavaScript, "Create service account" comes back with `?new=1`, the form inline.
    let asked_new = Memo::new(move |_| query.read().get("new").is_some());
    let create = ServerAction::<CreateServiceAccount>::new();
    let create_error = action_error(create);
    let new_open = RwSignal::new(false);
    let accounts = load(
        || (),
        |()| async move {
            list_service_accounts()
                .await
                .map(|list| (list, time::now_millis()))
        },
    );
    Effect::new(move |_| {
        if let Some(error) = create_error.get() {
            auth.expired(&error);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            new_open.set(false);
            toasts.show(Saved::ServiceAccountCreated.toast());
            navigate(&service_account_path(&created.id), Default::default());
        }
    });
    let status = saved_message(SettingsPage::ServiceAccounts);

    view! {
        <Title text="Service accounts"/>
        <div class="page-head">
            <h1>"Service accounts"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    accounts.await.ok()?;
                    Some(view! {
                        <OpenDialogButton
                            label="Create service account"
                            param="new"
                            open=new_open
                            class="button primary"
                        />
                    })
                })}
            </Suspense>
        </div>
        <p class="panel-intro page-intro">
            "Service accounts are identities for pipelines, scheduled jobs and other automated "
            "systems. Give one a role on a project's Members tab and create API keys for it; it "
            "can never sign in to Gatehouse."
        </p>
        <FormStatus message=status/>
        <Show when=move || asked_new.get()>
            <section class="panel" aria-labelledby="create-service-account-heading">
                <h2 id="create-service-account-heading">"Create service account"</h2>
                <CreateForm create error=create_error/>
            </section>
        </Show>
        <Suspense fallback=|| view! { <p class="loading">"Loading service accounts…"</p> }>
            {move || Suspend::new(async move {
                let listed = accounts.await;
                view! { <AccountTable listed/> }
            })}
        </Suspense>
        <Modal
            id="create-service-account-dialog"
            title="Create service account"
            open=new_open
            close_label="Cancel"
        >
            <CreateForm create error=create_error/>
        </Modal>
    }
}

/// Name and description of a new service account; the server answers with its id and the page
/// goes there.
#[component]
fn CreateForm(
    create: ServerAction<CreateServiceAccount>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <ActionForm action=create>
            <FormError error/>
            <Field
                label="Name"
                name="name"
                autocomplete="off"
                maxlength=100
                hint="Unique in the organization, e.g. “GitHub Actions”."
                error
            />
            <TextArea
                label="Description (optional)"
                name="description"
                maxlength=1000
                hint="What it does and who looks after it."
                error
            />
            <button type="submit" class="button primary" disabled=move || create.pending().get()>
                "Create service account"
            </button>
        </ActionForm>
    }
}

#[component]
fn AccountTable(listed: Result<(Vec<ServiceAccountView>, i64), AppError>) -> impl IntoView {
    let (accounts, now) = match listed {
        Ok(listed) => listed,
        Err(error) => {
            let forbidden = error.code == ErrorCode::Forbidden;
            return view! {
                <div class="panel">
                    <p class="form-error" role="alert">{error.message}</p>
                    {forbidden.then(|| view! {
                        <p>
                            "Only the organization's Owners and Admins manage service accounts. "
                            "You can create personal API keys on a project you can use, on its "
                            "API keys tab."
                        </p>
                    })}
                </div>
            }
            .into_any();
        }
    };
    if accounts.is_empty() {
        return view! {
            <section class="panel panel-table" aria-labelledby="service-accounts-heading">
                <h2 id="service-accounts-heading" class="visually-hidden">"All service accounts"</h2>
                <div class="empty-state" role="status">
                    <p class="empty-title">"No service accounts yet"</p>
                    <p>
                        "Create one for each system that calls Gatehouse's API, give it a role on "
                        "the projects it works on, then create a key for it."
                    </p>
                </div>
            </section>
        }
        .into_any();
    }
    let summary = count(accounts.len() as i64, "service account", "service accounts");
    view! {
        <section class="panel panel-table" aria-labelledby="service-accounts-heading">
            <h2 id="service-accounts-heading">"All service accounts"</h2>
            <p class="table-summary">{summary}</p>
            <div class="table-scroll">
                <table class="service-accounts-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Description"</th>
                            <th scope="col">"Projects"</th>
                            <th scope="col">"Keys"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col">"Created"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {accounts.into_iter().map(|account| view! { <AccountRow account now/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn AccountRow(account: ServiceAccountView, now: i64) -> impl IntoView {
    let deactivated = account.status == "deactivated";
    let description = if account.description.is_empty() {
        view! { <span class="muted">"No description"</span> }.into_any()
    } else {
        view! { <span class="description">{account.description.clone()}</span> }.into_any()
    };
    let projects = if account.projects.is_empty() {
        view! { <span class="muted">"No projects"</span> }.into_any()
    } else {
        view! {
            <ul class="plain-list">
                {account.projects.clone().into_iter().map(|p| view! {
                    <li>
                        <A href=crate::api::projects::project_path(&p.project_id)>{p.name.clone()}</A>
                        <span class="muted">{format!(" · {}", project_role_label(&p.role))}</span>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let keys = match account.key_count {
        0 => "No keys".to_string(),
        n => count(n, "key", "keys"),
    };
    let last_used = match &account.last_used_at {
        Some(iso) => {
            let text =
                time::parse_iso(iso).map_or_else(|| iso.clone(), |at| time::relative(at, now));
            view! { <time datetime=iso.clone() title=time::exact(iso)>{text}</time> }.into_any()
        }
        None => view! { <span class="muted">"Never used"</span> }.into_any(),
    };
    let day =
        time::parse_iso(&account.created_at).map_or_else(String::new, |at| time::day(at, now));
    let by = account
        .created_by
        .as_ref()
        .map_or_else(|| "On ".to_string(), |by| format!("By {by} on "));
    let (href, name) = (service_account_path(&account.id), account.name.clone());
    view! {
        <tr class:deactivated=deactivated data-service-account=account.name.clone()>
            <th scope="row" class="team-name">
                <A href=href>{name}</A>
                {deactivated.then(|| view! { " " <span class="status deactivated">"Deactivated"</span> })}
            </th>
            <td data-label="Description">{description}</td>
            <td data-label="Projects">{projects}</td>
            <td data-label="Keys">{keys}</td>
            <td data-label="Last used">{last_used}</td>
            <td data-label="Created" class="muted">
                {by}<time datetime=account.created_at.clone() title=time::exact(&account.created_at)>{day}</time>
            </td>
        </tr>
    }
}
