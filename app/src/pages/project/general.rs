//! A project's General tab: its name and description (a form for those with Edit, plain text for
//! everyone else), and for organization Owners and Admins archiving, restoring and deleting it.
//! Deleting asks for the project's name, in a dialog or, without JavaScript, on the page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::{ProjectContext, use_project};
use crate::api::projects::ProjectView;
use crate::auth::use_auth;
use crate::components::dialog::{Modal, OpenDialogButton};
use crate::components::form::{Field, FormError, TextArea, action_error};
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::saved::Saved;

#[component]
pub fn ProjectGeneral() -> impl IntoView {
    let context = use_project();
    let auth = use_auth();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let query = use_query_map();
    let update_error = action_error(context.update);
    let archive_error = action_error(context.archive);
    let restore_error = action_error(context.restore);
    let delete_error = action_error(context.delete);
    let lifecycle_error =
        Signal::derive(move || archive_error.get().or_else(|| restore_error.get()));
    Effect::new(move |_| {
        for error in [
            update_error.get(),
            lifecycle_error.get(),
            delete_error.get(),
        ]
        .into_iter()
        .flatten()
        {
            auth.expired(&error);
        }
    });
    let done = |value: Option<Result<(), AppError>>| matches!(value, Some(Ok(())));
    Effect::new(move |_| {
        if done(context.update.value().get()) {
            toasts.show(Saved::ProjectSaved.toast());
        }
    });
    Effect::new(move |_| {
        if done(context.archive.value().get()) {
            toasts.show(Saved::ProjectArchived.toast());
        }
    });
    Effect::new(move |_| {
        if done(context.restore.value().get()) {
            toasts.show(Saved::ProjectRestored.toast());
        }
    });
    let delete_open = RwSignal::new(false);
    Effect::new(move |_| {
        if done(context.delete.value().get()) {
            delete_open.set(false);
            toasts.show(Saved::ProjectDeleted.toast());
            navigate("/projects", Default::default());
        }
    });
    // Without JavaScript, "Delete project" comes back with `?delete=1` and asks on the page.
    let asked_delete = Memo::new(move |_| query.read().get("delete").is_some());

    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let project = context.project.await.ok()?;
                Some(view! {
                    <Title text=format!("{} · General", project.name)/>
                    <Details project=project.clone() context error=update_error/>
                    {project.can_archive.then(|| view! {
                        <Lifecycle
                            project=project.clone()
                            context
                            error=lifecycle_error
                            delete_error
                            delete_open
                            asked_delete=asked_delete.get_untracked()
                        />
                    })}
                    <Modal id="delete-project-dialog" title="Delete project" open=delete_open close_label="Cancel">
                        <DeleteForm project=project.clone() context error=delete_error/>
                    </Modal>
                })
            })}
        </Transition>
    }
}

/// Name and description: a form with Edit, read-only text otherwise.
#[component]
fn Details(
    project: ProjectView,
    context: ProjectContext,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let body = if project.can_edit {
        view! {
            <ActionForm action=context.update>
                <FormError error/>
                <input type="hidden" name="project_id" value=project.id.clone()/>
                <Field label="Name" name="name" autocomplete="off" maxlength=100 value=project.name.clone() error/>
                <TextArea
                    label="Description (optional)"
                    name="description"
                    maxlength=1000
                    value=project.description.clone()
                    error
                />
                <button type="submit" class="button primary" disabled=move || context.update.pending().get()>
                    "Save"
                </button>
            </ActionForm>
        }
        .into_any()
    } else {
        let description = if project.description.is_empty() {
            view! { <dd class="muted">"No description"</dd> }.into_any()
        } else {
            view! { <dd class="description">{project.description.clone()}</dd> }.into_any()
        };
        let why = if project.archived {
            "The project is archived: nobody can change it until it is restored."
        } else {
            "Only the project's Admins and the organization's Owners and Admins can change it."
        };
        view! {
            <dl class="facts">
                <dt>"Name"</dt>
                <dd>{project.name.clone()}</dd>
                <dt>"Description"</dt>
                {description}
            </dl>
            <p class="field-hint">{why}</p>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="details-heading">
            <h2 id="details-heading">"Details"</h2>
            {body}
        </section>
    }
}

/// Archive or restore, and delete (organization Owners and Admins).
#[component]
fn Lifecycle(
    project: ProjectView,
    context: ProjectContext,
    error: Signal<Option<AppError>>,
    delete_error: Signal<Option<AppError>>,
    delete_open: RwSignal<bool>,
    asked_delete: bool,
) -> impl IntoView {
    let id = project.id.clone();
    let heading = if project.archived {
        "Restore or delete"
    } else {
        "Archive or delete"
    };
    let archive_or_restore = if project.archived {
        view! {
            <p>"Restoring makes the project editable and usable again, with its members' roles as they were."</p>
            <ActionForm action=context.restore>
                <input type="hidden" name="project_id" value=id.clone()/>
                <button type="submit" class="button" disabled=move || context.restore.pending().get()>
                    "Restore"
                </button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <p>
                "Archiving makes the project read-only and lists it under Archived. Members keep "
                "their roles and can still see it."
            </p>
            <ActionForm action=context.archive>
                <input type="hidden" name="project_id" value=id.clone()/>
                <button type="submit" class="button" disabled=move || context.archive.pending().get()>
                    "Archive"
                </button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="lifecycle-heading">
            <h2 id="lifecycle-heading">{heading}</h2>
            <FormError error/>
            {archive_or_restore}
            <div class="danger-zone">
                <p>"Deleting removes the project and every role granted on it. It cannot be undone."</p>
                {if asked_delete {
                    view! { <DeleteForm project context error=delete_error/> }.into_any()
                } else {
                    view! {
                        <OpenDialogButton label="Delete project" param="delete" open=delete_open class="button danger-text"/>
                    }
                    .into_any()
                }}
            </div>
        </section>
    }
}

/// Asks for the project's name before deleting it.
#[component]
fn DeleteForm(
    project: ProjectView,
    context: ProjectContext,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <ActionForm action=context.delete>
            <FormError error/>
            <input type="hidden" name="project_id" value=project.id.clone()/>
            <p>
                "This deletes " <strong>{project.name.clone()}</strong>
                " and every role granted on it. Type its name to confirm."
            </p>
            <Field label="Project name" name="confirm_name" autocomplete="off" maxlength=100 error/>
            <button type="submit" class="button danger" disabled=move || context.delete.pending().get()>
                "Delete project"
            </button>
        </ActionForm>
    }
}
