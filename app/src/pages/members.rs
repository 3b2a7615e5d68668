//! `/settings/members`: the organization's members, searchable and paged on the server. Owners
//! and Admins change roles, deactivate, reactivate and remove members and hand out password
//! reset links; everyone else sees the list read-only. The server decides every action.

use crate::components::pager::Pager;
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
use crate::components::toast::use_toasts;
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
        _ => "Member",
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
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
    let members = Resource::new(
        move || {
            (
                search.get(),
                page.get(),
                actions.update_role.version().get(),
                actions.remove.version().get(),
                actions.deactivate.version().get(),
                actions.reactivate.version().get(),
                actions.reset_mfa.version().get(),
            )
        },
        |(q, page, ..)| async move {
            list_members(Some(q), Some(page), None)
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
                    <MemberTable listed me powers actions search=search.get_untracked()/>
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

#[component]
fn MemberTable(
    listed: Result<(MemberList, i64), crate::error::AppError>,
    me: SignedInUser,
    powers: Powers,
    actions: MemberActions,
    search: String,
) -> impl IntoView {
    let (list, now) = match listed {
        Ok(loaded) => loaded,
        Err(err) => return view! { <p class="form-error">{err.message}</p> }.into_any(),
    };
    let first = (list.page - 1) * list.page_size + 1;
    let last = first + list.members.len() as i64 - 1;
    let summary = if list.total == 0 {
        "No members match.".to_string()
    } else {
        format!("Showing {first}–{last} of {}", list.total)
    };
    let page_link = {
        let search = search.clone();
        move |page: i64| {
            crate::paths::with_query(
                "/settings/members",
                &[("q", Some(&search)), ("page", Some(&page.to_string()))],
            )
        }
    };
    let rows = list
        .members
        .into_iter()
        .map(|member| {
            let me_id = me.user.id.clone();
            view! { <MemberRow member me_id powers actions now/> }
        })
        .collect_view();
    view! {
        <section class="panel panel-table" aria-labelledby="members-heading">
            <div class="panel-head">
                <h2 id="members-heading">"People"</h2>
                <Form method="GET" action="" attr:class="search" attr:role="search">
                    <label for="member-search" class="visually-hidden">"Search members"</label>
                    <input
                        id="member-search"
                        type="search"
                        name="q"
                        placeholder="Search by name or email"
                        maxlength="100"
                        value=search
                    />
                    <button type="submit" class="button">"Search"</button>
                </Form>
            </div>
            <p class="table-summary" role="status">{summary}</p>
            <div class="table-scroll">
                <table class="members-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"MFA"</th>
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
        </section>
    }
    .into_any()
}
