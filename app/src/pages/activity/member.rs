//! `/settings/members/:id/activity`: one member's sign-in history, from the Members screen, for
//! Owners, Admins and Auditors: when they last signed in (kept after their sessions end) and
//! were last active, then their sign-ins and refused attempts with the reason, IP and device,
//! newest first, paged by keyset like the Activity screen.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::member_activity_path;
use super::table::{EventsTable, OlderNewer};
use crate::api::activity::{MemberActivityView, member_activity};
use crate::auth::use_auth;
use crate::components::form::FormError;
use crate::load::load;
use crate::time;

#[component]
pub(super) fn MemberActivityPage(user_id: String) -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let before = Memo::new(move |_| {
        query
            .read()
            .get("before")
            .and_then(|b| b.trim().parse::<i64>().ok())
    });
    let id = user_id.clone();
    let history = load(
        move || (id.clone(), before.get()),
        |(user_id, before)| async move {
            member_activity(user_id, before)
                .await
                .map(|found| (found, time::now_millis()))
        },
    );
    Effect::new(move |_| {
        if let Some(Err(error)) = history.get() {
            auth.expired(&error);
        }
    });
    view! {
        <Title text="Sign-in history"/>
        <p class="breadcrumb"><A href="/settings/members">"← Members"</A></p>
        <Transition fallback=|| view! { <p class="loading">"Loading sign-in history…"</p> }>
            {move || {
                let user_id = user_id.clone();
                Suspend::new(async move {
                    match history.await {
                        Ok((found, now)) => Either::Left(view! {
                            <History found now before=before.get() user_id/>
                        }),
                        Err(error) => Either::Right(view! {
                            <h1>"Sign-in history"</h1>
                            <FormError error=Signal::stored(Some(error))/>
                        }),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn History(
    found: MemberActivityView,
    now: i64,
    before: Option<i64>,
    user_id: String,
) -> impl IntoView {
    let when = |at: Option<String>, none: &'static str| match at {
        Some(iso) => {
            let text =
                time::parse_iso(&iso).map_or_else(|| iso.clone(), |at| time::relative(at, now));
            Either::Left(view! { <time datetime=iso.clone() title=time::exact(&iso)>{text}</time> })
        }
        None => Either::Right(view! { <span class="muted">{none}</span> }),
    };
    let path = member_activity_path(&user_id);
    let older = found
        .next
        .map(|next| crate::paths::with_query(&path, &[("before", Some(&next.to_string()))]));
    let newest = before.map(|_| path.clone());
    let body = if found.events.is_empty() {
        Either::Left(view! {
            <div class="empty-state" role="status">
                <p class="empty-title">
                    {if before.is_some() { "No older sign-ins" } else { "No sign-ins yet" }}
                </p>
                <p>"Their sign-ins and refused attempts appear here."</p>
            </div>
        })
    } else {
        Either::Right(view! { <EventsTable events=found.events now full=false/> })
    };
    view! {
        <h1>{format!("Sign-in history of {}", found.name)}</h1>
        <dl class="facts member-facts">
            <dt>"Last sign-in"</dt>
            <dd>{when(found.last_sign_in_at, "Never")}</dd>
            <dt>"Last active"</dt>
            <dd>{when(found.last_active_at, "Never")}</dd>
        </dl>
        <section class="panel panel-table" aria-labelledby="history-heading">
            <h2 id="history-heading">"Sign-ins and refused attempts"</h2>
            {body}
            <OlderNewer older newest/>
        </section>
    }
}
