//! `/settings/access-reviews/:id` (the same route as the list, see
//! [`super::access_reviews::AccessReviewsScreen`]): one review — who started it and when, its
//! progress ("12 of 30 decided"), and a row per person with the facts it started from. While it
//! is open an Owner decides each row in place: Keep, Change role, Remove or Deactivate (the last
//! two after a confirmation; without JavaScript each is a plain form post), then completes it.
//! Admins and Auditors read it. Filters show rows that call for attention or are undecided.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::access_reviews::{
    ACCESS_REVIEWS_PATH, AccessReviewDetail, CompleteAccessReview, ReviewItemView,
    access_review_export_path, access_review_path, get_access_review,
};
use crate::auth::use_auth;
use crate::components::access_reviews::ReviewDue;
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{FormError, FormStatus, action_error};
use crate::components::pager::Pager;
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::load::load;
use crate::pages::access_reviews::{day_view, progress_text};
use crate::pages::members::role_label;
use crate::saved::{Saved, SettingsPage, saved_message};
use crate::time;

mod row;

use row::{Decisions, ReviewRow};

/// Which rows the page shows and which page of them, from the URL.
#[derive(Clone, PartialEq, Eq)]
struct Filter {
    id: String,
    show: String,
    page: i64,
}

impl Filter {
    fn link(&self, show: &str, page: i64) -> String {
        let page = (page > 1).then(|| page.to_string());
        crate::paths::with_query(
            &access_review_path(&self.id),
            &[
                ("show", (show != "all").then_some(show)),
                ("page", page.as_deref()),
            ],
        )
    }
}

/// "Kept", "Role changed to Member", … for a decision as the API names it.
pub fn decision_label(decision: &str, new_role: Option<&str>) -> String {
    match decision {
        "keep" => "Kept".to_string(),
        "change_role" => format!(
            "Role changed to {}",
            role_label(new_role.unwrap_or_default())
        ),
        "remove" => "Removed".to_string(),
        _ => "Deactivated".to_string(),
    }
}

#[component]
pub fn AccessReviewPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let auth = use_auth();
    let toasts = use_toasts();
    let filter = Memo::new(move |_| {
        let query = query.read();
        Filter {
            id: params.read().get("id").unwrap_or_default(),
            show: match query.get("show").as_deref() {
                Some("attention") => "attention".to_string(),
                Some("undecided") => "undecided".to_string(),
                _ => "all".to_string(),
            },
            page: query
                .get("page")
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(1)
                .max(1),
        }
    });
    let decisions = Decisions {
        decide: ServerAction::new(),
        target: RwSignal::new(None),
        confirm_remove: RwSignal::new(false),
        confirm_deactivate: RwSignal::new(false),
    };
    let complete = ServerAction::<CompleteAccessReview>::new();
    let decide_error = action_error(decisions.decide);
    let complete_error = action_error(complete);
    let error = Signal::derive(move || decide_error.get().or_else(|| complete_error.get()));
    Effect::new(move |_| {
        if let Some(error) = error.get() {
            auth.expired(&error);
        }
    });
    let review = load(
        move || {
            (
                filter.get(),
                decisions.decide.version().get(),
                complete.version().get(),
            )
        },
        |(filter, ..)| async move {
            get_access_review(filter.id, Some(filter.show), Some(filter.page))
                .await
                .map(|detail| (detail, time::now_millis()))
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(item)) = decisions.decide.value().get() {
            toasts.show(decided_toast(&item));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = complete.value().get() {
            ReviewDue::refresh();
            toasts.show(Saved::AccessReviewCompleted.toast());
        }
    });
    let status = saved_message(SettingsPage::AccessReview);

    view! {
        <Title text="Access review"/>
        <p class="breadcrumb"><A href=ACCESS_REVIEWS_PATH>"← Access reviews"</A></p>
        <FormError error/>
        <FormStatus message=status/>
        <Suspense fallback=|| view! { <p class="loading">"Loading the review…"</p> }>
            {move || Suspend::new(async move {
                let me = auth.current().await.map(|me| me.user.id).unwrap_or_default();
                let loaded = review.await;
                view! { <ReviewBody loaded me filter=filter.get_untracked() decisions complete/> }
            })}
        </Suspense>
        <ConfirmDialog
            id="review-remove-dialog"
            title=Signal::derive(move || {
                decisions.target.get().map(|i| format!("Remove {}?", i.name)).unwrap_or_default()
            })
            confirm_label="Remove"
            open=decisions.confirm_remove
            on_confirm=move |()| decisions.dispatch("remove")
        >
            <p>
                "Their access to this organization ends at once. Their account and their other "
                "organizations stay. This decision cannot be taken back here."
            </p>
        </ConfirmDialog>
        <ConfirmDialog
            id="review-deactivate-dialog"
            title=Signal::derive(move || {
                decisions.target.get().map(|i| format!("Deactivate {}?", i.name)).unwrap_or_default()
            })
            confirm_label="Deactivate"
            open=decisions.confirm_deactivate
            on_confirm=move |()| decisions.dispatch("deactivate")
        >
            <p>
                "All their sessions in this organization end at once and they cannot sign in to "
                "it. Their role is kept: reactivate them on the Members screen to restore access."
            </p>
        </ConfirmDialog>
    }
}

/// What a hydrated page says once a row is decided.
fn decided_toast(item: &ReviewItemView) -> String {
    match item.decision.as_deref() {
        Some("keep") => format!("{}: kept", item.name),
        Some("change_role") => format!(
            "{} is now {}",
            item.name,
            role_label(item.new_role.as_deref().unwrap_or_default())
        ),
        Some("remove") => format!("{} was removed from the organization", item.name),
        Some("deactivate") => format!(
            "{} was deactivated: their sessions here have ended",
            item.name
        ),
        _ => Saved::AccessReviewDecided.toast(),
    }
}

#[component]
fn ReviewBody(
    loaded: Result<(AccessReviewDetail, i64), AppError>,
    /// The caller's user id.
    me: String,
    filter: Filter,
    decisions: Decisions,
    complete: ServerAction<CompleteAccessReview>,
) -> impl IntoView {
    let (detail, now) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            return view! {
                <h1>"Access review"</h1>
                <p class="form-error" role="alert">{error.message}</p>
            }
            .into_any();
        }
    };
    let review = detail.review.clone();
    let started = time::parse_iso(&review.started_at)
        .map_or_else(|| review.started_at.clone(), |at| time::day(at, now));
    let open = review.status != "completed";
    let left = review.total - review.decided;
    let started_by = review
        .started_by
        .as_ref()
        .map(|r| format!("Started by {} on ", r.name))
        .unwrap_or_else(|| "Started on ".to_string());
    let completed = review.completed_at.clone().map(|at| {
        let by = review
            .completed_by
            .as_ref()
            .map(|r| format!(" · Completed by {} on ", r.name))
            .unwrap_or_else(|| " · Completed on ".to_string());
        view! { {by} {day_view(&at, now)} }
    });
    let tally = format!(
        "Kept {} · Role changed {} · Removed {} · Deactivated {}",
        review.kept, review.role_changed, review.removed, review.deactivated
    );
    let review_id = review.id.clone();
    let finish = (detail.can_conduct && open).then(move || {
        if left == 0 {
            view! {
                <ActionForm action=complete attr:class="inline-form">
                    <input type="hidden" name="review_id" value=review_id/>
                    <button type="submit" class="button primary" disabled=move || complete.pending().get()>
                        "Complete review"
                    </button>
                </ActionForm>
            }
            .into_any()
        } else {
            let rows = if left == 1 {
                "1 row is".to_string()
            } else {
                format!("{left} rows are")
            };
            let text = format!("{rows} left to decide before you can complete the review.");
            view! { <p class="muted complete-hint">{text}</p> }.into_any()
        }
    });
    let tab = |show: &'static str, label: &'static str| {
        let current = (filter.show == show).then_some("page");
        view! { <a href=filter.link(show, 1) aria-current=current>{label}</a> }
    };
    let summary = match (detail.matching, filter.show.as_str()) {
        (0, "undecided") => "Every row is decided.".to_string(),
        (0, _) => "No rows match.".to_string(),
        (1, _) => "1 person".to_string(),
        (n, _) => format!("{n} people"),
    };
    let page_link = {
        let filter = filter.clone();
        move |page: i64| filter.link(&filter.show, page)
    };
    let rows = detail
        .items
        .into_iter()
        .map(|item| {
            let is_me = item.user_id == me;
            view! { <ReviewRow item now can_conduct=detail.can_conduct is_me decisions/> }
        })
        .collect_view();
    view! {
        <div class="page-head">
            <h1>
                {format!("Access review of {started}")} " "
                {if open {
                    view! { <span class="status pending">"In progress"</span> }.into_any()
                } else {
                    view! { <span class="status active">"Completed"</span> }.into_any()
                }}
            </h1>
            <a href=access_review_export_path(&review.id) download="" class="button">"Export CSV"</a>
        </div>
        <p class="review-meta muted">{started_by} {day_view(&review.started_at, now)} {completed}</p>
        <section class="panel panel-wide review-progress" aria-labelledby="review-progress-label">
            <p id="review-progress-label" class="review-progress-text" role="status">
                {progress_text(&review)}
            </p>
            <progress
                max=review.total.max(1).to_string()
                value=review.decided.to_string()
                aria-labelledby="review-progress-label"
            ></progress>
            <p class="muted review-tally">{tally}</p>
            {finish}
        </section>
        <section class="panel panel-table" aria-labelledby="review-people-heading">
            <div class="panel-head">
                <h2 id="review-people-heading">"People"</h2>
                <nav class="filter-tabs" aria-label="Show">
                    {tab("all", "All")}
                    {tab("attention", "Needs attention")}
                    {tab("undecided", "Undecided")}
                </nav>
            </div>
            <p class="table-summary">{summary}</p>
            <div class="table-scroll">
                <table class="review-table">
                    <thead>
                        <tr>
                            <th scope="col">"Person"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Last sign-in"</th>
                            <th scope="col">"MFA"</th>
                            <th scope="col">"Flags"</th>
                            <th scope="col">"Projects and teams"</th>
                            <th scope="col">"Decision"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <Pager page=detail.page total=detail.matching page_size=detail.page_size link=page_link/>
        </section>
    }
    .into_any()
}
