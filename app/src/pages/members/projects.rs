//! A member's projects, opened from their row on the Members screen ("Projects"): each project
//! they can reach with their role and the reasons ("Edit — Admin of the organization"). Owners
//! and Admins open anyone's; everyone opens their own. A dialog, or without JavaScript a panel
//! on the page (`?projects=<user id>`).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::projects::{MemberProjectView, list_member_projects, project_path};
use crate::components::dialog::Modal;
use crate::error::AppError;
use crate::load::{Loaded, load};
use crate::pages::projects::project_role_label;

/// Whose projects are shown, and the list. Created with the page, outside any `Suspense`.
#[derive(Clone, Copy)]
pub(super) struct MemberProjects {
    /// The member's id and name.
    pub who: RwSignal<Option<(String, String)>>,
    pub open: RwSignal<bool>,
    list: Loaded<Option<Result<Vec<MemberProjectView>, AppError>>>,
}

impl MemberProjects {
    /// `asked`: the member named by the URL (`?projects=<user id>`), for the no-JavaScript panel.
    pub fn new(asked: Option<String>) -> Self {
        let who = RwSignal::new(asked.map(|id| (id, String::new())));
        let list = load(
            move || who.with(|who| who.as_ref().map(|(id, _)| id.clone())),
            |id| async move {
                match id {
                    Some(id) => Some(list_member_projects(id).await),
                    None => None,
                }
            },
        );
        Self {
            who,
            open: RwSignal::new(false),
            list,
        }
    }

    /// Shows `name`'s projects.
    pub fn show(self, user_id: String, name: String) {
        self.who.set(Some((user_id, name)));
    }

    /// The title the dialog and the panel share.
    fn title(self) -> String {
        match self.who.get() {
            Some((_, name)) if !name.is_empty() => format!("Projects of {name}"),
            _ => "Projects".to_string(),
        }
    }
}

/// The list itself, loading as needed.
#[component]
fn ProjectList(state: MemberProjects) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading projects…"</p> }>
            {move || Suspend::new(async move {
                match state.list.await {
                    None => ().into_any(),
                    Some(Err(error)) => view! { <p class="form-error">{error.message}</p> }.into_any(),
                    Some(Ok(projects)) if projects.is_empty() => view! {
                        <p>"No projects: they have no access to any project of this organization."</p>
                    }
                    .into_any(),
                    Some(Ok(projects)) => view! {
                        <ul class="member-projects">
                            {projects.into_iter().map(|project| view! { <Entry project/> }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Entry(project: MemberProjectView) -> impl IntoView {
    view! {
        <li>
            <p class="member-project-head">
                <A href=project_path(&project.project_id)>{project.name.clone()}</A>
                " "
                <span class="badge">{project_role_label(&project.role)}</span>
                {project.archived.then(|| view! { " " <span class="badge muted-badge">"Archived"</span> })}
            </p>
            <ul class="reasons">
                {project.reasons.into_iter().map(|reason| view! { <li>{reason}</li> }).collect_view()}
            </ul>
        </li>
    }
}

#[component]
pub(super) fn MemberProjectsDialog(state: MemberProjects) -> impl IntoView {
    view! {
        <Modal id="member-projects-dialog" title=Signal::derive(move || state.title()) open=state.open>
            <ProjectList state/>
        </Modal>
    }
}

/// The same list on the page, for the no-JavaScript visit with `?projects=<user id>`.
#[component]
pub(super) fn MemberProjectsPanel(state: MemberProjects, name: Option<String>) -> impl IntoView {
    let title = match name {
        Some(name) => format!("Projects of {name}"),
        None => state.title(),
    };
    view! {
        <section class="panel" aria-labelledby="member-projects-heading">
            <div class="panel-head">
                <h2 id="member-projects-heading">{title}</h2>
                <a href="/settings/members" class="button small">"Close"</a>
            </div>
            <ProjectList state/>
        </section>
    }
}
