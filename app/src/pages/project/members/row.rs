//! One row of a project's Members tab: the person, their project role (a dropdown when the
//! caller may change it), how they have access with "Why?" (the explainer, opened in place),
//! and Remove. Implicit Admins (organization Owners and Admins) have neither control.

use leptos::prelude::*;

use super::MemberActions;
use crate::api::projects::ProjectMemberView;
use crate::pages::projects::project_role_label;

const ROLES: [&str; 3] = ["admin", "member", "viewer"];

#[component]
pub(super) fn MemberRow(
    member: ProjectMemberView,
    is_me: bool,
    /// Whether the caller may ask why this person has access.
    explains: bool,
    /// Whether the table has an Actions column.
    can_manage: bool,
    actions: MemberActions,
) -> impl IntoView {
    let deactivated = member.status == "deactivated";
    let name = member.name.clone();
    let user_id = member.user_id.clone();
    let role_cell = if member.can_change {
        let current = member.role.clone();
        view! {
            <ActionForm action=actions.update_role attr:class="role-form">
                <input type="hidden" name="project_id" value=actions.project_id.get_untracked()/>
                <input type="hidden" name="user_id" value=user_id.clone()/>
                <select name="role" aria-label=format!("Project role of {name}")>
                    {ROLES.iter().map(|role| view! {
                        <option value=*role selected=*role == current>{project_role_label(role)}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button small">"Update role"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! { <span>{project_role_label(&member.role)}</span> }.into_any()
    };
    let actions_cell = (can_manage && member.can_change).then(|| {
        let target = member.clone();
        let user_id = member.user_id.clone();
        let label = format!("Remove {} from the project", member.name);
        view! {
            <ActionForm action=actions.remove>
                <input type="hidden" name="project_id" value=actions.project_id.get_untracked()/>
                <input type="hidden" name="user_id" value=user_id/>
                <button
                    type="submit"
                    class="button small danger-text"
                    aria-label=label
                    on:click=move |ev| {
                        ev.prevent_default();
                        actions.target.set(Some(target.clone()));
                        actions.confirm_remove.set(true);
                    }
                >
                    "Remove"
                </button>
            </ActionForm>
        }
    });
    view! {
        <tr class:deactivated=deactivated data-email=member.email.clone()>
            <th scope="row" class="member-name">
                {member.name.clone()}
                {is_me.then(|| view! { <span class="badge">"You"</span> })}
            </th>
            <td>{member.email.clone()}</td>
            <td>{role_cell}</td>
            <td class="access-cell">
                <span class="access-label">{member.access_label.clone()}</span>
                {deactivated.then(|| view! { " " <span class="status deactivated">"Deactivated"</span> })}
                {explains.then(|| view! { <Why user_id=member.user_id.clone() name=member.name.clone() actions/> })}
            </td>
            {can_manage.then(|| view! { <td>{actions_cell}</td> })}
        </tr>
    }
}

/// "Why?": a disclosure with the explainer's reasons ("Edit — Admin of the organization").
/// Without JavaScript it is a GET form that reloads the tab with `?why=<user id>`.
#[component]
fn Why(user_id: String, name: String, actions: MemberActions) -> impl IntoView {
    let region = format!("why-{user_id}");
    let open = {
        let user_id = user_id.clone();
        Memo::new(move |_| actions.why.read().as_deref() == Some(user_id.as_str()))
    };
    let toggle = {
        let user_id = user_id.clone();
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            let id = user_id.clone();
            actions.why.update(|why| {
                *why = if why.as_deref() == Some(&id) {
                    None
                } else {
                    Some(id)
                }
            });
        }
    };
    let controls = {
        let region = region.clone();
        move || open.get().then(|| region.clone())
    };
    view! {
        <form method="get" action="" class="inline-form why-form">
            <input type="hidden" name="why" value=user_id.clone()/>
            <button
                type="submit"
                class="button small link-like"
                aria-label=format!("Why does {name} have access?")
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls=controls
                on:click=toggle
            >
                "Why?"
            </button>
        </form>
        <Show when=move || open.get()>
            <div class="why" id=region.clone()>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match actions.explanation.await {
                            Some(Ok(explained)) => view! {
                                <ul class="reasons">
                                    {explained.reasons.into_iter().map(|reason| view! { <li>{reason}</li> }).collect_view()}
                                </ul>
                            }
                            .into_any(),
                            Some(Err(error)) => view! { <p class="form-error">{error.message}</p> }.into_any(),
                            None => ().into_any(),
                        }
                    })}
                </Transition>
            </div>
        </Show>
    }
}
