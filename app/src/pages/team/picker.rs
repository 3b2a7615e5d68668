//! Choosing organization members for a team: a search box that type-aheads them by email or
//! name (debounced), checkboxes to select one or more (the selection survives new searches and
//! shows as chips), for "Create Team" and a team's "Add members".
//!
//! The search box belongs to a GET form of its own (`form=<id>`, see [`PickerSearchForm`]) while
//! it sits inside the form that posts the people: forms cannot nest. Without JavaScript that GET
//! form reloads the page with `?find=<text>`, whose candidates are checkboxes named
//! `user_id[0]`, `user_id[1]`, … in the posting form. Hydrated, the people selected in earlier
//! searches ride along as hidden `user_id[i]` fields after the candidates in view.

use std::time::Duration;

use leptos::prelude::*;

use crate::api::teams::{CandidateView, team_member_candidates};
use crate::components::form::FieldMessages;
use crate::error::AppError;
use crate::load::{Loaded, load};

/// The type-ahead's state, created with the page (outside any `Suspense`, so server and browser
/// create its resource in the same order).
#[derive(Clone, Copy)]
pub struct Picker {
    /// What the search box holds.
    typed: RwSignal<String>,
    /// What was searched: `typed` once typing paused, or at once on Enter.
    query: RwSignal<String>,
    pub selected: RwSignal<Vec<CandidateView>>,
    candidates: Loaded<Result<Vec<CandidateView>, AppError>>,
    /// What the live region says about the latest results.
    announced: RwSignal<String>,
}

impl Picker {
    /// `team_id` gives the team people are added to ("" for a team being created); `changed`
    /// reloads the candidates after a change went through.
    pub fn new(
        team_id: impl Fn() -> String + Send + Sync + 'static,
        changed: RwSignal<u32>,
        initial: Option<String>,
    ) -> Self {
        let initial = initial.unwrap_or_default();
        let typed = RwSignal::new(initial.clone());
        let query = RwSignal::new(initial);
        let candidates = load(
            move || (team_id(), query.get(), changed.get()),
            |(id, query, _)| async move {
                if query.trim().is_empty() {
                    Ok(Vec::new())
                } else {
                    team_member_candidates(id, query).await
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
            candidates,
            announced,
        }
    }

    /// Empties the search and the selection (after the people were added).
    pub fn clear(self) {
        self.typed.set(String::new());
        self.query.set(String::new());
        self.selected.set(Vec::new());
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

    /// The candidates of the latest search, once loaded (empty otherwise); read inside a
    /// `Suspense` or `Transition`.
    pub async fn found(self) -> Vec<CandidateView> {
        self.candidates.await.unwrap_or_default()
    }
}

/// The GET form the search box belongs to; put it after the posting form. `keep` are query
/// parameters the page must keep (`new=1` for the inline "Create Team" form).
#[component]
pub fn PickerSearchForm(
    id: &'static str,
    picker: Picker,
    #[prop(optional)] keep: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <form
            id=id
            method="get"
            action=""
            class="picker-search"
            on:submit=move |ev| {
                ev.prevent_default();
                picker.query.set(picker.typed.get_untracked());
            }
        >
            {keep.map(|(name, value)| view! { <input type="hidden" name=name value=value/> })}
        </form>
    }
}

/// The search box, the chips of the selection and the candidates found, inside the posting form.
#[component]
pub fn PickerFields(
    picker: Picker,
    /// The id of the [`PickerSearchForm`].
    search_form: &'static str,
    /// The search box's id (unique on the page).
    input_id: &'static str,
    /// The id of the `user_id` messages (unique on the page).
    errors_id: &'static str,
    label: &'static str,
    /// The refusals of the posting form: its `user_id` messages show under the candidates.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let hint_id = format!("{input_id}-hint");
    let mut search_later = debounce(Duration::from_millis(250), move |text: String| {
        picker.query.set(text);
    });
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        picker.typed.set(text.clone());
        search_later(text);
    };
    let chips = move || {
        picker
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
                            on:click=move |_| picker.toggle(&for_remove, false)
                        >
                            "×"
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let results = move || {
        Suspend::new(async move {
            let query = picker.query.get();
            let found = picker.candidates.await;
            if query.trim().is_empty() {
                return ().into_any();
            }
            let found = match found {
                Ok(found) => found,
                Err(error) => {
                    return view! { <p class="form-error">{error.message}</p> }.into_any();
                }
            };
            // Selected in earlier searches and not among these results: sent as hidden fields
            // numbered after the checkboxes.
            let offset = found.len();
            let hidden = move || {
                let found_ids: Vec<String> = picker
                    .candidates
                    .get()
                    .and_then(Result::ok)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| c.user_id)
                    .collect();
                picker
                    .selected
                    .get()
                    .into_iter()
                    .filter(|c| !found_ids.contains(&c.user_id))
                    .enumerate()
                    .map(|(j, c)| {
                        view! {
                            <input type="hidden" name=format!("user_id[{}]", offset + j) value=c.user_id/>
                        }
                    })
                    .collect_view()
            };
            if found.is_empty() {
                return view! {
                    <p class="muted">
                        "No member of the organization outside this team matches "
                        <strong>{query.clone()}</strong> "."
                    </p>
                    {hidden}
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
                                    prop:checked=move || picker.is_selected(&id)
                                    aria-describedby=errors_id
                                    on:change=move |ev| picker.toggle(&for_change, event_target_checked(&ev))
                                />
                                <span class="candidate-name">{candidate.name.clone()}</span>
                                <span class="muted candidate-email">{candidate.email.clone()}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                {hidden}
            }
            .into_any()
        })
    };
    // Without a search in view, everyone selected is sent as hidden fields.
    let hidden_all = move || {
        picker.query.read().trim().is_empty().then(|| {
            picker
                .selected
                .get()
                .into_iter()
                .enumerate()
                .map(|(j, c)| {
                    view! { <input type="hidden" name=format!("user_id[{j}]") value=c.user_id/> }
                })
                .collect_view()
        })
    };

    view! {
        <div class="field picker">
            <label for=input_id>{label}</label>
            <div class="search-row">
                <input
                    id=input_id
                    type="search"
                    name="find"
                    form=search_form
                    autocomplete="off"
                    maxlength="100"
                    aria-describedby=hint_id.clone()
                    value=picker.typed.get_untracked()
                    prop:value=move || picker.typed.get()
                    on:input=on_input
                />
                <button type="submit" class="button" form=search_form>"Search"</button>
            </div>
            <p class="field-hint" id=hint_id>
                "Type an email or a name to find members of the organization, then select one or more."
            </p>
        </div>
        <p class="visually-hidden" role="status">{move || picker.announced.get()}</p>
        <Show when=move || !picker.selected.read().is_empty()>
            <div class="selected">
                <p class="selected-label" id=format!("{input_id}-selected")>"Selected"</p>
                <ul class="chips" aria-labelledby=format!("{input_id}-selected")>{chips}</ul>
            </div>
        </Show>
        {hidden_all}
        <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>{results}</Transition>
        <FieldMessages id=errors_id names=&["user_id"] error/>
    }
}
