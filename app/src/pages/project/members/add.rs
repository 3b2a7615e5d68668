//! "Add members": a search that type-aheads the organization's members by email or name
//! (debounced), checkboxes to select one or more (the selection survives new searches and shows
//! as chips), a role, and "Add". When the search is an email that matches nobody, the caller may
//! invite that address with the chosen role instead.
//!
//! Without JavaScript the search is a GET form (`?q=`) whose page lists the candidates as
//! checkboxes named `user_id[0]`, `user_id[1]`, … in the form that posts to
//! `add_project_members`; the invite button posts the same form to `invite_to_project`.

use std::time::Duration;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::MemberActions;
use crate::api::projects::{
    AddProjectMembers, CandidateView, InviteToProject, project_member_candidates,
};
use crate::components::form::{FieldMessages, FormError};
use crate::error::AppError;
use crate::load::{Loaded, load};

/// The type-ahead's state, created with the tab (outside any `Suspense`, so server and browser
/// create its resource in the same order).
#[derive(Clone, Copy)]
pub(super) struct Search {
    /// What the search box holds.
    typed: RwSignal<String>,
    /// What was searched: `typed` once typing paused, or at once on Enter.
    query: RwSignal<String>,
    pub selected: RwSignal<Vec<CandidateView>>,
    role: RwSignal<String>,
    candidates: Loaded<Result<Vec<CandidateView>, AppError>>,
    /// What the live region says about the latest results.
    announced: RwSignal<String>,
}

impl Search {
    pub fn new(project_id: Memo<String>, actions: MemberActions, initial: Option<String>) -> Self {
        let initial = initial.unwrap_or_default();
        let typed = RwSignal::new(initial.clone());
        let query = RwSignal::new(initial);
        let candidates = load(
            move || (project_id.get(), query.get(), actions.changed.get()),
            |(id, query, _)| async move {
                if query.trim().is_empty() {
                    Ok(Vec::new())
                } else {
                    project_member_candidates(id, query).await
                }
            },
        );
        let announced = RwSignal::new(String::new());
        // Effects run in the browser only: the live region starts empty on both sides.
        Effect::new(move |_| {
            let text = match candidates.get() {
                Some(Ok(found)) if !query.read().trim().is_empty() => match found.len() {
                    0 => "No member matches".to_string(),
                    1 => "1 member found".to_string(),
                    n => format!("{n} members found"),
                },
                _ => String::new(),
            };
            announced.set(text);
        });
        Self {
            typed,
            query,
            selected: RwSignal::new(Vec::new()),
            role: RwSignal::new("member".to_string()),
            candidates,
            announced,
        }
    }

    /// Empties the search (after an invitation went out).
    pub fn clear(self) {
        self.typed.set(String::new());
        self.query.set(String::new());
    }

    fn is_selected(self, user_id: &str) -> bool {
        self.selected.read().iter().any(|c| c.user_id == user_id)
    }

    fn toggle(self, candidate: &CandidateView, on: bool) {
        self.selected.update(|selected| {
            selected.retain(|c| c.user_id != candidate.user_id);
            if on {
                selected.push(candidate.clone());
            }
        });
    }
}

/// Roughly an email address: enough to offer an invitation (the server decides).
fn looks_like_email(text: &str) -> bool {
    let text = text.trim();
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[component]
pub(super) fn AddMembers(
    project_id: String,
    /// Whether the caller may invite people who are not in the organization yet.
    can_invite: bool,
    actions: MemberActions,
    search: Search,
    add_error: Signal<Option<AppError>>,
    invite_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let mut search_later = debounce(Duration::from_millis(250), move |text: String| {
        search.query.set(text);
    });
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        search.typed.set(text.clone());
        search_later(text);
    };
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        search.query.set(search.typed.get_untracked());
    };
    let add_project = project_id.clone();
    let on_add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        actions.add.dispatch(AddProjectMembers {
            project_id: add_project.clone(),
            user_id: search
                .selected
                .get_untracked()
                .into_iter()
                .map(|c| c.user_id)
                .collect(),
            role: search.role.get_untracked(),
        });
    };
    let chips = move || {
        search
            .selected
            .get()
            .into_iter()
            .map(|candidate| {
                let label = format!("Unselect {}", candidate.name);
                let for_remove = candidate.clone();
                view! {
                    <li class="chip">
                        <span>{candidate.name.clone()}</span>
                        <button
                            type="button"
                            class="chip-remove"
                            aria-label=label
                            on:click=move |_| search.toggle(&for_remove, false)
                        >
                            "×"
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let invite_project = project_id.clone();
    let results = move || {
        let invite_project = invite_project.clone();
        Suspend::new(async move {
            let query = search.query.get();
            let found = search.candidates.await;
            if query.trim().is_empty() {
                return view! {
                    <p class="muted">"Type an email or a name to find members of the organization."</p>
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
                let offer = (can_invite && looks_like_email(&query)).then(|| {
                    let email = query.trim().to_string();
                    view! { <InviteOffer project_id=invite_project email actions search/> }
                });
                return view! {
                    <p class="muted">
                        "No member of the organization without a role here matches "
                        <strong>{query.clone()}</strong> "."
                    </p>
                    {offer}
                }
                .into_any();
            }
            view! {
                <fieldset class="candidates">
                    <legend>"Members found"</legend>
                    {found.into_iter().enumerate().map(|(i, candidate)| {
                        let id = candidate.user_id.clone();
                        let for_change = candidate.clone();
                        view! {
                            <label class="check candidate">
                                <input
                                    type="checkbox"
                                    name=format!("user_id[{i}]")
                                    value=candidate.user_id.clone()
                                    prop:checked=move || search.is_selected(&id)
                                    aria-describedby="add-errors"
                                    on:change=move |ev| search.toggle(&for_change, event_target_checked(&ev))
                                />
                                <span class="candidate-name">{candidate.name.clone()}</span>
                                <span class="muted candidate-email">{candidate.email.clone()}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            }
            .into_any()
        })
    };

    view! {
        <section class="panel panel-wide" aria-labelledby="add-members-heading">
            <h2 id="add-members-heading">"Add members"</h2>
            <p class="panel-intro">
                "Search the organization's members by email, select one or more, choose a role and click Add."
            </p>
            <form method="get" action="" class="search add-search" role="search" on:submit=on_search>
                <label for="candidate-search">"Search members by email or name"</label>
                <div class="search-row">
                    <input
                        id="candidate-search"
                        type="search"
                        name="q"
                        autocomplete="off"
                        maxlength="100"
                        value=search.typed.get_untracked()
                        prop:value=move || search.typed.get()
                        on:input=on_input
                    />
                    <button type="submit" class="button">"Search"</button>
                </div>
            </form>
            <p class="visually-hidden" role="status">{move || search.announced.get()}</p>
            <form
                method="post"
                action=AddProjectMembers::PATH
                class="add-members"
                on:submit=on_add
            >
                <FormError error=add_error/>
                <FormError error=invite_error/>
                <input type="hidden" name="project_id" value=project_id/>
                <Show when=move || !search.selected.read().is_empty()>
                    <div class="selected">
                        <p class="selected-label" id="selected-label">"Selected"</p>
                        <ul class="chips" aria-labelledby="selected-label">{chips}</ul>
                    </div>
                </Show>
                <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>{results}</Transition>
                <FieldMessages id="add-errors" names=&["user_id", "email"] error=Signal::derive(move || add_error.get().or_else(|| invite_error.get()))/>
                <div class="add-row">
                    <div class="field">
                        <label for="add-role">"Role"</label>
                        <select
                            id="add-role"
                            name="role"
                            on:change=move |ev| search.role.set(event_target_value(&ev))
                        >
                            <option value="admin">"Admin"</option>
                            <option value="member" selected>"Member"</option>
                            <option value="viewer">"Viewer"</option>
                        </select>
                    </div>
                    <button type="submit" class="button primary" disabled=move || actions.add.pending().get()>
                        "Add"
                    </button>
                </div>
                <p class="field-hint">
                    "Admin: view, use and edit the project and manage its members. Member: view and use. "
                    "Viewer: view only."
                </p>
            </form>
        </section>
    }
}

/// "Invite <email>": the address matches nobody in the organization; the invitation makes them a
/// Member of it who gets the chosen project role on acceptance.
#[component]
fn InviteOffer(
    project_id: String,
    email: String,
    actions: MemberActions,
    search: Search,
) -> impl IntoView {
    let label = format!("Invite {email}");
    let for_dispatch = email.clone();
    view! {
        <div class="invite-offer">
            <p>
                "Invite them: they join the organization as a Member and get the chosen role on "
                "this project when they accept."
            </p>
            <input type="hidden" name="email" value=email/>
            <button
                type="submit"
                class="button"
                formaction=InviteToProject::PATH
                disabled=move || actions.invite.pending().get()
                on:click=move |ev| {
                    ev.prevent_default();
                    actions.invite.dispatch(InviteToProject {
                        project_id: project_id.clone(),
                        email: for_dispatch.clone(),
                        role: search.role.get_untracked(),
                    });
                }
            >
                {label}
            </button>
        </div>
    }
}
