//! One row of the Members screen: the member, their role (a dropdown for those who may change
//! it), MFA status under the organization's policy, activity, status, and the "Manage" menu.

use leptos::prelude::*;
use leptos_router::components::A;

use super::projects::MemberProjects;
use super::role_label;
use crate::api::auth::SignedInUser;
use crate::api::members::{
    CreateResetLink, DeactivateMember, MemberView, ReactivateMember, RemoveMember, UpdateMemberRole,
};
use crate::api::mfa::ResetMemberMfa;
use crate::components::dialog::OpenDialogButton;
use crate::pages::activity::member_activity_path;
use crate::time;

/// What the signed-in caller may attempt on the screen (the server still decides).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Powers {
    pub manage: bool,
    pub owner: bool,
    /// Owners, Admins and Auditors read members' sign-in history.
    pub oversee: bool,
}

impl Powers {
    pub fn of(me: &SignedInUser) -> Self {
        let role = me.organization.as_ref().map(|o| o.role.as_str());
        Self {
            manage: matches!(role, Some("owner" | "admin")),
            owner: role == Some("owner"),
            oversee: matches!(role, Some("owner" | "admin" | "auditor")),
        }
    }

    /// Admins do not act on Owners.
    pub fn can_act_on(self, member: &MemberView) -> bool {
        self.manage && (self.owner || member.role != "owner")
    }
}

#[derive(Clone, Copy)]
pub(super) struct MemberActions {
    pub update_role: ServerAction<UpdateMemberRole>,
    pub remove: ServerAction<RemoveMember>,
    pub deactivate: ServerAction<DeactivateMember>,
    pub reactivate: ServerAction<ReactivateMember>,
    pub reset_link: ServerAction<CreateResetLink>,
    pub reset_mfa: ServerAction<ResetMemberMfa>,
    /// The member a confirmation dialog is about.
    pub target: RwSignal<Option<MemberView>>,
    pub confirm_remove: RwSignal<bool>,
    pub confirm_deactivate: RwSignal<bool>,
    pub confirm_reset_mfa: RwSignal<bool>,
    /// The "Projects" dialog.
    pub projects: MemberProjects,
}

#[component]
pub(super) fn MemberRow(
    member: MemberView,
    me_id: String,
    powers: Powers,
    actions: MemberActions,
    now: i64,
) -> impl IntoView {
    let is_me = member.user_id == me_id;
    let act = powers.can_act_on(&member);
    let deactivated = member.status == "deactivated";
    let when = |at: Option<String>, none: &'static str| {
        at.map_or_else(
            || view! { <span class="muted">{none}</span> }.into_any(),
            |iso| {
                let text =
                    time::parse_iso(&iso).map_or_else(|| iso.clone(), |at| time::relative(at, now));
                view! { <time datetime=iso.clone() title=time::exact(&iso)>{text}</time> }
                    .into_any()
            },
        )
    };
    let last_active = when(member.last_active_at.clone(), "—");
    let last_sign_in = when(member.last_sign_in_at.clone(), "Never");
    // Owners, Admins and Auditors open the member's sign-in history from here.
    let history = powers.oversee.then(|| {
        view! {
            <A
                href=member_activity_path(&member.user_id)
                attr:class="history-link"
                attr:aria-label=format!("Sign-in history of {}", member.name)
            >
                "History"
            </A>
        }
    });
    let role_cell = if act {
        let roles: &[&str] = if powers.owner {
            &["owner", "admin", "member", "auditor"]
        } else {
            &["admin", "member", "auditor"]
        };
        let current = member.role.clone();
        let user_id = member.user_id.clone();
        let label = format!("Role of {}", member.name);
        view! {
            <ActionForm action=actions.update_role attr:class="role-form">
                <input type="hidden" name="user_id" value=user_id/>
                <select name="role" aria-label=label>
                    {roles.iter().map(|role| view! {
                        <option value=*role selected=*role == current>{role_label(role)}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button small">"Update role"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! { <span>{role_label(&member.role)}</span> }.into_any()
    };
    let for_remove = member.clone();
    let for_deactivate = member.clone();
    let for_reset_mfa = member.clone();
    let mfa_on = member.mfa == "on";
    let name = member.name.clone();
    // One "Manage" menu per row (a <details>, so it works without JavaScript). Your own
    // membership is managed from the Organization page (Leave).
    let actions_cell = powers.manage.then(|| {
        (act && !is_me).then(|| {
            let (reactivate_id, deactivate_id) = (member.user_id.clone(), member.user_id.clone());
            let (reset_id, remove_id) = (member.user_id.clone(), member.user_id.clone());
            let mfa_id = member.user_id.clone();
            let menu = NodeRef::<leptos::html::Details>::new();
            let close = move || {
                if let Some(menu) = menu.get() {
                    let _ = menu.remove_attribute("open");
                }
            };
            view! {
                <details class="row-menu" node_ref=menu>
                    <summary class="button small" aria-label=format!("Manage {name}")>"Manage"</summary>
                    <div class="menu">
                        {if deactivated {
                            view! {
                                <ActionForm action=actions.reactivate>
                                    <input type="hidden" name="user_id" value=reactivate_id/>
                                    <button type="submit" class="menu-item" on:click=move |_| close()>"Reactivate"</button>
                                </ActionForm>
                            }.into_any()
                        } else {
                            view! {
                                <ActionForm action=actions.deactivate>
                                    <input type="hidden" name="user_id" value=deactivate_id/>
                                    <button
                                        type="submit"
                                        class="menu-item"
                                        on:click=move |ev| {
                                            ev.prevent_default();
                                            close();
                                            actions.target.set(Some(for_deactivate.clone()));
                                            actions.confirm_deactivate.set(true);
                                        }
                                    >
                                        "Deactivate"
                                    </button>
                                </ActionForm>
                            }.into_any()
                        }}
                        <ActionForm action=actions.reset_link>
                            <input type="hidden" name="user_id" value=reset_id/>
                            <button type="submit" class="menu-item" on:click=move |_| close()>"Create reset link"</button>
                        </ActionForm>
                        {mfa_on.then(|| view! {
                            <ActionForm action=actions.reset_mfa>
                                <input type="hidden" name="user_id" value=mfa_id/>
                                <button
                                    type="submit"
                                    class="menu-item"
                                    on:click=move |ev| {
                                        ev.prevent_default();
                                        close();
                                        actions.target.set(Some(for_reset_mfa.clone()));
                                        actions.confirm_reset_mfa.set(true);
                                    }
                                >
                                    "Reset MFA"
                                </button>
                            </ActionForm>
                        })}
                        <ActionForm action=actions.remove>
                            <input type="hidden" name="user_id" value=remove_id/>
                            <button
                                type="submit"
                                class="menu-item danger-text"
                                on:click=move |ev| {
                                    ev.prevent_default();
                                    close();
                                    actions.target.set(Some(for_remove.clone()));
                                    actions.confirm_remove.set(true);
                                }
                            >
                                "Remove from organization"
                            </button>
                        </ActionForm>
                    </div>
                </details>
            }
        })
    });
    view! {
        <tr class:deactivated=deactivated data-email=member.email.clone()>
            <th scope="row" class="member-name">
                {member.name.clone()}
                {is_me.then(|| view! { <span class="badge">"You"</span> })}
            </th>
            <td class="member-email">{member.email.clone()}</td>
            <td>{role_cell}</td>
            <td data-label="MFA">{mfa_cell(&member)}</td>
            <td data-label="Last sign-in" class="last-sign-in">{last_sign_in}{history}</td>
            <td data-label="Last active">{last_active}</td>
            <td>
                {if deactivated {
                    view! { <span class="status deactivated">"Deactivated"</span> }.into_any()
                } else {
                    view! { <span class="status active">"Active"</span> }.into_any()
                }}
            </td>
            <td>
                {(powers.manage || is_me).then(|| {
                    let (user_id, name) = (member.user_id.clone(), member.name.clone());
                    view! {
                        <OpenDialogButton
                            label="Projects"
                            param="projects"
                            value=member.user_id.clone()
                            open=actions.projects.open
                            class="button small"
                            aria_label=format!("Projects of {}", member.name)
                            on_open=move |()| actions.projects.show(user_id.clone(), name.clone())
                        />
                    }
                })}
            </td>
            {actions_cell.map(|cell| view! { <td>{cell}</td> })}
        </tr>
    }
    .into_any()
}

/// "On", "Off", or under the organization's policy "Off" with the days left (or overdue).
fn mfa_cell(member: &MemberView) -> impl IntoView + use<> {
    let status = if member.mfa == "on" { "On" } else { "Off" };
    let due = member.mfa_days_left.map(|days| match days {
        0 => ("status deactivated", "Overdue".to_string()),
        1 => ("status pending", "1 day left".to_string()),
        n => ("status pending", format!("{n} days left")),
    });
    view! {
        {status}
        {due.map(|(class, text)| view! { " " <span class=class title="Required by the security policy">{text}</span> })}
    }
}
