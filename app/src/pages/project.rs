//! `/projects/:id`, `/projects/:id/members` and `/projects/:id/keys`: one project's frame — its
//! name, the caller's role on it, the archived banner and the tabs (General, Members, API keys) —
//! around the tab in view. The frame loads the project once and shares it, with the actions that
//! change it, through [`ProjectContext`]. The tabs are one route (`/projects/:id/:tab?`), so one
//! chunk of the browser bundle, and switching tabs keeps the frame.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::projects::{
    ArchiveProject, DeleteProject, ProjectView, RestoreProject, UpdateProject, get_project,
    members_path, project_path,
};
use crate::components::form::FormStatus;
use crate::error::AppError;
use crate::load::{Loaded, load};
use crate::pages::projects::{access_label, project_role_label};
use crate::saved::{SettingsPage, saved_message};

pub mod general;
pub mod keys;
pub mod members;

/// The project in view and what changes it, for the tabs.
#[derive(Clone, Copy)]
pub struct ProjectContext {
    pub id: Memo<String>,
    pub project: Loaded<Result<ProjectView, AppError>>,
    pub update: ServerAction<UpdateProject>,
    pub archive: ServerAction<ArchiveProject>,
    pub restore: ServerAction<RestoreProject>,
    pub delete: ServerAction<DeleteProject>,
    /// Bumped by a tab whose change may alter the caller's own access (their role on the
    /// project), so the frame reloads it.
    pub changed: RwSignal<u32>,
}

impl ProjectContext {
    fn provide(id: Memo<String>) -> Self {
        let update = ServerAction::<UpdateProject>::new();
        let archive = ServerAction::<ArchiveProject>::new();
        let restore = ServerAction::<RestoreProject>::new();
        let delete = ServerAction::<DeleteProject>::new();
        let changed = RwSignal::new(0);
        // Reloaded after a change went through only: a refused one keeps the form as typed.
        Effect::new(move |_| {
            let saved = [
                update.value().get(),
                archive.value().get(),
                restore.value().get(),
            ];
            if saved.iter().any(|value| matches!(value, Some(Ok(())))) {
                changed.update(|n| *n += 1);
            }
        });
        let project = load(move || (id.get(), changed.get()), |(id, _)| get_project(id));
        let context = Self {
            id,
            project,
            update,
            archive,
            restore,
            delete,
            changed,
        };
        provide_context(context);
        context
    }
}

pub fn use_project() -> ProjectContext {
    expect_context::<ProjectContext>()
}

#[component]
pub fn ProjectPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let tab = Memo::new(move |_| params.read().get("tab"));
    let context = ProjectContext::provide(id);
    let saved = saved_message(SettingsPage::Project);
    view! {
        <p class="breadcrumb"><A href="/projects">"← All projects"</A></p>
        <Transition fallback=|| view! { <p class="loading">"Loading project…"</p> }>
            {move || Suspend::new(async move {
                match context.project.await {
                    Ok(project) => view! { <ProjectHead project/> }.into_any(),
                    Err(error) => view! {
                        <h1>"Project not found"</h1>
                        <p class="form-error">{error.message}</p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
        <FormStatus message=saved/>
        {move || match tab.get().as_deref() {
            None => view! { <general::ProjectGeneral/> }.into_any(),
            Some("members") => view! { <members::ProjectMembers/> }.into_any(),
            Some("keys") => view! { <keys::ProjectKeys/> }.into_any(),
            Some(_) => view! { <p>"This page does not exist."</p> }.into_any(),
        }}
    }
}

#[component]
fn ProjectHead(project: ProjectView) -> impl IntoView {
    let role = project_role_label(&project.role);
    let via = access_label(&project.access);
    view! {
        <div class="project-head">
            <h1>{project.name.clone()}</h1>
            {project.archived.then(|| view! { <span class="badge muted-badge">"Archived"</span> })}
        </div>
        <p class="project-role">
            "Your role: " <strong>{role}</strong> <span class="muted">{format!(" · {via}")}</span>
        </p>
        {project.archived.then(|| view! {
            <p class="notice warning" role="note">
                <strong>"This project is archived."</strong>
                " It is read-only: nobody can change it or its members until an Owner or Admin of "
                "the organization restores it."
            </p>
        })}
        <nav class="tabs" aria-label="Project sections">
            <A href=project_path(&project.id) exact=true>"General"</A>
            <A href=members_path(&project.id) exact=true>"Members"</A>
            <A href=crate::api::keys::project_keys_path(&project.id) exact=true>"API keys"</A>
        </nav>
    }
}
