//! `/settings/teams`: the teams the caller can see — every team for Owners and Admins, the teams
//! they are in for Members — with their members, lead and projects counted, searchable and paged
//! on the server. Owners and Admins create teams here ("Create Team": a dialog, or without
//! JavaScript the same form on the page) with a name, a description, their first members and an
//! optional lead. The server decides what is listed and who may create.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::teams::{
    CandidateView, CreateTeam, TEAMS_PATH, TeamList, TeamView, list_teams, team_path,
};
use crate::auth::use_auth;
use crate::components::dialog::{Modal, OpenDialogButton};
use crate::components::form::{Field, FormError, FormStatus, TextArea, action_error};
use crate::components::pager::Pager;
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::load::load;
use crate::pages::team::picker::{Picker, PickerFields, PickerSearchForm};
use crate::saved::{Saved, SettingsPage, saved_message};

/// What the list shows: the search and the page, from the URL.
#[derive(Clone, PartialEq, Eq)]
struct Filter {
    query: String,
    page: i64,
}

impl Filter {
    fn link(&self, page: i64) -> String {
        let page = (page > 1).then(|| page.to_string());
        crate::paths::with_query(
            TEAMS_PATH,
            &[
                ("q", (!self.query.is_empty()).then_some(self.query.as_str())),
                ("page", page.as_deref()),
            ],
        )
    }
}

#[component]
pub fn TeamsPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let query = query.read();
        Filter {
            query: query.get("q").unwrap_or_default(),
            page: query
                .get("page")
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(1)
                .max(1),
        }
    });
    // Without JavaScript, "Create Team" comes back here with `?new=1` and the form is inline.
    let asked_new = Memo::new(move |_| query.read().get("new").is_some());
    let create = ServerAction::<CreateTeam>::new();
    let create_error = action_error(create);
    let new_open = RwSignal::new(false);
    let picker = Picker::new(
        String::new,
        RwSignal::new(0),
        query.read_untracked().get("find"),
    );
    let lead = RwSignal::new(None::<CandidateView>);
    let teams = load(
        move || filter.get(),
        |filter| async move { list_teams(Some(filter.query), Some(filter.page)).await },
    );
    Effect::new(move |_| {
        if let Some(error) = create_error.get() {
            auth.expired(&error);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            new_open.set(false);
            picker.clear();
            lead.set(None);
            toasts.show(Saved::TeamCreated.toast());
            navigate(&team_path(&created.id), Default::default());
        }
    });
    let status = saved_message(SettingsPage::Teams);

    view! {
        <Title text="Teams"/>
        <div class="page-head">
            <h1>"Teams"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    let list = teams.await.ok()?;
                    list.can_create.then(|| view! {
                        <OpenDialogButton label="Create Team" param="new" open=new_open class="button primary"/>
                    })
                })}
            </Suspense>
        </div>
        <p class="panel-intro page-intro">
            "A team gives a group of members project roles together: add the team on a project's "
            "Members tab and everyone in it gets that role."
        </p>
        <FormStatus message=status/>
        <Show when=move || asked_new.get()>
            <section class="panel panel-wide" aria-labelledby="create-team-heading">
                <h2 id="create-team-heading">"Create Team"</h2>
                <CreateTeamForm create error=create_error picker lead/>
            </section>
        </Show>
        <Suspense fallback=|| view! { <p class="loading">"Loading teams…"</p> }>
            {move || Suspend::new(async move {
                let listed = teams.await;
                view! { <TeamTable listed filter=filter.get_untracked()/> }
            })}
        </Suspense>
        <Modal id="create-team-dialog" title="Create Team" open=new_open close_label="Cancel">
            <CreateTeamForm create error=create_error picker lead/>
        </Modal>
    }
}

/// Name, description, members and lead of a new team; the server answers with its id and the
/// page goes there.
#[component]
fn CreateTeamForm(
    create: ServerAction<CreateTeam>,
    error: Signal<Option<AppError>>,
    picker: Picker,
    lead: RwSignal<Option<CandidateView>>,
) -> impl IntoView {
    view! {
        <ActionForm action=create attr:class="create-team">
            <FormError error/>
            <Field label="Name" name="name" autocomplete="off" maxlength=100 error/>
            <TextArea label="Description (optional)" name="description" maxlength=1000 error/>
            <PickerFields
                picker
                search_form="create-team-search"
                input_id="create-team-find"
                errors_id="create-team-people-errors"
                label="Members"
                error
            />
            <LeadChoice picker lead/>
            <button type="submit" class="button primary" disabled=move || create.pending().get()>
                "Create Team"
            </button>
        </ActionForm>
        <PickerSearchForm id="create-team-search" picker keep=("new", "1")/>
    }
}

/// "Team lead (optional)": nobody, or one of the people selected or found (who then joins the
/// team too).
#[component]
fn LeadChoice(picker: Picker, lead: RwSignal<Option<CandidateView>>) -> impl IntoView {
    let options = move || {
        Suspend::new(async move {
            let found = picker.found().await;
            let mut choices: Vec<CandidateView> = Vec::new();
            let chosen = lead.get();
            for candidate in chosen
                .iter()
                .cloned()
                .chain(picker.selected.get())
                .chain(found)
            {
                if !choices.iter().any(|c| c.user_id == candidate.user_id) {
                    choices.push(candidate);
                }
            }
            let chosen_id = chosen.map(|c| c.user_id);
            let on_change = {
                let choices = choices.clone();
                move |ev: leptos::ev::Event| {
                    let id = event_target_value(&ev);
                    lead.set(choices.iter().find(|c| c.user_id == id).cloned());
                }
            };
            view! {
                <select
                    id="create-team-lead"
                    name="lead_user_id"
                    aria-describedby="create-team-lead-hint"
                    on:change=on_change
                >
                    <option value="" selected=chosen_id.is_none()>"No lead"</option>
                    {choices.into_iter().map(|c| {
                        let selected = chosen_id.as_deref() == Some(c.user_id.as_str());
                        view! {
                            <option value=c.user_id.clone() selected=selected>
                                {format!("{} ({})", c.name, c.email)}
                            </option>
                        }
                    }).collect_view()}
                </select>
            }
        })
    };
    view! {
        <div class="field">
            <label for="create-team-lead">"Team lead (optional)"</label>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>{options}</Transition>
            <p class="field-hint" id="create-team-lead-hint">
                "The lead adds and removes the team's members and sees its project access. Choose "
                "among the members selected or found above; the lead joins the team."
            </p>
        </div>
    }
}

#[component]
fn TeamTable(listed: Result<TeamList, AppError>, filter: Filter) -> impl IntoView {
    let list = match listed {
        Ok(list) => list,
        Err(err) => return view! { <p class="form-error">{err.message}</p> }.into_any(),
    };
    let pages = crate::components::pager::page_count(list.total, list.page_size);
    let first = (list.page - 1) * list.page_size + 1;
    let last = first + list.teams.len() as i64 - 1;
    let summary = match list.total {
        0 => None,
        total if pages > 1 => Some(format!("Showing {first}–{last} of {total}")),
        1 => Some("1 team".to_string()),
        total => Some(format!("{total} teams")),
    };
    let body = if list.teams.is_empty() {
        empty_state(!filter.query.is_empty(), list.can_create).into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="teams-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Description"</th>
                            <th scope="col">"Members"</th>
                            <th scope="col">"Lead"</th>
                            <th scope="col">"Projects"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.teams.into_iter().map(|team| view! { <TeamRow team/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let page_link = {
        let filter = filter.clone();
        move |page: i64| filter.link(page)
    };
    let heading = if list.can_create {
        "All teams"
    } else {
        "Your teams"
    };
    view! {
        <section class="panel panel-table" aria-labelledby="teams-heading">
            <div class="panel-head">
                <h2 id="teams-heading">{heading}</h2>
                <Form method="GET" action="" attr:class="search" attr:role="search">
                    <label for="team-search" class="visually-hidden">"Search teams"</label>
                    <input
                        id="team-search"
                        type="search"
                        name="q"
                        placeholder="Search teams"
                        maxlength="100"
                        value=filter.query.clone()
                    />
                    <button type="submit" class="button">"Search"</button>
                </Form>
            </div>
            {summary.map(|text| view! { <p class="table-summary" role="status">{text}</p> })}
            {body}
            <Pager page=list.page total=list.total page_size=list.page_size link=page_link/>
        </section>
    }
    .into_any()
}

/// What an empty list says: why it is empty and what to do next.
fn empty_state(searching: bool, can_create: bool) -> impl IntoView + use<> {
    let (title, text) = if searching {
        ("No teams match", "Try another name or clear the search.")
    } else if can_create {
        (
            "No teams yet",
            "Create a team, add members of the organization to it, then give it a role on \
             projects: everyone in the team gets that role.",
        )
    } else {
        (
            "You are not in any team yet",
            "Teams you are added to are listed here. Owners and Admins of your organization \
             create teams and choose who is in them.",
        )
    };
    view! {
        <div class="empty-state" role="status">
            <p class="empty-title">{title}</p>
            <p>{text}</p>
        </div>
    }
}

/// How many of something, in words: "1 member", "3 members".
pub fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[component]
fn TeamRow(team: TeamView) -> impl IntoView {
    let description = if team.description.is_empty() {
        view! { <span class="muted">"No description"</span> }.into_any()
    } else {
        view! { <span class="description">{team.description.clone()}</span> }.into_any()
    };
    let place = if team.is_lead {
        Some("You lead it")
    } else if team.is_member {
        Some("You are in it")
    } else {
        None
    };
    let lead = match &team.lead {
        Some(lead) => view! { <span>{lead.name.clone()}</span> }.into_any(),
        None => view! { <span class="muted">"No lead"</span> }.into_any(),
    };
    let (name, href) = (team.name.clone(), team_path(&team.id));
    view! {
        <tr data-team=team.name.clone()>
            <th scope="row" class="team-name">
                <A href=href>{name}</A>
                {place.map(|text| view! { " " <span class="badge">{text}</span> })}
            </th>
            <td data-label="Description">{description}</td>
            <td data-label="Members">{count(team.member_count, "member", "members")}</td>
            <td data-label="Lead">{lead}</td>
            <td data-label="Projects">{count(team.project_count, "project", "projects")}</td>
        </tr>
    }
}
