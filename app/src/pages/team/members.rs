//! A team's members: the list (the lead first, marked "Lead"), searchable and paged; "Add
//! members" and "Remove" for the team's lead and the organization's Owners and Admins; and the
//! "Team lead" choice (nobody, or one of its members) for Owners and Admins.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::TeamActions;
use super::picker::{Picker, PickerFields, PickerSearchForm};
use crate::api::teams::{
    RemoveTeamMember, TEAMS_PATH, TeamMemberList, TeamMemberView, TeamView, list_team_members,
    team_path,
};
use crate::auth::use_auth;
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{FormError, action_error};
use crate::components::pager::Pager;
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::load::load;
use crate::saved::Saved;
use crate::time;

/// A team's members with the time they were read (for "added on 3 Dec").
type Listed = Result<(TeamMemberList, i64), AppError>;

#[component]
pub(super) fn TeamMembers(actions: TeamActions, picker: Picker) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1)
    });
    let members = load(
        move || {
            (
                actions.id.get(),
                search.get(),
                page.get(),
                actions.changed.get(),
            )
        },
        |(id, q, page, _)| async move {
            list_team_members(id, Some(q), Some(page))
                .await
                .map(|list| (list, time::now_millis()))
        },
    );
    let add_error = action_error(actions.add);
    let remove_error = action_error(actions.remove);
    let lead_error = action_error(actions.set_lead);
    Effect::new(move |_| {
        for error in [add_error.get(), remove_error.get(), lead_error.get()]
            .into_iter()
            .flatten()
        {
            auth.expired(&error);
        }
    });
    let done = |value: Option<Result<(), AppError>>| matches!(value, Some(Ok(())));
    Effect::new(move |_| {
        if done(actions.add.value().get()) {
            picker.clear();
            actions.changed.update(|n| *n += 1);
            toasts.show(Saved::TeamMembersAdded.toast());
        }
    });
    Effect::new(move |_| {
        if done(actions.remove.value().get()) {
            toasts.show(Saved::TeamMemberRemoved.toast());
            if actions.leaving.get_untracked() {
                navigate(TEAMS_PATH, Default::default());
            } else {
                actions.changed.update(|n| *n += 1);
            }
        }
    });
    Effect::new(move |_| {
        if done(actions.set_lead.value().get()) {
            actions.changed.update(|n| *n += 1);
            toasts.show(Saved::TeamLead.toast());
        }
    });

    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                let team = actions.team.await.ok()?;
                let me = auth.current().await?;
                let listed = members.await;
                Some(view! {
                    <MemberTable
                        team
                        listed
                        me_id=me.user.id.clone()
                        search=search.get_untracked()
                        actions
                        error=remove_error
                    />
                })
            })}
        </Transition>
        <Transition>
            {move || Suspend::new(async move {
                let team = actions.team.await.ok()?;
                team.can_manage_members.then(|| view! {
                    <AddMembers team_id=team.id.clone() actions picker error=add_error/>
                })
            })}
        </Transition>
        <Transition>
            {move || Suspend::new(async move {
                let team = actions.team.await.ok()?;
                let listed = members.await.ok()?;
                team.can_edit.then(|| view! {
                    <LeadChoice team members=listed.0 actions error=lead_error/>
                })
            })}
        </Transition>
        <ConfirmDialog
            id="remove-team-member-dialog"
            title=Signal::derive(move || {
                actions
                    .target
                    .get()
                    .map(|m| format!("Remove {} from the team?", m.name))
                    .unwrap_or_default()
            })
            confirm_label="Remove"
            open=actions.confirm_remove
            on_confirm=move |()| {
                if let Some(member) = actions.target.get_untracked() {
                    actions.remove.dispatch(RemoveTeamMember {
                        team_id: actions.id.get_untracked(),
                        user_id: member.user_id,
                    });
                }
            }
        >
            <p>
                "They lose the project roles the team gives them on their next request. They stay "
                "a member of the organization."
            </p>
            {move || {
                actions
                    .target
                    .get()
                    .is_some_and(|m| m.lead)
                    .then(|| view! { <p>"They lead this team: it will have no lead."</p> })
            }}
            {move || {
                actions.leaving.get().then(|| view! {
                    <p>"This is you: you will no longer see this team."</p>
                })
            }}
        </ConfirmDialog>
    }
}

#[component]
fn MemberTable(
    team: TeamView,
    listed: Listed,
    me_id: String,
    search: String,
    actions: TeamActions,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let (list, now) = match listed {
        Ok(listed) => listed,
        Err(err) => return view! { <p class="form-error">{err.message}</p> }.into_any(),
    };
    let pages = crate::components::pager::page_count(list.total, list.page_size);
    let first = (list.page - 1) * list.page_size + 1;
    let last = first + list.members.len() as i64 - 1;
    let searching = !search.is_empty();
    let summary = match list.total {
        0 => None,
        total if pages > 1 => Some(format!("Showing {first}–{last} of {total} members")),
        1 => Some("1 member".to_string()),
        total => Some(format!("{total} members")),
    };
    let team_id = team.id.clone();
    let page_link = {
        let search = search.clone();
        move |page: i64| {
            crate::paths::with_query(
                &team_path(&team_id),
                &[
                    ("q", (!search.is_empty()).then_some(search.as_str())),
                    ("page", Some(&page.to_string())),
                ],
            )
        }
    };
    let can_manage = list.can_manage;
    let body = if list.members.is_empty() {
        let (title, text) = if searching {
            (
                "No members match",
                "Try another name or email, or clear the search.",
            )
        } else if can_manage {
            (
                "Nobody is in this team yet",
                "Add members of the organization below: they get every project role the team \
                 holds.",
            )
        } else {
            (
                "Nobody is in this team yet",
                "Its lead or an Owner or Admin of the organization can add members.",
            )
        };
        view! {
            <div class="empty-state" role="status">
                <p class="empty-title">{title}</p>
                <p>{text}</p>
            </div>
        }
        .into_any()
    } else {
        let rows = list
            .members
            .into_iter()
            .map(|member| {
                let is_me = member.user_id == me_id;
                // Owners and Admins see every team, in it or not.
                let leaves = is_me && !team.can_edit;
                view! { <MemberRow member is_me leaves now can_manage actions/> }
            })
            .collect_view();
        view! {
            <div class="table-scroll">
                <table class="members-table team-members-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Added"</th>
                            {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    // A search box once the list is long enough to need one.
    let search_box = (searching || list.total > 10).then(|| {
        view! {
            <form method="get" action="" class="search" role="search">
                <label for="team-member-search" class="visually-hidden">"Search this team's members"</label>
                <input
                    id="team-member-search"
                    type="search"
                    name="q"
                    placeholder="Search members"
                    maxlength="100"
                    value=search.clone()
                />
                <button type="submit" class="button">"Search"</button>
            </form>
        }
    });
    view! {
        <section class="panel panel-table" aria-labelledby="team-members-heading">
            <div class="panel-head">
                <h2 id="team-members-heading">"Members"</h2>
                {search_box}
            </div>
            <FormError error/>
            {summary.map(|text| view! { <p class="table-summary">{text}</p> })}
            {body}
            <Pager page=list.page total=list.total page_size=list.page_size link=page_link/>
        </section>
    }
    .into_any()
}

#[component]
fn MemberRow(
    member: TeamMemberView,
    is_me: bool,
    /// Whether removing this member takes the caller out of a team they will no longer see.
    leaves: bool,
    now: i64,
    /// Whether the table has an Actions column.
    can_manage: bool,
    actions: TeamActions,
) -> impl IntoView {
    let deactivated = member.status == "deactivated";
    let on = time::parse_iso(&member.added_at)
        .map(|at| time::day(at, now))
        .unwrap_or_default();
    let added = match &member.added_by {
        Some(by) => format!("{on} by {by}"),
        None => on,
    };
    let remove = can_manage.then(|| {
        let target = member.clone();
        let user_id = member.user_id.clone();
        let label = format!("Remove {} from the team", member.name);
        view! {
            <td>
                <ActionForm action=actions.remove>
                    <input type="hidden" name="team_id" value=actions.id.get_untracked()/>
                    <input type="hidden" name="user_id" value=user_id/>
                    <button
                        type="submit"
                        class="button small danger-text"
                        aria-label=label
                        on:click=move |ev| {
                            ev.prevent_default();
                            actions.target.set(Some(target.clone()));
                            actions.leaving.set(leaves);
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
        <tr class:deactivated=deactivated data-email=member.email.clone()>
            <th scope="row" class="member-name">
                {member.name.clone()}
                {member.lead.then(|| view! { <span class="badge lead-badge">"Lead"</span> })}
                {is_me.then(|| view! { <span class="badge muted-badge">"You"</span> })}
                {deactivated.then(|| view! { " " <span class="status deactivated">"Deactivated"</span> })}
            </th>
            <td>{member.email.clone()}</td>
            <td class="muted">{added}</td>
            {remove}
        </tr>
    }
}

/// "Add members": the type-ahead and "Add" (the team's lead, Owners and Admins).
#[component]
fn AddMembers(
    team_id: String,
    actions: TeamActions,
    picker: Picker,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <section class="panel panel-wide" aria-labelledby="add-team-members-heading">
            <h2 id="add-team-members-heading">"Add members"</h2>
            <ActionForm action=actions.add attr:class="add-members">
                <FormError error/>
                <input type="hidden" name="team_id" value=team_id/>
                <PickerFields
                    picker
                    search_form="add-team-search"
                    input_id="add-team-find"
                    errors_id="add-team-people-errors"
                    label="Search members by email or name"
                    error
                />
                <button type="submit" class="button primary" disabled=move || actions.add.pending().get()>
                    "Add"
                </button>
            </ActionForm>
            <PickerSearchForm id="add-team-search" picker/>
        </section>
    }
}

/// "Team lead": nobody, or one of the members listed (Owners and Admins).
#[component]
fn LeadChoice(
    team: TeamView,
    members: TeamMemberList,
    actions: TeamActions,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let lead_id = team.lead.as_ref().map(|lead| lead.user_id.clone());
    let mut choices: Vec<(String, String)> = members
        .members
        .iter()
        .filter(|m| m.status == "active" || m.lead)
        .map(|m| (m.user_id.clone(), format!("{} ({})", m.name, m.email)))
        .collect();
    if let Some(lead) = &team.lead
        && !choices.iter().any(|(id, _)| *id == lead.user_id)
    {
        choices.insert(0, (lead.user_id.clone(), lead.name.clone()));
    }
    let partial = members.total > members.members.len() as i64;
    let hint = if choices.is_empty() {
        "Add members first, then choose the lead among them."
    } else if partial {
        "Only the members listed above are offered: search the list to find someone else."
    } else {
        "Choose among the team's members."
    };
    view! {
        <section class="panel panel-wide" aria-labelledby="team-lead-heading">
            <h2 id="team-lead-heading">"Team lead"</h2>
            <p class="panel-intro">
                "The lead adds and removes the team's members and sees its project access. They "
                "cannot rename or delete the team or change its project roles."
            </p>
            <ActionForm action=actions.set_lead attr:class="lead-form">
                <FormError error/>
                <input type="hidden" name="team_id" value=team.id.clone()/>
                <div class="add-row">
                    <div class="field">
                        <label for="team-lead">"Lead"</label>
                        <select id="team-lead" name="user_id" aria-describedby="team-lead-hint">
                            <option value="" selected=lead_id.is_none()>"No lead"</option>
                            {choices.into_iter().map(|(id, label)| {
                                let selected = lead_id.as_deref() == Some(id.as_str());
                                view! { <option value=id selected=selected>{label}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button" disabled=move || actions.set_lead.pending().get()>
                        "Save lead"
                    </button>
                </div>
                <p class="field-hint" id="team-lead-hint">{hint}</p>
            </ActionForm>
        </section>
    }
}
