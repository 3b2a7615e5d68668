//! `/settings/access-reviews`: the organization's access reviews, newest first, for Owners,
//! Admins and Auditors — when each was started and by whom, how far it got, who completed it —
//! with when the next one is due and a CSV export of each. Owners start a review here (a plain
//! form post without JavaScript) and land on its page; while one is open they continue it.
//! Everyone else gets the server's refusal.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::access_reviews::{
    ACCESS_REVIEWS_PATH, AccessReviewDueView, AccessReviewList, AccessReviewView,
    StartAccessReview, access_review_export_path, access_review_path, list_access_reviews,
};
use crate::auth::use_auth;
use crate::components::access_reviews::ReviewDue;
use crate::components::form::{FormError, action_error};
use crate::components::pager::Pager;
use crate::components::toast::use_toasts;
use crate::error::{AppError, ErrorCode};
use crate::load::load;
use crate::pages::access_review::AccessReviewPage;
use crate::saved::Saved;
use crate::time;

/// `/settings/access-reviews/:id?`: the list, or one review's page (one route, so one chunk of
/// the browser bundle for both).
#[component]
pub fn AccessReviewsScreen() -> impl IntoView {
    let params = use_params_map();
    let one = Memo::new(move |_| params.read().get("id").is_some());
    move || {
        if one.get() {
            view! { <AccessReviewPage/> }.into_any()
        } else {
            view! { <AccessReviewsPage/> }.into_any()
        }
    }
}

/// "12 of 30 decided".
pub fn progress_text(review: &AccessReviewView) -> String {
    format!("{} of {} decided", review.decided, review.total)
}

/// A day as the page shows it, with the exact time as its tooltip.
pub fn day_view(iso: &str, now: i64) -> impl IntoView + use<> {
    let text = time::parse_iso(iso).map_or_else(|| iso.to_string(), |at| time::day(at, now));
    view! { <time datetime=iso.to_string() title=time::exact(iso)>{text}</time> }
}

#[component]
fn AccessReviewsPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let query = use_query_map();
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1)
    });
    let start = ServerAction::<StartAccessReview>::new();
    let start_error = action_error(start);
    let reviews = load(
        move || page.get(),
        |page| async move {
            list_access_reviews(Some(page))
                .await
                .map(|list| (list, time::now_millis()))
        },
    );
    Effect::new(move |_| {
        if let Some(error) = start_error.get() {
            auth.expired(&error);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(review)) = start.value().get() {
            ReviewDue::refresh();
            toasts.show(Saved::AccessReviewStarted.toast());
            navigate(&access_review_path(&review.id), Default::default());
        }
    });

    view! {
        <Title text="Access reviews"/>
        <div class="page-head">
            <h1>"Access reviews"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    let (list, _) = reviews.await.ok()?;
                    list.can_conduct.then(|| match list.due.in_progress.clone() {
                        Some(open) => view! {
                            <A href=access_review_path(&open) attr:class="button primary">
                                "Continue the review in progress"
                            </A>
                        }
                        .into_any(),
                        None => view! {
                            <ActionForm action=start attr:class="inline-form">
                                <button
                                    type="submit"
                                    class="button primary"
                                    disabled=move || start.pending().get()
                                >
                                    "Start access review"
                                </button>
                            </ActionForm>
                        }
                        .into_any(),
                    })
                })}
            </Suspense>
        </div>
        <p class="panel-intro page-intro">
            "A review goes through everyone with access to the organization — flagging Owners and "
            "Admins, members who have not signed in for 30 days and members without MFA where "
            "your policy requires it — with each person's projects and teams. For each person you "
            "keep their access, change their role, remove or deactivate them; the change is made "
            "at once. Complete a review every 90 days."
        </p>
        <FormError error=start_error/>
        <Suspense fallback=|| view! { <p class="loading">"Loading access reviews…"</p> }>
            {move || Suspend::new(async move {
                let listed = reviews.await;
                view! { <ReviewTable listed/> }
            })}
        </Suspense>
    }
}

/// When the next review is due, in a sentence.
#[component]
fn DueNote(due: AccessReviewDueView, now: i64) -> impl IntoView {
    let due_day = day_view(&due.due_at, now);
    match (due.overdue, due.last_completed_at.clone()) {
        (true, _) => view! {
            <p class="notice warning" role="status">
                "No access review was completed in the last 90 days: one is due."
            </p>
        }
        .into_any(),
        (false, Some(last)) => view! {
            <p class="due-note">
                "Last completed " {day_view(&last, now)} ". The next review is due " {due_day} "."
            </p>
        }
        .into_any(),
        (false, None) => view! {
            <p class="due-note">"The first review is due " {due_day} "."</p>
        }
        .into_any(),
    }
}

#[component]
fn ReviewTable(listed: Result<(AccessReviewList, i64), AppError>) -> impl IntoView {
    let (list, now) = match listed {
        Ok(listed) => listed,
        Err(error) => {
            let forbidden = error.code == ErrorCode::Forbidden;
            return view! {
                <div class="panel">
                    <p class="form-error" role="alert">{error.message}</p>
                    {forbidden.then(|| view! {
                        <p>"Access reviews are for the organization's Owners, Admins and Auditors."</p>
                    })}
                </div>
            }
            .into_any();
        }
    };
    let due = view! { <DueNote due=list.due.clone() now/> };
    if list.reviews.is_empty() {
        return view! {
            {due}
            <section class="panel panel-table" aria-labelledby="access-reviews-heading">
                <h2 id="access-reviews-heading" class="visually-hidden">"Past and current reviews"</h2>
                <div class="empty-state" role="status">
                    <p class="empty-title">"No access reviews yet"</p>
                    <p>
                        {if list.can_conduct {
                            "Start one to go through who has access, person by person."
                        } else {
                            "The organization's Owners start reviews; they appear here."
                        }}
                    </p>
                </div>
            </section>
        }
        .into_any();
    }
    let page_link = |page: i64| {
        crate::paths::with_query(
            ACCESS_REVIEWS_PATH,
            &[("page", (page > 1).then(|| page.to_string()).as_deref())],
        )
    };
    view! {
        {due}
        <section class="panel panel-table" aria-labelledby="access-reviews-heading">
            <h2 id="access-reviews-heading">"Past and current reviews"</h2>
            <div class="table-scroll">
                <table class="access-reviews-table">
                    <thead>
                        <tr>
                            <th scope="col">"Started"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Progress"</th>
                            <th scope="col">"Completed"</th>
                            <th scope="col">"Export"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.reviews.into_iter().map(|review| view! { <ReviewRow review now/> }).collect_view()}
                    </tbody>
                </table>
            </div>
            <Pager page=list.page total=list.total page_size=list.page_size link=page_link/>
        </section>
    }
    .into_any()
}

#[component]
fn ReviewRow(review: AccessReviewView, now: i64) -> impl IntoView {
    let started = time::parse_iso(&review.started_at)
        .map_or_else(|| review.started_at.clone(), |at| time::day(at, now));
    let by = review
        .started_by
        .as_ref()
        .map(|r| format!(" by {}", r.name))
        .unwrap_or_default();
    let completed = review.completed_at.clone().map_or_else(
        || view! { <span class="muted">"—"</span> }.into_any(),
        |at| {
            let by = review
                .completed_by
                .as_ref()
                .map(|r| format!("By {} on ", r.name))
                .unwrap_or_else(|| "On ".to_string());
            view! { {by} {day_view(&at, now)} }.into_any()
        },
    );
    let status = if review.status == "completed" {
        view! { <span class="status active">"Completed"</span> }.into_any()
    } else {
        view! { <span class="status pending">"In progress"</span> }.into_any()
    };
    let export_label = format!("Export the review started {started} as CSV");
    let progress = progress_text(&review);
    let started_at = review.started_at.clone();
    view! {
        <tr data-review=review.id.clone()>
            <th scope="row" class="review-started">
                <A href=access_review_path(&review.id)>
                    <time datetime=started_at.clone() title=time::exact(&started_at)>
                        {started.clone()}
                    </time>
                </A>
                <span class="muted">{by}</span>
            </th>
            <td data-label="Status">{status}</td>
            <td data-label="Progress">{progress}</td>
            <td data-label="Completed">{completed}</td>
            <td data-label="Export">
                <a href=access_review_export_path(&review.id) download="" aria-label=export_label>
                    "Export CSV"
                </a>
            </td>
        </tr>
    }
}
