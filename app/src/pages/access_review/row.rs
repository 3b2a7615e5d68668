//! One person's row of a review: who they are, the facts the review started from (role, last
//! sign-in, MFA, flags, projects and teams) and the decision — or, for an Owner while the review
//! is open, the controls that make it. The controls are one form with a submit button per
//! decision, so each works as a plain post; hydrated, Remove and Deactivate ask first.

use leptos::prelude::*;

use super::decision_label;
use crate::api::access_reviews::{DecideReviewItem, ReviewItemView};
use crate::pages::members::role_label;
use crate::pages::projects::project_role_label;
use crate::time;

/// The decide action and the confirmation dialogs it goes through.
#[derive(Clone, Copy)]
pub(super) struct Decisions {
    pub decide: ServerAction<DecideReviewItem>,
    /// The row a confirmation dialog is about.
    pub target: RwSignal<Option<ReviewItemView>>,
    pub confirm_remove: RwSignal<bool>,
    pub confirm_deactivate: RwSignal<bool>,
}

impl Decisions {
    /// Decides the confirmed row (`remove` or `deactivate`).
    pub fn dispatch(self, decision: &str) {
        if let Some(item) = self.target.get_untracked() {
            self.decide.dispatch(DecideReviewItem {
                item_id: item.id,
                decision: decision.to_string(),
                role: None,
            });
        }
    }

    fn ask(self, item: &ReviewItemView, dialog: RwSignal<bool>) {
        self.target.set(Some(item.clone()));
        dialog.set(true);
    }
}

#[component]
pub(super) fn ReviewRow(
    item: ReviewItemView,
    now: i64,
    /// The caller may decide (an Owner, the review open).
    can_conduct: bool,
    /// The caller's own row: never removed or deactivated from here.
    is_me: bool,
    decisions: Decisions,
) -> impl IntoView {
    let last_sign_in = item.last_sign_in_at.clone().map_or_else(
        || view! { <span class="muted">"Never"</span> }.into_any(),
        |iso| {
            let text =
                time::parse_iso(&iso).map_or_else(|| iso.clone(), |at| time::relative(at, now));
            view! { <time datetime=iso.clone() title=time::exact(&iso)>{text}</time> }.into_any()
        },
    );
    let decision = match item.decision.as_deref() {
        None if can_conduct => {
            view! { <DecideForm item=item.clone() is_me decisions keep=true/> }.into_any()
        }
        None => view! { <span class="muted">"Undecided"</span> }.into_any(),
        Some(decided) => {
            let label = decision_label(decided, item.new_role.as_deref());
            let by = item.decided_by.as_ref().map(|r| format!("by {}", r.name));
            let when = item.decided_at.clone().map(|iso| {
                let text =
                    time::parse_iso(&iso).map_or_else(|| iso.clone(), |at| time::relative(at, now));
                view! { ", " <time datetime=iso.clone() title=time::exact(&iso)>{text}</time> }
            });
            // Keep changed nothing, so it may be revised while the review is open.
            let revise = (can_conduct && decided == "keep").then(|| {
                view! {
                    <details class="revise">
                        <summary aria-label=format!("Change the decision for {}", item.name)>
                            "Change decision"
                        </summary>
                        <DecideForm item=item.clone() is_me decisions keep=false/>
                    </details>
                }
            });
            view! {
                <p class="decision">
                    <strong>{label}</strong>
                    " "
                    <span class="muted decided-by">{by}{when}</span>
                </p>
                {revise}
            }
            .into_any()
        }
    };
    view! {
        <tr data-email=item.email.clone() class:decided=item.decision.is_some()>
            <th scope="row" class="review-person">
                <span class="person-name">{item.name.clone()}</span>
                {is_me.then(|| view! { " " <span class="badge">"You"</span> })}
                <span class="person-email">{item.email.clone()}</span>
            </th>
            <td data-label="Role">{role_label(&item.role)}</td>
            <td data-label="Last sign-in">{last_sign_in}</td>
            <td data-label="MFA">{if item.mfa_enabled { "On" } else { "Off" }}</td>
            <td data-label="Flags"><Flags item=item.clone()/></td>
            <td data-label="Projects and teams"><Holdings item=item.clone()/></td>
            <td data-label="Decision" class="review-decision">{decision}</td>
        </tr>
    }
}

/// The facts that call for attention, as badges.
#[component]
fn Flags(item: ReviewItemView) -> impl IntoView {
    let flags: Vec<(&str, &str)> = [
        (
            item.privileged,
            "Owner or Admin rights",
            "Can manage the organization",
        ),
        (item.inactive, "Inactive", "No sign-in for 30 days or more"),
        (
            item.mfa_missing,
            "No MFA",
            "Your security policy requires MFA of their role",
        ),
    ]
    .into_iter()
    .filter_map(|(on, label, why)| on.then_some((label, why)))
    .collect();
    if flags.is_empty() {
        return view! { <span class="muted">"None"</span> }.into_any();
    }
    view! {
        <ul class="plain-list flags">
            {flags.into_iter().map(|(label, why)| view! {
                <li><span class="status pending" title=why>{label}</span></li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The person's project roles (their own and through teams) and teams when the review started.
#[component]
fn Holdings(item: ReviewItemView) -> impl IntoView {
    let implicit = match item.role.as_str() {
        "owner" | "admin" => Some("Admin on every project through their role"),
        "auditor" => Some("Views every project through their role"),
        _ => None,
    };
    let projects = item
        .projects
        .into_iter()
        .map(|p| {
            let via = p.team.map(|team| format!(" via {team}")).unwrap_or_default();
            view! {
                <li>
                    <span class="project-fact">{p.name}</span>
                    <span class="muted">{format!(" · {}{via}", project_role_label(&p.role))}</span>
                    {p.archived.then(|| view! { " " <span class="status expired">"Archived"</span> })}
                </li>
            }
        })
        .collect::<Vec<_>>();
    let teams = item
        .teams
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let nothing = implicit.is_none() && projects.is_empty() && teams.is_empty();
    view! {
        {implicit.map(|text| view! { <p class="muted holding-note">{text}</p> })}
        {(!projects.is_empty()).then(|| view! { <ul class="plain-list holdings">{projects}</ul> })}
        {(!teams.is_empty()).then(|| view! { <p class="holding-note">"Teams: " {teams}</p> })}
        {nothing.then(|| view! { <span class="muted">"No projects or teams"</span> })}
    }
}

/// Keep, Change role (to the role chosen), Remove and Deactivate for one row.
#[component]
fn DecideForm(
    item: ReviewItemView,
    is_me: bool,
    decisions: Decisions,
    keep: bool,
) -> impl IntoView {
    let name = item.name.clone();
    // Less power first, so the preselected change is a step down.
    let roles: Vec<&'static str> = ["member", "auditor", "admin", "owner"]
        .into_iter()
        .filter(|role| *role != item.role)
        .collect();
    let role_id = format!("review-role-{}", item.id);
    let (for_remove, for_deactivate) = (item.clone(), item.clone());
    let drastic = (!is_me).then(|| {
        view! {
            <button
                type="submit"
                name="decision"
                value="remove"
                class="button small danger-text"
                aria-label=format!("Remove {name}")
                on:click=move |ev| {
                    ev.prevent_default();
                    decisions.ask(&for_remove, decisions.confirm_remove);
                }
            >
                "Remove"
            </button>
            <button
                type="submit"
                name="decision"
                value="deactivate"
                class="button small danger-text"
                aria-label=format!("Deactivate {name}")
                on:click=move |ev| {
                    ev.prevent_default();
                    decisions.ask(&for_deactivate, decisions.confirm_deactivate);
                }
            >
                "Deactivate"
            </button>
        }
    });
    view! {
        <ActionForm action=decisions.decide attr:class="decide-form">
            <input type="hidden" name="item_id" value=item.id.clone()/>
            {keep.then(|| view! {
                <button
                    type="submit"
                    name="decision"
                    value="keep"
                    class="button small"
                    aria-label=format!("Keep {}", item.name)
                >
                    "Keep"
                </button>
            })}
            <span class="change-role">
                <label for=role_id.clone() class="visually-hidden">
                    {format!("New role for {}", item.name)}
                </label>
                <select id=role_id name="role">
                    {roles.into_iter().map(|role| view! {
                        <option value=role>{role_label(role)}</option>
                    }).collect_view()}
                </select>
                <button
                    type="submit"
                    name="decision"
                    value="change_role"
                    class="button small"
                    aria-label=format!("Change role of {}", item.name)
                >
                    "Change role"
                </button>
            </span>
            {drastic}
        </ActionForm>
    }
}
