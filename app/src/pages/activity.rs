//! `/settings/activity`: the organization's audit trail for Owners, Admins and Auditors, newest
//! first, 50 events a page by keyset ("Older events" carries `before`). The filters are a GET
//! form, so they, the paging and the links work without JavaScript; "Export CSV" and "Export
//! JSON Lines" post the same filters to `/api/export_activity`, which answers a download. Owners
//! also verify the log's hash chain. Everyone else gets the server's refusal.
//!
//! One route with `/settings/members/:id/activity` (a member's sign-in history, see
//! [`member`]), so both screens share one chunk of the browser bundle.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api::activity::{ActivityPageView, AuditVerdictView, list_activity, verify_audit};
use crate::api::members::list_members;
use crate::auth::use_auth;
use crate::components::form::FormError;
use crate::error::{AppError, ErrorCode};
use crate::load::load;
use crate::time;

mod filters;
mod member;
mod table;

use filters::{ExportForm, FilterForm};
use member::MemberActivityPage;
use table::{EventsTable, OlderNewer};

pub const ACTIVITY_PATH: &str = "/settings/activity";

/// A member's sign-in history.
pub fn member_activity_path(user_id: &str) -> String {
    format!(
        "/settings/members/{}/activity",
        crate::paths::encode(user_id)
    )
}

/// `/settings/activity`, or with a member's id their sign-in history.
#[component]
pub fn ActivityScreen() -> impl IntoView {
    let params = use_params_map();
    let one = Memo::new(move |_| params.read().get("id"));
    move || match one.get() {
        Some(user_id) => Either::Left(view! { <MemberActivityPage user_id/> }),
        None => Either::Right(view! { <ActivityPage/> }),
    }
}

/// What the list shows, as the URL (and the filter form) says it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Filter {
    /// A member's name or email address, as typed.
    person: String,
    kind: String,
    outcome: String,
    from: String,
    to: String,
}

impl Filter {
    fn from_query(query: &ParamsMap) -> Self {
        let get = |name: &str| query.get(name).unwrap_or_default().trim().to_string();
        Self {
            person: get("person"),
            kind: get("kind"),
            outcome: get("outcome"),
            from: get("from"),
            to: get("to"),
        }
    }

    fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The filters set, as query parameters.
    fn params(&self) -> Vec<(&'static str, &str)> {
        [
            ("person", &self.person),
            ("kind", &self.kind),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name, value.as_str()))
        .collect()
    }

    /// This list, older than `before` when given.
    fn link(&self, before: Option<i64>) -> String {
        let before = before.map(|b| b.to_string());
        let mut params: Vec<(&str, Option<&str>)> = self
            .params()
            .into_iter()
            .map(|(name, value)| (name, Some(value)))
            .collect();
        params.push(("before", before.as_deref()));
        crate::paths::with_query(ACTIVITY_PATH, &params)
    }
}

/// A page of events and whom the person filter named.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct EventsRead {
    /// The member `person` named (their id).
    user_id: Option<String>,
    page: ActivityPageView,
}

#[component]
fn ActivityPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let filter = Memo::new(move |_| Filter::from_query(&query.read()));
    let before = Memo::new(move |_| {
        query
            .read()
            .get("before")
            .and_then(|b| b.trim().parse::<i64>().ok())
    });
    // "Verify audit log" comes back as `?verify=1`, so it works without JavaScript too.
    let verify_asked = Memo::new(move |_| query.read().get("verify").is_some());
    let events = load(
        move || (filter.get(), before.get()),
        |(filter, before)| async move {
            read_page(filter, before)
                .await
                .map(|loaded| (loaded, time::now_millis()))
        },
    );
    let verdict = load(
        move || verify_asked.get(),
        |asked| async move {
            if asked {
                Some(verify_audit().await)
            } else {
                None
            }
        },
    );
    Effect::new(move |_| {
        if let Some(Err(error)) = events.get() {
            auth.expired(&error);
        }
    });

    view! {
        <Title text="Activity"/>
        <h1>"Activity"</h1>
        <p class="panel-intro page-intro">
            "Everything done in your organization and every refused attempt, newest first: who "
            "did it, from where, and to what."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading activity…"</p> }>
            {move || Suspend::new(async move {
                let me = auth.current().await;
                let owner = me
                    .as_ref()
                    .and_then(|me| me.organization.as_ref())
                    .is_some_and(|org| org.role == "owner");
                let filter = filter.get();
                let before = before.get();
                let loaded = events.await;
                // A refusal (a Member, a session that ended) replaces the screen; refused
                // filters show at their fields.
                if let Err(error) = &loaded
                    && error.code != ErrorCode::Validation
                {
                    let error = Signal::stored(Some(error.clone()));
                    return Either::Left(view! { <FormError error/> });
                }
                let verdict = verdict.await;
                Either::Right(view! {
                    <ActivityBody loaded filter before owner verdict/>
                })
            })}
        </Transition>
    }
}

/// The filters, the export and verification, and the events (or why there are none).
#[component]
fn ActivityBody(
    loaded: Result<(EventsRead, i64), AppError>,
    filter: Filter,
    before: Option<i64>,
    owner: bool,
    verdict: Option<Result<AuditVerdictView, AppError>>,
) -> impl IntoView {
    let error = loaded.as_ref().err().cloned();
    let export = loaded.as_ref().ok().map(|(loaded, _)| {
        view! { <ExportForm filter=filter.clone() user_id=loaded.user_id.clone()/> }
    });
    let verify = owner.then(|| view! { <VerifyForm filter=filter.clone() verdict/> });
    let list = loaded.ok().map(|(loaded, now)| {
        let older = loaded.page.next.map(|next| filter.link(Some(next)));
        let newest = before.map(|_| filter.link(None));
        let heading = if before.is_some() {
            "Older events"
        } else {
            "Events"
        };
        let body = if loaded.page.events.is_empty() {
            Either::Left(empty_state(!filter.is_empty(), before.is_some()))
        } else {
            Either::Right(view! { <EventsTable events=loaded.page.events now full=true/> })
        };
        view! {
            <section class="panel panel-table" aria-labelledby="events-heading">
                <h2 id="events-heading">{heading}</h2>
                {body}
                <OlderNewer older newest/>
            </section>
        }
    });
    view! {
        <FilterForm filter=filter.clone() error/>
        <div class="activity-tools">
            {export}
            {verify}
        </div>
        {list}
    }
}

/// Reads a page: the person filter names a member by name or email, which becomes their id.
/// When the person is not found the other filters are still checked, so every refused field
/// shows at once.
async fn read_page(filter: Filter, before: Option<i64>) -> Result<EventsRead, AppError> {
    let person = person_id(&filter.person).await;
    let user_id = person.as_ref().ok().cloned().flatten();
    let listed = list_activity(
        user_id.clone().unwrap_or_default(),
        filter.kind,
        filter.outcome,
        filter.from,
        filter.to,
        before,
    )
    .await
    .map_err(|mut error| {
        // The form names the person `person`; the API names them `user_id`.
        if let Some(messages) = error.fields.remove("user_id") {
            error.fields.insert("person".to_string(), messages);
        }
        error
    });
    match (person, listed) {
        (_, Err(refused)) if refused.code != ErrorCode::Validation => Err(refused),
        (Ok(_), Ok(page)) => Ok(EventsRead { user_id, page }),
        (Ok(_), Err(invalid)) | (Err(invalid), Ok(_)) => Err(invalid),
        (Err(mut invalid), Err(also)) => {
            invalid.fields.extend(also.fields);
            Err(invalid)
        }
    }
}

/// The member `text` names: the one with that email address, else the only one whose name or
/// email contains it. Anything else is the `person` field's error.
async fn person_id(text: &str) -> Result<Option<String>, AppError> {
    if text.is_empty() {
        return Ok(None);
    }
    let found = list_members(Some(text.to_string()), Some(1), None).await?;
    let exact = found
        .members
        .iter()
        .find(|m| m.email.eq_ignore_ascii_case(text));
    let only = (found.total == 1).then(|| found.members.first()).flatten();
    if let Some(member) = exact.or(only) {
        return Ok(Some(member.user_id.clone()));
    }
    let message = if found.total == 0 {
        format!("No member matches “{text}”")
    } else {
        format!(
            "{} members match “{text}”: enter the email address of the one you mean",
            found.total
        )
    };
    let mut error = AppError::new(
        ErrorCode::Validation,
        "Please correct the highlighted fields.",
    );
    error.fields.insert("person".to_string(), vec![message]);
    Err(error)
}

/// What an empty list says.
fn empty_state(filtered: bool, older: bool) -> impl IntoView + use<> {
    let (title, text) = if older {
        (
            "No older events",
            "Everything that matches is on the newer pages.",
        )
    } else if filtered {
        (
            "No events match",
            "Try other filters, a longer date range, or clear the filters.",
        )
    } else {
        (
            "No activity yet",
            "Sign-ins, changes and refused attempts in your organization appear here.",
        )
    };
    view! {
        <div class="empty-state" role="status">
            <p class="empty-title">{title}</p>
            <p>{text}</p>
        </div>
    }
}

/// "Verify audit log" (Owners): the list's URL with `verify=1`, whose answer shows beside it.
#[component]
fn VerifyForm(
    filter: Filter,
    verdict: Option<Result<AuditVerdictView, AppError>>,
) -> impl IntoView {
    let kept = filter
        .params()
        .into_iter()
        .map(|(name, value)| view! { <input type="hidden" name=name value=value.to_string()/> })
        .collect_view();
    let outcome = verdict.map(|verdict| match verdict {
        Ok(verdict) if verdict.intact => {
            let checked = verdict.checked.unwrap_or(0);
            let events = if checked == 1 { "event" } else { "events" };
            Either::Left(view! {
                <p class="verdict intact" role="status">
                    {format!("The audit log is intact ({checked} {events} checked)")}
                </p>
            })
        }
        Ok(verdict) => Either::Right(view! {
            <p class="verdict broken" role="alert">{broken_words(&verdict)}</p>
        }),
        Err(error) => Either::Right(view! {
            <p class="verdict broken" role="alert">{error.message}</p>
        }),
    });
    view! {
        <Form method="GET" action="" attr:class="verify-form">
            {kept}
            <input type="hidden" name="verify" value="1"/>
            <button type="submit" class="button">"Verify audit log"</button>
        </Form>
        {outcome}
    }
}

/// The first broken link of the chain, in words.
fn broken_words(verdict: &AuditVerdictView) -> String {
    let Some(link) = &verdict.broken else {
        return "The audit log is broken.".to_string();
    };
    let seq = link.seq;
    let why = match link.problem.as_str() {
        "altered" => format!("event {seq} was edited after it was written"),
        "unlinked" => format!(
            "event {seq} does not follow the one before it: an earlier event was removed or \
             replaced"
        ),
        "missing" => format!("event {seq} is missing: it was deleted"),
        "inserted" => format!("an event was inserted at place {seq}"),
        other => format!("event {seq} is {other}"),
    };
    let id = link
        .event_id
        .as_deref()
        .map(|id| format!(" (event id {id})"))
        .unwrap_or_default();
    format!("The audit log is broken: {why}{id}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::activity::BrokenLinkView;

    #[test]
    fn links_keep_the_filters_and_add_the_cursor() {
        let filter = Filter {
            person: "ada@example.com".into(),
            kind: "sign_in".into(),
            outcome: "refused".into(),
            ..Filter::default()
        };
        assert_eq!(
            filter.link(Some(42)),
            "/settings/activity?person=ada%40example.com&kind=sign_in&outcome=refused&before=42"
        );
        assert_eq!(Filter::default().link(None), "/settings/activity");
    }

    #[test]
    fn a_broken_chain_names_its_first_broken_link() {
        let verdict = AuditVerdictView {
            intact: false,
            checked: None,
            broken: Some(BrokenLinkView {
                seq: 7,
                event_id: None,
                problem: "missing".into(),
            }),
        };
        assert_eq!(
            broken_words(&verdict),
            "The audit log is broken: event 7 is missing: it was deleted."
        );
    }
}
