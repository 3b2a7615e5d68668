//! `/settings/teams/:id`: one team — its name and description, its members (the lead marked),
//! and the projects it holds a role on. Its lead and the organization's Owners and Admins add
//! and remove members; Owners and Admins also edit it, choose its lead and delete it. Everyone
//! who can see the team sees its project access; the roles themselves are given on each
//! project's Members tab. Every action is also a plain form post: "Edit" and "Delete team" come
//! back as forms on the page (`?edit=1`, `?delete=1`) without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::teams::{
    AddTeamMembers, DeleteTeam, RemoveTeamMember, SetTeamLead, TEAMS_PATH, TeamMemberView,
    TeamProjectView, TeamView, UpdateTeam, get_team, list_team_projects,
};
use crate::auth::use_auth;
use crate::components::dialog::{ConfirmDialog, Modal, OpenDialogButton};
use crate::components::form::{Field, FormError, FormStatus, TextArea, action_error};
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::load::{Loaded, load};
use crate::pages::projects::project_role_label;
use crate::pages::teams::count;
use crate::saved::{Saved, SettingsPage, saved_message};

mod members;
pub mod picker;

/// The team in view, what changes it, and the state its sections share.
#[derive(Clone, Copy)]
pub struct TeamActions {
    pub id: Memo<String>,
    pub team: Loaded<Result<TeamView, AppError>>,
    pub update: ServerAction<UpdateTeam>,
    pub delete: ServerAction<DeleteTeam>,
    pub add: ServerAction<AddTeamMembers>,
    pub remove: ServerAction<RemoveTeamMember>,
    pub set_lead: ServerAction<SetTeamLead>,
    /// The member the remove dialog is about.
    pub target: RwSignal<Option<TeamMemberView>>,
    pub confirm_remove: RwSignal<bool>,
    /// Whether the removal asked for takes the caller out of a team they will no longer see (its
    /// lead leaving): the page then goes back to the list.
    pub leaving: RwSignal<bool>,
    /// Bumped when a change went through: the team, its members and the type-ahead reload.
    pub changed: RwSignal<u32>,
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let auth = use_auth();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let changed = RwSignal::new(0u32);
    let actions = TeamActions {
        id,
        team: load(move || (id.get(), changed.get()), |(id, _)| get_team(id)),
        update: ServerAction::new(),
        delete: ServerAction::new(),
        add: ServerAction::new(),
        remove: ServerAction::new(),
        set_lead: ServerAction::new(),
        target: RwSignal::new(None),
        confirm_remove: RwSignal::new(false),
        leaving: RwSignal::new(false),
        changed,
    };
    let projects = load(move || id.get(), list_team_projects);
    let update_error = action_error(actions.update);
    let delete_error = action_error(actions.delete);
    Effect::new(move |_| {
        for error in [update_error.get(), delete_error.get()]
            .into_iter()
            .flatten()
        {
            auth.expired(&error);
        }
    });
    let edit_open = RwSignal::new(false);
    let delete_open = RwSignal::new(false);
    let done = |value: Option<Result<(), AppError>>| matches!(value, Some(Ok(())));
    Effect::new(move |_| {
        if done(actions.update.value().get()) {
            edit_open.set(false);
            changed.update(|n| *n += 1);
            toasts.show(Saved::TeamSaved.toast());
        }
    });
    Effect::new(move |_| {
        if done(actions.delete.value().get()) {
            toasts.show(Saved::TeamDeleted.toast());
            navigate(TEAMS_PATH, Default::default());
        }
    });
    // Without JavaScript, "Edit" and "Delete team" come back with `?edit=1` / `?delete=1`.
    let asked_edit = Memo::new(move |_| query.read().get("edit").is_some());
    let asked_delete = Memo::new(move |_| query.read().get("delete").is_some());
    let saved = saved_message(SettingsPage::Team);
    let picker = picker::Picker::new(
        move || id.get(),
        changed,
        query.read_untracked().get("find"),
    );

    view! {
        <p class="breadcrumb"><A href=TEAMS_PATH>"← All teams"</A></p>
        <Transition fallback=|| view! { <p class="loading">"Loading team…"</p> }>
            {move || Suspend::new(async move {
                match actions.team.await {
                    Ok(team) => view! {
                        <Title text=team.name.clone()/>
                        <TeamHead team edit_open delete_open/>
                    }
                    .into_any(),
                    Err(error) => view! {
                        <Title text="Team not found"/>
                        <h1>"Team not found"</h1>
                        <p class="form-error">{error.message}</p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
        <FormStatus message=saved/>
        <Transition>
            {move || Suspend::new(async move {
                let team = actions.team.await.ok()?;
                team.can_edit.then(|| view! {
                    {asked_edit.get().then(|| view! {
                        <section class="panel" aria-labelledby="edit-team-heading">
                            <h2 id="edit-team-heading">"Edit team"</h2>
                            <EditForm team=team.clone() actions error=update_error/>
                        </section>
                    })}
                    {asked_delete.get().then(|| view! {
                        <section class="panel" aria-labelledby="delete-team-heading">
                            <h2 id="delete-team-heading">"Delete team"</h2>
                            <DeleteForm team=team.clone() actions error=delete_error/>
                        </section>
                    })}
                })
            })}
        </Transition>
        <members::TeamMembers actions picker/>
        <Transition>
            {move || Suspend::new(async move {
                actions.team.await.ok()?;
                let listed = projects.await;
                Some(view! { <TeamProjects listed/> })
            })}
        </Transition>
        <Modal id="edit-team-dialog" title="Edit team" open=edit_open close_label="Cancel">
            <Transition>
                {move || Suspend::new(async move {
                    let team = actions.team.await.ok()?;
                    Some(view! { <EditForm team actions error=update_error/> })
                })}
            </Transition>
        </Modal>
        <ConfirmDialog
            id="delete-team-dialog"
            // Read only while open: a closed dialog's title renders with the page, where the
            // resource is read inside a `<Transition>` (server and hydration then agree).
            title=Signal::derive(move || {
                delete_open
                    .get()
                    .then(|| actions.team.get().and_then(Result::ok))
                    .flatten()
                    .map(|team| format!("Delete team {}?", team.name))
                    .unwrap_or_default()
            })
            confirm_label="Delete team"
            open=delete_open
            on_confirm=move |()| {
                actions.delete.dispatch(DeleteTeam { team_id: id.get_untracked() });
            }
        >
            <p>{DELETE_WARNING}</p>
        </ConfirmDialog>
    }
}

const DELETE_WARNING: &str = "Its members lose the project roles the team gives them on their \
     next request; they stay members of the organization. This cannot be undone.";

#[component]
fn TeamHead(
    team: TeamView,
    edit_open: RwSignal<bool>,
    delete_open: RwSignal<bool>,
) -> impl IntoView {
    let place = if team.is_lead {
        Some("You lead this team")
    } else if team.is_member {
        Some("You are in this team")
    } else {
        None
    };
    let description = if team.description.is_empty() {
        view! { <p class="muted team-description">"No description"</p> }.into_any()
    } else {
        view! { <p class="description team-description">{team.description.clone()}</p> }.into_any()
    };
    let lead = team.lead.as_ref().map_or_else(
        || "No lead".to_string(),
        |lead| format!("Lead: {}", lead.name),
    );
    let facts = format!(
        "{lead} · {} · {}",
        count(team.member_count, "member", "members"),
        count(team.project_count, "project", "projects")
    );
    view! {
        <div class="page-head team-head">
            <div class="project-head">
                <h1>{team.name.clone()}</h1>
                {place.map(|text| view! { <span class="badge">{text}</span> })}
            </div>
            {team.can_edit.then(|| view! {
                <div class="actions">
                    <OpenDialogButton label="Edit" aria_label="Edit team" param="edit" open=edit_open/>
                    <OpenDialogButton
                        label="Delete team"
                        param="delete"
                        open=delete_open
                        class="button danger-text"
                    />
                </div>
            })}
        </div>
        {description}
        <p class="team-facts muted">{facts}</p>
    }
}

/// Name and description (Owners and Admins).
#[component]
fn EditForm(
    team: TeamView,
    actions: TeamActions,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <ActionForm action=actions.update>
            <FormError error/>
            <input type="hidden" name="team_id" value=team.id.clone()/>
            <Field label="Name" name="name" autocomplete="off" maxlength=100 value=team.name.clone() error/>
            <TextArea
                label="Description (optional)"
                name="description"
                maxlength=1000
                value=team.description.clone()
                error
            />
            <button type="submit" class="button primary" disabled=move || actions.update.pending().get()>
                "Save"
            </button>
        </ActionForm>
    }
}

/// Deleting asks first (the confirmation dialog's content, on the page without JavaScript).
#[component]
fn DeleteForm(
    team: TeamView,
    actions: TeamActions,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <ActionForm action=actions.delete>
            <FormError error/>
            <input type="hidden" name="team_id" value=team.id.clone()/>
            <p>"This deletes " <strong>{team.name.clone()}</strong> ". " {DELETE_WARNING}</p>
            <button type="submit" class="button danger" disabled=move || actions.delete.pending().get()>
                "Delete team"
            </button>
        </ActionForm>
    }
}

/// The projects the team holds a role on, read-only here.
#[component]
fn TeamProjects(listed: Result<Vec<TeamProjectView>, AppError>) -> impl IntoView {
    let body = match listed {
        Err(error) => view! { <p class="form-error">{error.message}</p> }.into_any(),
        Ok(projects) if projects.is_empty() => view! {
            <div class="empty-state" role="status">
                <p class="empty-title">"No projects yet"</p>
                <p>
                    "This team holds no role on any project. A project's Admins can add the team "
                    "on the project's Members tab."
                </p>
            </div>
        }
        .into_any(),
        Ok(projects) => view! {
            <div class="table-scroll">
                <table class="team-projects-table">
                    <thead>
                        <tr>
                            <th scope="col">"Project"</th>
                            <th scope="col">"Team's role"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {projects.into_iter().map(|project| view! {
                            <tr>
                                <th scope="row" class="project-name">
                                    <A href=crate::api::projects::project_path(&project.project_id)>{project.name.clone()}</A>
                                    {project.archived.then(|| view! { " " <span class="badge muted-badge">"Archived"</span> })}
                                </th>
                                <td>{project_role_label(&project.role)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
    };
    view! {
        <section class="panel panel-table" aria-labelledby="team-projects-heading">
            <h2 id="team-projects-heading">"Projects"</h2>
            <p class="panel-intro">
                "Everyone in the team has these roles. A project's Admins give and change them on "
                "the project's Members tab."
            </p>
            {body}
        </section>
    }
}
