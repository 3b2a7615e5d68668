//! The Members tab's "Teams": the teams holding a role on the project — name, role (a dropdown
//! where the caller may change it), how many people are in it, who added it and when, Remove —
//! and "Add team": a type-ahead over the organization's teams (the first ten show on focus), a
//! role (Admin, Member, Viewer) and "Add team". Everyone in a team holds its role.
//!
//! Without JavaScript the search is a GET form (`?team_q=`) whose page lists the teams found as
//! radio buttons named `team_id` in the form that posts to `add_project_team`.

use std::time::Duration;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::projects::{
    AddProjectTeam, ProjectTeamList, ProjectTeamView, RemoveProjectTeam, TeamCandidateView,
    UpdateProjectTeamRole, list_project_teams, project_team_candidates,
};
use crate::components::form::{FieldMessages, FormError, action_error};
use crate::error::AppError;
use crate::load::{Loaded, load};
use crate::pages::projects::project_role_label;
use crate::time;

const ROLES: [&str; 3] = ["admin", "member", "viewer"];

/// The Teams section's actions, list and type-ahead, created with the tab (outside any
/// `Suspense`, so server and browser create the resources in the same order).
#[derive(Clone, Copy)]
pub(super) struct TeamState {
    project_id: Memo<String>,
    pub add: ServerAction<AddProjectTeam>,
    pub update_role: ServerAction<UpdateProjectTeamRole>,
    pub remove: ServerAction<RemoveProjectTeam>,
    /// The team the remove dialog is about.
    pub target: RwSignal<Option<ProjectTeamView>>,
    pub confirm_remove: RwSignal<bool>,
    pub list: Loaded<Result<(ProjectTeamList, i64), AppError>>,
    /// What the search box holds, and what was searched (once typing paused, or on Enter).
    typed: RwSignal<String>,
    query: RwSignal<String>,
    /// Whether the type-ahead has been opened (focused, or `?team_q=` without JavaScript):
    /// until then nothing is fetched.
    opened: RwSignal<bool>,
    candidates: Loaded<Result<Vec<TeamCandidateView>, AppError>>,
    selected: RwSignal<Option<TeamCandidateView>>,
    role: RwSignal<String>,
    announced: RwSignal<String>,
}

impl TeamState {
    /// `changed` is the tab's: bumped when any change went through, it reloads the list.
    pub fn new(project_id: Memo<String>, changed: RwSignal<u32>, initial: Option<String>) -> Self {
        let opened = RwSignal::new(initial.is_some());
        let initial = initial.unwrap_or_default();
        let typed = RwSignal::new(initial.clone());
        let query = RwSignal::new(initial);
        let list = load(
            move || (project_id.get(), changed.get()),
            |(id, _)| async move {
                list_project_teams(id)
                    .await
                    .map(|list| (list, time::now_millis()))
            },
        );
        let candidates = load(
            move || (project_id.get(), query.get(), opened.get(), changed.get()),
            |(id, query, opened, _)| async move {
                if opened {
                    project_team_candidates(id, query).await
                } else {
                    Ok(Vec::new())
                }
            },
        );
        let announced = RwSignal::new(String::new());
        Effect::new(move |_| {
            let text = match candidates.get() {
                Some(Ok(found)) if opened.get() => match found.len() {
                    0 => "No team matches".to_string(),
                    1 => "1 team found".to_string(),
                    n => format!("{n} teams found"),
                },
                _ => String::new(),
            };
            announced.set(text);
        });
        Self {
            project_id,
            add: ServerAction::new(),
            update_role: ServerAction::new(),
            remove: ServerAction::new(),
            target: RwSignal::new(None),
            confirm_remove: RwSignal::new(false),
            list,
            typed,
            query,
            opened,
            candidates,
            selected: RwSignal::new(None),
            role: RwSignal::new("member".to_string()),
            announced,
        }
    }

    /// After a team was added: nothing selected, the search empty.
    pub fn reset(self) {
        self.selected.set(None);
        self.typed.set(String::new());
        self.query.set(String::new());
    }
}

/// The Teams section: the list, and "Add team" for those who may manage.
#[component]
pub(super) fn ProjectTeams(state: TeamState) -> impl IntoView {
    let row_error = {
        let (update, remove) = (action_error(state.update_role), action_error(state.remove));
        Signal::derive(move || update.get().or_else(|| remove.get()))
    };
    let add_error = action_error(state.add);
    view! {
        <section class="panel panel-table" aria-labelledby="project-teams-heading">
            <h2 id="project-teams-heading">"Teams"</h2>
            <p class="panel-intro">"Everyone in a team holds the team's role on this project."</p>
            <FormError error=row_error/>
            <Transition fallback=|| view! { <p class="loading">"Loading teams…"</p> }>
                {move || Suspend::new(async move {
                    match state.list.await {
                        Ok((list, now)) => view! { <TeamTable list now state/> }.into_any(),
                        Err(error) => view! { <p class="form-error">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let can_manage = state.list.await.is_ok_and(|(list, _)| list.can_manage);
                    can_manage.then(|| view! { <AddTeam state error=add_error/> })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TeamTable(list: ProjectTeamList, now: i64, state: TeamState) -> impl IntoView {
    if list.teams.is_empty() {
        return view! { <p class="table-summary">"No team has a role on this project."</p> }
            .into_any();
    }
    let summary = match list.teams.len() {
        1 => "1 team has access".to_string(),
        n => format!("{n} teams have access"),
    };
    let can_manage = list.can_manage;
    let rows = list
        .teams
        .into_iter()
        .map(|team| view! { <TeamRow team now can_manage state/> })
        .collect_view();
    view! {
        <p class="table-summary">{summary}</p>
        <div class="table-scroll">
            <table class="members-table project-teams-table">
                <thead>
                    <tr>
                        <th scope="col">"Team"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Members"</th>
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

fn people(count: i64) -> String {
    match count {
        1 => "1 person".to_string(),
        n => format!("{n} people"),
    }
}

#[component]
fn TeamRow(team: ProjectTeamView, now: i64, can_manage: bool, state: TeamState) -> impl IntoView {
    let name = team.name.clone();
    let team_id = team.team_id.clone();
    let role_cell = if can_manage {
        let team_id = team_id.clone();
        let current = team.role.clone();
        view! {
            <ActionForm action=state.update_role attr:class="role-form">
                <input type="hidden" name="project_id" value=state.project_id.get_untracked()/>
                <input type="hidden" name="team_id" value=team_id/>
                <select name="role" aria-label=format!("Project role of team {name}")>
                    {ROLES.iter().map(|role| view! {
                        <option value=*role selected=*role == current>{project_role_label(role)}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button small">"Update role"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! { <span>{project_role_label(&team.role)}</span> }.into_any()
    };
    let day = time::parse_iso(&team.added_at).map_or_else(String::new, |at| time::day(at, now));
    let by = team
        .added_by
        .as_ref()
        .map_or_else(|| "On ".to_string(), |by| format!("By {by} on "));
    let actions_cell = can_manage.then(|| {
        let target = team.clone();
        let team_id = team_id.clone();
        let label = format!("Remove team {} from the project", team.name);
        view! {
            <td>
                <ActionForm action=state.remove>
                    <input type="hidden" name="project_id" value=state.project_id.get_untracked()/>
                    <input type="hidden" name="team_id" value=team_id/>
                    <button
                        type="submit"
                        class="button small danger-text"
                        aria-label=label
                        on:click=move |ev| {
                            ev.prevent_default();
                            state.target.set(Some(target.clone()));
                            state.confirm_remove.set(true);
                        }
                    >
                        "Remove"
                    </button>
                </ActionForm>
            </td>
        }
    });
    view! {
        <tr data-team=team.name.clone()>
            <th scope="row" class="member-name">{team.name.clone()}</th>
            <td>{role_cell}</td>
            <td>{people(team.member_count)}</td>
            <td class="muted">
                {by}<time datetime=team.added_at.clone() title=time::exact(&team.added_at)>{day}</time>
            </td>
            {actions_cell}
        </tr>
    }
}

/// "Add team": search, pick one team, choose a role, "Add team".
#[component]
fn AddTeam(state: TeamState, error: Signal<Option<AppError>>) -> impl IntoView {
    let mut search_later = debounce(Duration::from_millis(250), move |text: String| {
        state.query.set(text);
    });
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        state.typed.set(text.clone());
        state.opened.set(true);
        search_later(text);
    };
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        state.opened.set(true);
        state.query.set(state.typed.get_untracked());
    };
    let on_add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        state.add.dispatch(AddProjectTeam {
            project_id: state.project_id.get_untracked(),
            team_id: state
                .selected
                .get_untracked()
                .map(|t| t.team_id)
                .unwrap_or_default(),
            role: state.role.get_untracked(),
        });
    };
    let results = move || {
        Suspend::new(async move {
            let opened = state.opened.get();
            let query = state.query.get();
            let found = state.candidates.await;
            if !opened {
                return view! {
                    <p class="muted">"Type a team's name, or click Search to see the organization's teams."</p>
                }
                .into_any();
            }
            let found = match found {
                Ok(found) => found,
                Err(error) => {
                    return view! { <p class="form-error">{error.message}</p> }.into_any();
                }
            };
            if found.is_empty() {
                let text = if query.trim().is_empty() {
                    "Every team of the organization already has a role here, or there are no teams yet.".to_string()
                } else {
                    format!("No team without a role here matches “{}”.", query.trim())
                };
                return view! { <p class="muted">{text}</p> }.into_any();
            }
            view! {
                <fieldset class="candidates">
                    <legend>"Teams found"</legend>
                    {found.into_iter().map(|candidate| {
                        let id = candidate.team_id.clone();
                        let chosen = candidate.clone();
                        view! {
                            <label class="check candidate">
                                <input
                                    type="radio"
                                    name="team_id"
                                    value=candidate.team_id.clone()
                                    prop:checked=move || {
                                        state.selected.read().as_ref().is_some_and(|t| t.team_id == id)
                                    }
                                    aria-describedby="add-team-errors"
                                    on:change=move |_| state.selected.set(Some(chosen.clone()))
                                />
                                <span class="candidate-name">{candidate.name.clone()}</span>
                                <span class="muted candidate-email">{people(candidate.member_count)}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            }
            .into_any()
        })
    };
    let chosen = move || {
        state.selected.get().map(|team| {
            view! {
                <p class="selected-team">
                    "Selected: " <strong>{team.name.clone()}</strong> " "
                    <button
                        type="button"
                        class="button small link-like"
                        aria-label=format!("Unselect {}", team.name)
                        on:click=move |_| state.selected.set(None)
                    >
                        "Unselect"
                    </button>
                </p>
            }
        })
    };
    view! {
        <div class="add-team" role="region" aria-labelledby="add-team-heading">
            <h3 id="add-team-heading">"Add team"</h3>
            <form method="get" action="" class="search add-search" role="search" on:submit=on_search>
                <label for="team-search">"Search teams by name"</label>
                <div class="search-row">
                    <input
                        id="team-search"
                        type="search"
                        name="team_q"
                        autocomplete="off"
                        maxlength="100"
                        value=state.typed.get_untracked()
                        prop:value=move || state.typed.get()
                        on:input=on_input
                        on:focus=move |_| state.opened.set(true)
                    />
                    <button type="submit" class="button">"Search"</button>
                </div>
            </form>
            <p class="visually-hidden" role="status">{move || state.announced.get()}</p>
            <form method="post" action=AddProjectTeam::PATH class="add-members" on:submit=on_add>
                <FormError error/>
                <input type="hidden" name="project_id" value=state.project_id.get_untracked()/>
                {chosen}
                <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>{results}</Transition>
                <FieldMessages id="add-team-errors" names=&["team_id"] error/>
                <div class="add-row">
                    <div class="field">
                        <label for="add-team-role">"Role"</label>
                        <select
                            id="add-team-role"
                            name="role"
                            on:change=move |ev| state.role.set(event_target_value(&ev))
                        >
                            <option value="admin">"Admin"</option>
                            <option value="member" selected>"Member"</option>
                            <option value="viewer">"Viewer"</option>
                        </select>
                    </div>
                    <button
                        type="submit"
                        class="button primary"
                        disabled=move || state.add.pending().get()
                    >
                        "Add team"
                    </button>
                </div>
                <p class="field-hint">
                    "Admin: view, use and edit the project and manage its members. "
                    "Member: view and use. Viewer: view only."
                </p>
            </form>
        </div>
    }
}
