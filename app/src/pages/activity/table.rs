//! The events as a table, for the Activity screen (every column) and a member's sign-in history
//! (the person is known: no actor or target), and the keyset paging links under it.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::activity::ActivityEventView;
use crate::time;

/// Newest first. `full`: with the actor and target (the Activity screen).
#[component]
pub(super) fn EventsTable(events: Vec<ActivityEventView>, now: i64, full: bool) -> impl IntoView {
    let rows = events
        .into_iter()
        .map(|event| view! { <EventRow event now full/> })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="activity-table">
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        {full.then(|| view! { <th scope="col">"Actor"</th> })}
                        <th scope="col">{if full { "Action" } else { "Event" }}</th>
                        {full.then(|| view! { <th scope="col">"Target"</th> })}
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"IP"</th>
                        <th scope="col">"Device"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn EventRow(event: ActivityEventView, now: i64, full: bool) -> impl IntoView {
    let when =
        time::parse_iso(&event.at).map_or_else(|| event.at.clone(), |at| time::relative(at, now));
    let actor = full.then(|| {
        let who = match event.actor_type.as_str() {
            "system" => {
                Either::Left(view! { <span class="muted">{event.actor_name.clone()}</span> })
            }
            kind => {
                let badge = (kind == "service_account").then(
                    || view! { " " <span class="badge muted-badge">"Service account"</span> },
                );
                Either::Right(view! { <span>{event.actor_name.clone()}</span> {badge} })
            }
        };
        view! { <td data-label="Actor">{who}</td> }
    });
    let target = full.then(|| {
        // The person it is about goes under the target, or stands for it when there is none.
        let (main, about) = match (event.target_name.clone(), event.subject_name.clone()) {
            (Some(target), Some(subject)) if target != subject => (Some(target), Some(subject)),
            (Some(target), _) => (Some(target), None),
            (None, subject) => (subject, None),
        };
        let shown = match (main, about) {
            (None, None) => Either::Left(view! { <span class="muted">"—"</span> }),
            (main, about) => Either::Right(view! {
                {main.map(|name| view! { <span class="target-name">{name}</span> })}
                {about.map(|name| view! { <span class="target-about">{name}</span> })}
            }),
        };
        view! { <td data-label="Target" class="activity-target">{shown}</td> }
    });
    let action_label = if full { "Action" } else { "Event" };
    let refused = event.outcome == "refused";
    let outcome = if refused {
        Either::Left(view! { <span class="status deactivated">"Refused"</span> })
    } else {
        Either::Right(view! { <span class="status active">"Succeeded"</span> })
    };
    let or_dash = |value: Option<String>| match value.filter(|v| !v.is_empty()) {
        Some(value) => Either::Left(view! { <span>{value}</span> }),
        None => Either::Right(view! { <span class="muted">"—"</span> }),
    };
    view! {
        <tr class:refused=refused data-action=event.action.clone()>
            <td data-label="Time" class="activity-time">
                <time datetime=event.at.clone() title=time::exact(&event.at)>{when}</time>
            </td>
            {actor}
            <td data-label=action_label class="activity-action">{event.description.clone()}</td>
            {target}
            <td data-label="Outcome">{outcome}</td>
            <td data-label="IP" class="activity-ip">{or_dash(event.ip.clone())}</td>
            <td data-label="Device">{or_dash(event.device.clone())}</td>
        </tr>
    }
}

/// "Newest" (on an older page) and "Older events" (when there are more): plain links, so
/// paging works without JavaScript and each page has its URL.
#[component]
pub(super) fn OlderNewer(older: Option<String>, newest: Option<String>) -> impl IntoView {
    (older.is_some() || newest.is_some()).then(|| {
        view! {
            <nav class="pagination" aria-label="Pages">
                {newest.map(|href| view! { <A href=href>"Newest"</A> })}
                {older.map(|href| view! { <A href=href>"Older events"</A> })}
            </nav>
        }
    })
}
