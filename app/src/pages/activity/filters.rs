//! The Activity screen's filters (a GET form: person, kind, outcome, a date range) and its
//! export (a plain POST form to `/api/export_activity`, which answers a download, so it needs no
//! JavaScript and leaves the page where it is).

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::components::{A, Form};

use super::{ACTIVITY_PATH, Filter};
use crate::api::members::list_members;
use crate::components::form::FormError;
use crate::error::AppError;

const KINDS: [(&str, &str); 8] = [
    ("", "Any"),
    ("sign_in", "Sign-in"),
    ("members", "Members"),
    ("projects", "Projects"),
    ("teams", "Teams"),
    ("keys", "Keys"),
    ("security", "Security"),
    ("account", "Account"),
];

const OUTCOMES: [(&str, &str); 3] = [
    ("", "Any"),
    ("succeeded", "Succeeded"),
    ("refused", "Refused"),
];

#[component]
pub(super) fn FilterForm(filter: Filter, error: Option<AppError>) -> impl IntoView {
    let messages = |name: &str| -> Vec<String> {
        error
            .as_ref()
            .map(|e| e.field(name).to_vec())
            .unwrap_or_default()
    };
    let (person, kind, outcome) = (messages("person"), messages("kind"), messages("outcome"));
    let (from, to) = (messages("from"), messages("to"));
    let form_error = Signal::stored(error.clone());
    let clear = (!filter.is_empty()).then(|| view! { <A href=ACTIVITY_PATH>"Clear filters"</A> });
    view! {
        <section class="panel panel-table" aria-labelledby="filters-heading">
            <h2 id="filters-heading" class="visually-hidden">"Filters"</h2>
            <FormError error=form_error/>
            <Form method="GET" action="" attr:class="activity-filters">
                <PersonField value=filter.person.clone() messages=person/>
                <Choice
                    label="Kind"
                    name="kind"
                    choices=&KINDS
                    value=filter.kind.clone()
                    messages=kind
                />
                <Choice
                    label="Outcome"
                    name="outcome"
                    choices=&OUTCOMES
                    value=filter.outcome.clone()
                    messages=outcome
                />
                <Day label="From" name="from" value=filter.from.clone() messages=from/>
                <Day label="To" name="to" value=filter.to.clone() messages=to/>
                <div class="filter-actions">
                    <button type="submit" class="button primary">"Apply filters"</button>
                    {clear}
                </div>
            </Form>
        </section>
    }
}

/// A control's id, its messages' id and whether it is refused.
fn ids(name: &str, messages: &[String]) -> (String, String, bool) {
    (
        format!("activity-{name}"),
        format!("activity-{name}-error"),
        !messages.is_empty(),
    )
}

fn message_list(id: String, messages: Vec<String>) -> impl IntoView {
    (!messages.is_empty()).then(|| {
        view! {
            <ul class="field-error" id=id>
                {messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        }
    })
}

/// "Person": a member's name or email, suggested as typed (a datalist filled from the members
/// search once hydrated); the page resolves it to one member.
#[component]
fn PersonField(value: String, messages: Vec<String>) -> impl IntoView {
    let (id, error_id, invalid) = ids("person", &messages);
    let hint_id = "activity-person-hint";
    let described = if invalid {
        format!("{error_id} {hint_id}")
    } else {
        hint_id.to_string()
    };
    let suggestions = RwSignal::new(Vec::<(String, String)>::new());
    let mut suggest_later = debounce(Duration::from_millis(250), move |text: String| {
        leptos::task::spawn_local(async move {
            let found = if text.trim().chars().count() < 2 {
                Vec::new()
            } else {
                list_members(Some(text), Some(1), None)
                    .await
                    .map(|list| {
                        list.members
                            .into_iter()
                            .map(|m| (m.name, m.email))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            suggestions.set(found);
        });
    });
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>"Person"</label>
            <input
                id=id
                type="search"
                name="person"
                list="activity-people"
                autocomplete="off"
                maxlength="100"
                value=value
                aria-invalid=invalid.then_some("true")
                aria-describedby=described
                on:input=move |ev| suggest_later(event_target_value(&ev))
            />
            <datalist id="activity-people">
                {move || {
                    suggestions
                        .get()
                        .into_iter()
                        .map(|(name, email)| view! { <option value=email>{name}</option> })
                        .collect_view()
                }}
            </datalist>
            <p class="field-hint" id=hint_id>"Name or email address"</p>
            {message_list(error_id, messages)}
        </div>
    }
}

#[component]
fn Choice(
    label: &'static str,
    name: &'static str,
    choices: &'static [(&'static str, &'static str)],
    value: String,
    messages: Vec<String>,
) -> impl IntoView {
    let (id, error_id, invalid) = ids(name, &messages);
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            <select
                id=id
                name=name
                aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| error_id.clone())
            >
                {choices.iter().map(|(choice, text)| view! {
                    <option value=*choice selected=*choice == value>{*text}</option>
                }).collect_view()}
            </select>
            {message_list(error_id, messages)}
        </div>
    }
}

/// A day (`YYYY-MM-DD`, UTC).
#[component]
fn Day(
    label: &'static str,
    name: &'static str,
    value: String,
    messages: Vec<String>,
) -> impl IntoView {
    let (id, error_id, invalid) = ids(name, &messages);
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="date"
                name=name
                value=value
                aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| error_id.clone())
            />
            {message_list(error_id, messages)}
        </div>
    }
}

/// "Export CSV" and "Export JSON Lines": the current filters, posted as a plain form (each
/// button sends its `format`); the answer is a file, so the page stays.
#[component]
pub(super) fn ExportForm(filter: Filter, user_id: Option<String>) -> impl IntoView {
    let fields = [
        ("user_id", user_id.unwrap_or_default()),
        ("kind", filter.kind),
        ("outcome", filter.outcome),
        ("from", filter.from),
        ("to", filter.to),
    ];
    view! {
        <form method="post" action="/api/export_activity" class="export-form">
            {fields
                .into_iter()
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
                .collect_view()}
            <button type="submit" class="button" name="format" value="csv">"Export CSV"</button>
            <button type="submit" class="button" name="format" value="jsonl">
                "Export JSON Lines"
            </button>
        </form>
    }
}
