//! `/settings/members`: the organization's members, searchable, filtered to the inactive ones
//! (no sign-in for N days) and paged on the server. Owners and Admins change roles, deactivate,
//! reactivate and remove members and hand out password reset links; Owners, Admins and Auditors
//! open a member's sign-in history; everyone else sees the list read-only. The server decides
//! every action.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::auth::SignedInUser;
use crate::api::members::{DeactivateMember, MemberList, RemoveMember, list_members};
use crate::api::mfa::ResetMemberMfa;
use crate::auth::use_auth;
use crate::components::copy::CopyField;
use crate::components::dialog::{ConfirmDialog, Modal};
use crate::components::form::{FormError, FormStatus, action_error};
use crate::components::invitations::{InvitationState, Invitations};
use crate::components::pager::Pager;
use crate::components::toast::use_toasts;
use crate::load::load;
use crate::saved::{Saved, SettingsPage, saved_message};
use crate::time;

mod projects;
mod row;

use projects::{MemberProjects, MemberProjectsDialog, MemberProjectsPanel};
use row::{MemberActions, MemberRow, Powers};

/// The role labels people see, from the API's lowercase roles.
pub fn role_label(role: &str) -> &'static str {
    match role {
        "owner" => "Owner",
        "admin" => "Admin",
        "auditor" => "Auditor",
        _ => "Member",
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let query = use_query_map();
    let filter = Memo::new(move |_| MemberFilter::from_query(&query.read()));
    let actions = MemberActions {
        update_role: ServerAction::new(),
        remove: ServerAction::new(),
        deactivate: ServerAction::new(),
        reactivate: ServerAction::new(),
        reset_link: ServerAction::new(),
        reset_mfa: ServerAction::new(),
        target: RwSignal::new(None),
        confirm_remove: RwSignal::new(false),
        confirm_deactivate: RwSignal::new(false),
        confirm_reset_mfa: RwSignal::new(false),
        projects: MemberProjects::new(query.read_untracked().get("projects")),
    };
    // Without JavaScript, a row's "Projects" comes back with `?projects=<user id>`.
    let asked_projects = query.read_untracked().get("projects");
    let errors = [
        action_error(actions.update_role),
        action_error(actions.remove),
        action_error(actions.deactivate),
        action_error(actions.reactivate),
        action_error(actions.reset_mfa),
    ];
    let reset_error = action_error(actions.reset_link);
    let error = Signal::derive(move || {
        errors
            .iter()
            .find_map(|e| e.get())
            .or_else(|| reset_error.get())
    });
    Effect::new(move |_| {
        if let Some(error) = error.get() {
            auth.expired(&error);
        }
    });
    let members = load(
        move || {
            (
                filter.get(),
                actions.update_role.version().get(),
                actions.remove.version().get(),
                actions.deactivate.version().get(),
                actions.reactivate.version().get(),
                actions.reset_mfa.version().get(),
            )
        },
        |(filter, ..)| async move {
            let inactive_days = filter.inactive_days();
            list_members(Some(filter.query), Some(filter.page), inactive_days)
                .await
                .map(|list| (list, time::now_millis()))
        },
    );
    let done = |action_value: Option<Result<(), crate::error::AppError>>| {
        matches!(action_value, Some(Ok(())))
    };
    Effect::new(move |_| {
        if done(actions.update_role.value().get()) {
            toasts.show(Saved::Role.toast());
        }
    });
    Effect::new(move |_| {
        if done(actions.remove.value().get()) {
            toasts.show(Saved::Removed.toast());
        }
    });
    Effect::new(move |_| {
        if done(actions.deactivate.value().get()) {
            toasts.show(Saved::Deactivated.toast());
        }
    });
    Effect::new(move |_| {
        if done(actions.reactivate.value().get()) {
            toasts.show(Saved::Reactivated.toast());
        }
    });
    Effect::new(move |_| {
        if done(actions.reset_mfa.value().get()) {
            toasts.show(Saved::MfaReset.toast());
        }
    });
    let no_js_status = saved_message(SettingsPage::Members);
    // Members are refused the pending list (403); the section is only shown to managers.
    let invitations = InvitationState::default();
    let reset_open = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(_)) = actions.reset_link.value().get() {
            reset_open.set(true);
        }
    });

    view! {
        <Title text="Members"/>
        <h1>"Members"</h1>
        <FormError error/>
        <FormStatus message=no_js_status/>
        <Suspense fallback=|| view! { <p class="loading">"Loading members…"</p> }>
            {move || {
                let asked = asked_projects.clone();
                Suspend::new(async move {
                let me = auth.current().await?;
                let powers = Powers::of(&me);
                let listed = members.await;
                let projects_panel = asked.map(|asked| {
                    let name = listed.as_ref().ok().and_then(|(list, _)| {
                        list.members.iter().find(|m| m.user_id == asked).map(|m| m.name.clone())
                    });
                    view! { <MemberProjectsPanel state=actions.projects name/> }
                });
                Some(view! {
                    {projects_panel}
                    {powers.manage.then(|| view! { <Invitations state=invitations owner=powers.owner/> })}
                    <MemberTable listed me powers actions filter=filter.get_untracked()/>
                })
            })}}
        </Suspense>
        <ConfirmDialog
            id="remove-member-dialog"
            title=Signal::derive(move || {
                actions.target.get().map(|m| format!("Remove {}?", m.name)).unwrap_or_default()
            })
            confirm_label="Remove"
            open=actions.confirm_remove
            on_confirm=move |()| {
                if let Some(member) = actions.target.get_untracked() {
                    actions.remove.dispatch(RemoveMember { user_id: member.user_id });
                }
            }
        >
            <p>
                "Their access to this organization ends at once. Their account and their other "
                "organizations stay."
            </p>
        </ConfirmDialog>
        <ConfirmDialog
            id="deactivate-member-dialog"
            title=Signal::derive(move || {
                actions.target.get().map(|m| format!("Deactivate {}?", m.name)).unwrap_or_default()
            })
            confirm_label="Deactivate"
            open=actions.confirm_deactivate
            on_confirm=move |()| {
                if let Some(member) = actions.target.get_untracked() {
                    actions.deactivate.dispatch(DeactivateMember { user_id: member.user_id });
                }
            }
        >
            <p>
                "All their sessions in this organization end at once and they cannot sign in to it. "
                "Their data and role are kept: reactivate them to restore access."
            </p>
        </ConfirmDialog>
        <ConfirmDialog
            id="reset-mfa-dialog"
            title=Signal::derive(move || {
                actions.target.get().map(|m| format!("Reset MFA for {}?", m.name)).unwrap_or_default()
            })
            confirm_label="Reset MFA"
            open=actions.confirm_reset_mfa
            on_confirm=move |()| {
                if let Some(member) = actions.target.get_untracked() {
                    actions.reset_mfa.dispatch(ResetMemberMfa { user_id: member.user_id });
                }
            }
        >
            <p>
                "Their authenticator app and backup codes stop working and they are signed out "
                "everywhere. They sign in with their password and set MFA up again when your "
                "policy requires it."
            </p>
        </ConfirmDialog>
        <MemberProjectsDialog state=actions.projects/>
        <Modal id="reset-link-dialog" title="Password reset link" open=reset_open>
            {move || {
                actions.reset_link.value().get().and_then(Result::ok).map(|link| view! {
                    <p>
                        "Share this link with the member. It works once and expires in 30 minutes; "
                        "setting a new password signs them out everywhere."
                    </p>
                    <CopyField label="Reset link" id="reset-link" value=link.link/>
                })
            }}
        </Modal>
    }
}

/// What the list shows, from the URL: the search, the "Inactive" filter and the page.
#[derive(Clone, Debug, PartialEq, Eq)]
struct MemberFilter {
    query: String,
    page: i64,
    inactive: bool,
    /// "No sign-in for (days)", as typed (30 unless the URL says otherwise).
    days: String,
}

impl MemberFilter {
    fn from_query(query: &leptos_router::params::ParamsMap) -> Self {
        Self {
            query: query.get("q").unwrap_or_default(),
            page: query
                .get("page")
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(1)
                .max(1),
            inactive: query.get("inactive").is_some(),
            days: query
                .get("inactive_days")
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| DEFAULT_INACTIVE_DAYS.to_string()),
        }
    }

    /// What `list_members` is asked: a number the server checks (anything else becomes 0, which
    /// it refuses with the field's message).
    fn inactive_days(&self) -> Option<i64> {
        self.inactive.then(|| self.days.parse().unwrap_or(0))
    }

    fn link(&self, page: i64) -> String {
        let page = page.to_string();
        crate::paths::with_query(
            "/settings/members",
            &[
                ("q", (!self.query.is_empty()).then_some(self.query.as_str())),
                ("inactive", self.inactive.then_some("1")),
                ("inactive_days", self.inactive.then_some(self.days.as_str())),
                ("page", Some(&page)),
            ],
        )
    }
}

/// The "Inactive" filter's days unless the person chooses others.
const DEFAULT_INACTIVE_DAYS: i64 = 30;

#[component]
fn MemberTable(
    listed: Result<(MemberList, i64), crate::error::AppError>,
    me: SignedInUser,
    powers: Powers,
    actions: MemberActions,
    filter: MemberFilter,
) -> impl IntoView {
    let days_errors = listed
        .as_ref()
        .err()
        .map(|e| e.field("inactive_days").to_vec())
        .unwrap_or_default();
    let body = match listed {
        Ok((list, now)) => {
            Either::Left(view! { <MemberRows list now me powers actions filter=filter.clone()/> })
        }
        // A refused filter shows at its field; anything else here.
        Err(_) if !days_errors.is_empty() => Either::Right(None),
        Err(err) => Either::Right(Some(view! { <p class="form-error">{err.message}</p> })),
    };
    let days_invalid = !days_errors.is_empty();
    view! {
        <section class="panel panel-table" aria-labelledby="members-heading">
            <div class="panel-head">
                <h2 id="members-heading">"People"</h2>
                <Form method="GET" action="" attr:class="member-filters" attr:role="search">
                    <div class="search">
                        <label for="member-search" class="visually-hidden">"Search members"</label>
                        <input
                            id="member-search"
                            type="search"
                            name="q"
                            placeholder="Search by name or email"
                            maxlength="100"
                            value=filter.query.clone()
                        />
                    </div>
                    <label class="check inactive-check">
                        <input type="checkbox" name="inactive" value="1" checked=filter.inactive/>
                        "Inactive"
                    </label>
                    <div class="days-field" class:invalid=days_invalid>
                        <label for="inactive-days">"No sign-in for (days)"</label>
                        <input
                            id="inactive-days"
                            type="number"
                            name="inactive_days"
                            min="1"
                            max="3650"
                            inputmode="numeric"
                            value=filter.days.clone()
                            aria-invalid=days_invalid.then_some("true")
                            aria-describedby=days_invalid.then_some("inactive-days-error")
                        />
                    </div>
                    <button type="submit" class="button">"Search"</button>
                    {days_invalid.then(|| view! {
                        <ul class="field-error" id="inactive-days-error">
                            {days_errors.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                        </ul>
                    })}
                </Form>
            </div>
            {body}
        </section>
    }
}

/// The summary, the table of members and the pages.
#[component]
fn MemberRows(
    list: MemberList,
    now: i64,
    me: SignedInUser,
    powers: Powers,
    actions: MemberActions,
    filter: MemberFilter,
) -> impl IntoView {
    let first = (list.page - 1) * list.page_size + 1;
    let last = first + list.members.len() as i64 - 1;
    let summary = if list.total == 0 {
        "No members match.".to_string()
    } else {
        format!("Showing {first}–{last} of {}", list.total)
    };
    let page_link = move |page: i64| filter.link(page);
    let rows = list
        .members
        .into_iter()
        .map(|member| {
            let me_id = me.user.id.clone();
            view! { <MemberRow member me_id powers actions now/> }
        })
        .collect_view();
    view! {
        <p class="table-summary" role="status">{summary}</p>
        <div class="table-scroll">
            <table class="members-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"MFA"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col">"Last active"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Projects"</th>
                        {powers.manage.then(|| view! { <th scope="col">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager page=list.page total=list.total page_size=list.page_size link=page_link/>
    }
}
