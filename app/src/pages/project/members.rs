//! A project's Members tab, as the product describes it: search the organization's members by
//! email, select one or more, choose a role and click "Add"; or invite someone who is not in the
//! organization yet. The rows: name, email, role (a dropdown where the caller may change it),
//! how they have access, "Why?" (the explainer) and Remove. Organization Owners and Admins are
//! implicit Admins: no role control, no Remove. Below them the teams holding a role on the
//! project ([`teams`]), then its service accounts ([`service_accounts`]). Every action is also a
//! plain form post.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::use_project;
use crate::api::projects::{
    AccessExplanation, AddProjectMembers, InviteToProject, ProjectMemberList, ProjectMemberView,
    RemoveProjectMember, RemoveProjectTeam, UpdateProjectMemberRole, explain_access,
    list_project_members, members_path,
};
use crate::auth::use_auth;
use crate::components::copy::CopyField;
use crate::components::dialog::{ConfirmDialog, Modal};
use crate::components::form::{FormError, action_error};
use crate::components::pager::Pager;
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::load::{Loaded, load};
use crate::saved::Saved;

mod add;
mod row;
mod service_accounts;
mod teams;

use add::{AddMembers, Search};
use row::MemberRow;
use teams::{ProjectTeams, TeamState};

/// The tab's actions and the state its rows share.
#[derive(Clone, Copy)]
pub(super) struct MemberActions {
    pub project_id: Memo<String>,
    pub add: ServerAction<AddProjectMembers>,
    pub invite: ServerAction<InviteToProject>,
    pub update_role: ServerAction<UpdateProjectMemberRole>,
    pub remove: ServerAction<RemoveProjectMember>,
    /// The row the remove dialog is about.
    pub target: RwSignal<Option<ProjectMemberView>>,
    pub confirm_remove: RwSignal<bool>,
    /// The person whose "Why?" is open (`?why=<user id>` without JavaScript).
    pub why: RwSignal<Option<String>>,
    pub explanation: Loaded<Option<Result<AccessExplanation, AppError>>>,
    /// Bumped when a change went through: the list and the type-ahead reload.
    pub changed: RwSignal<u32>,
}

#[component]
pub fn ProjectMembers() -> impl IntoView {
    let context = use_project();
    let auth = use_auth();
    let toasts = use_toasts();
    let query = use_query_map();
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1)
    });
    let why = RwSignal::new(query.read_untracked().get("why"));
    let changed = RwSignal::new(0u32);
    let actions = MemberActions {
        project_id: context.id,
        add: ServerAction::new(),
        invite: ServerAction::new(),
        update_role: ServerAction::new(),
        remove: ServerAction::new(),
        target: RwSignal::new(None),
        confirm_remove: RwSignal::new(false),
        why,
        explanation: load(
            move || (context.id.get(), why.get(), changed.get()),
            |(id, who, _)| async move {
                match who {
                    Some(who) => Some(explain_access(id, Some(who)).await),
                    None => None,
                }
            },
        ),
        changed,
    };
    let search = Search::new(context.id, actions, query.read_untracked().get("q"));
    let teams = TeamState::new(context.id, changed, query.read_untracked().get("team_q"));
    let members = load(
        move || (context.id.get(), page.get(), changed.get()),
        |(id, page, _)| list_project_members(id, None, Some(page)),
    );
    let row_error = {
        let (update, remove) = (
            action_error(actions.update_role),
            action_error(actions.remove),
        );
        Signal::derive(move || update.get().or_else(|| remove.get()))
    };
    let add_error = action_error(actions.add);
    let invite_error = action_error(actions.invite);
    Effect::new(move |_| {
        for error in [row_error.get(), add_error.get(), invite_error.get()]
            .into_iter()
            .flatten()
        {
            auth.expired(&error);
        }
    });
    let done = |value: Option<Result<(), AppError>>| matches!(value, Some(Ok(())));
    Effect::new(move |_| {
        if done(actions.add.value().get()) {
            search.selected.set(Vec::new());
            changed.update(|n| *n += 1);
            toasts.show(Saved::ProjectMembersAdded.toast());
        }
    });
    Effect::new(move |_| {
        if done(actions.update_role.value().get()) {
            changed.update(|n| *n += 1);
            // The caller may have changed their own role.
            context.changed.update(|n| *n += 1);
            toasts.show(Saved::ProjectRole.toast());
        }
    });
    Effect::new(move |_| {
        if done(actions.remove.value().get()) {
            changed.update(|n| *n += 1);
            context.changed.update(|n| *n += 1);
            toasts.show(Saved::ProjectMemberRemoved.toast());
        }
    });
    // A team's role reaches its members, the caller perhaps among them.
    for (action, saved) in [
        (teams.add.value(), Saved::ProjectTeamAdded),
        (teams.update_role.value(), Saved::ProjectTeamRole),
        (teams.remove.value(), Saved::ProjectTeamRemoved),
    ] {
        Effect::new(move |_| {
            if done(action.get()) {
                if saved == Saved::ProjectTeamAdded {
                    teams.reset();
                }
                changed.update(|n| *n += 1);
                context.changed.update(|n| *n += 1);
                toasts.show(saved.toast());
            }
        });
    }
    let team_errors = [
        action_error(teams.add),
        action_error(teams.update_role),
        action_error(teams.remove),
    ];
    Effect::new(move |_| {
        for error in team_errors.iter().filter_map(|e| e.get()) {
            auth.expired(&error);
        }
    });
    let link_open = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(_)) = actions.invite.value().get() {
            search.clear();
            link_open.set(true);
        }
    });

    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let project = context.project.await.ok()?;
                let me = auth.current().await?;
                let org_manager = me
                    .organization
                    .as_ref()
                    .is_some_and(|o| matches!(o.role.as_str(), "owner" | "admin"));
                let can_manage = project.role == "admin" && !project.archived;
                Some(view! {
                    <Title text=format!("{} · Members", project.name)/>
                    {can_manage.then(|| view! {
                        <AddMembers
                            project_id=project.id.clone()
                            can_invite=org_manager
                            actions
                            search
                            add_error
                            invite_error
                        />
                    })}
                })
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="loading">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                let project = context.project.await.ok()?;
                let me = auth.current().await?;
                let listed = members.await;
                let with_teams = teams
                    .list
                    .await
                    .is_ok_and(|(list, _)| !list.teams.is_empty());
                Some(view! {
                    <MemberTable
                        listed
                        with_teams
                        me_id=me.user.id.clone()
                        explains_all=project.role == "admin"
                        actions
                        error=row_error
                    />
                })
            })}
        </Transition>
        <ProjectTeams state=teams/>
        <service_accounts::ProjectServiceAccounts/>
        <ConfirmDialog
            id="remove-project-member-dialog"
            title=Signal::derive(move || {
                actions
                    .target
                    .get()
                    .map(|m| format!("Remove {} from the project?", m.name))
                    .unwrap_or_default()
            })
            confirm_label="Remove"
            open=actions.confirm_remove
            on_confirm=move |()| {
                if let Some(member) = actions.target.get_untracked() {
                    actions.remove.dispatch(RemoveProjectMember {
                        project_id: actions.project_id.get_untracked(),
                        user_id: member.user_id,
                    });
                }
            }
        >
            <p>"Their role on this project ends at once. They stay a member of the organization."</p>
        </ConfirmDialog>
        <ConfirmDialog
            id="remove-project-team-dialog"
            title=Signal::derive(move || {
                teams
                    .target
                    .get()
                    .map(|t| format!("Remove team {} from the project?", t.name))
                    .unwrap_or_default()
            })
            confirm_label="Remove"
            open=teams.confirm_remove
            on_confirm=move |()| {
                if let Some(team) = teams.target.get_untracked() {
                    teams.remove.dispatch(RemoveProjectTeam {
                        project_id: actions.project_id.get_untracked(),
                        team_id: team.team_id,
                    });
                }
            }
        >
            <p>
                "The role the team gives its members on this project ends at once. Anyone who also "
                "holds a role of their own keeps it."
            </p>
        </ConfirmDialog>
        <Modal id="project-invite-link-dialog" title="Invitation link" open=link_open>
            {move || {
                actions.invite.value().get().and_then(Result::ok).map(|issued| {
                    let note = if issued.emailed {
                        "We emailed the invitation. You can also share this link: it works once \
                         and expires in 7 days. They get the project role when they accept."
                    } else {
                        "Share this link with the person you invited: it works once and expires \
                         in 7 days. They get the project role when they accept."
                    };
                    view! {
                        <p>{note}</p>
                        <CopyField label="Invitation link" id="project-invitation-link" value=issued.link/>
                    }
                })
            }}
        </Modal>
    }
}

#[component]
fn MemberTable(
    listed: Result<ProjectMemberList, AppError>,
    /// Whether teams hold roles too: their people are not listed here.
    with_teams: bool,
    me_id: String,
    /// Project Admins may ask why anyone has access; others only about themselves.
    explains_all: bool,
    actions: MemberActions,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let list = match listed {
        Ok(list) => list,
        Err(err) => return view! { <p class="form-error">{err.message}</p> }.into_any(),
    };
    let pages = crate::components::pager::page_count(list.total, list.page_size);
    let first = (list.page - 1) * list.page_size + 1;
    let last = first + list.members.len() as i64 - 1;
    let summary = match list.total {
        0 => "Nobody has access yet.".to_string(),
        1 => "1 person has access".to_string(),
        total if pages > 1 => format!("Showing {first}–{last} of {total} people with access"),
        total => format!("{total} people have access"),
    };
    let page_link = move |page: i64| {
        crate::paths::with_query(
            &members_path(&actions.project_id.get_untracked()),
            &[("page", Some(&page.to_string()))],
        )
    };
    // The Actions column only when some row has an action (implicit Admins have none).
    let can_manage = list.can_manage && list.members.iter().any(|m| m.can_change);
    let rows = list
        .members
        .into_iter()
        .map(|member| {
            let is_me = member.user_id == me_id;
            view! { <MemberRow member is_me explains=explains_all || is_me can_manage actions/> }
        })
        .collect_view();
    view! {
        <section class="panel panel-table" aria-labelledby="project-members-heading">
            <h2 id="project-members-heading">"People with access"</h2>
            <FormError error/>
            <p class="table-summary">
                {summary}
                {with_teams.then_some(" — and everyone in the teams below, with their team's role")}
            </p>
            <div class="table-scroll">
                <table class="members-table project-members-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Access"</th>
                            {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <Pager page=list.page total=list.total page_size=list.page_size link=page_link/>
        </section>
    }
    .into_any()
}
