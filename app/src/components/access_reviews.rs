//! Access reviews in the app shell: the banner an Owner sees once no review was completed in 90
//! days.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::api::access_reviews::{
    ACCESS_REVIEWS_PATH, AccessReviewDueView, access_review_due, access_review_path,
};
use crate::api::auth::SignedInUser;
use crate::auth::use_auth;
use crate::load::{Loaded, load};

/// When the organization's next review is due, for the banner: one resource per page load, made
/// at the App's level beside the signed-in user (a resource made in the shell's frame hydrates
/// out of order with the page's own), asked only for Owners, and again after a review was started
/// or completed here.
#[derive(Clone, Copy)]
pub struct ReviewDue {
    due: Loaded<Option<AccessReviewDueView>>,
    changed: RwSignal<u32>,
}

impl ReviewDue {
    /// Made once, in the App, after [`crate::auth::Auth::provide`].
    pub fn provide() {
        let auth = use_auth();
        let changed = RwSignal::new(0u32);
        let due = load(
            move || changed.get(),
            move |_| async move {
                let me = auth.current().await?;
                let owner = me.organization.as_ref().is_some_and(|o| o.role == "owner");
                if !owner {
                    return None;
                }
                access_review_due().await.ok()
            },
        );
        provide_context(Self { due, changed });
    }

    /// A review was started or completed: read the due date again.
    pub fn refresh() {
        if let Some(due) = use_context::<Self>() {
            due.changed.update(|n| *n += 1);
        }
    }

    /// The due date, for the shell to await with the signed-in user (`None` for anyone but an
    /// Owner).
    pub async fn read(this: Option<Self>) -> Option<AccessReviewDueView> {
        this?.due.await
    }
}

/// "No access review of <organization> was completed in the last 90 days", for Owners (`due`,
/// read by the shell), linking to the review in progress or the screen that starts one; not on
/// the reviews screens.
#[component]
pub fn AccessReviewBanner(me: SignedInUser, due: Option<AccessReviewDueView>) -> impl IntoView {
    let location = use_location();
    let due = due.filter(|due| due.overdue)?;
    let org = me
        .organization
        .as_ref()
        .map_or_else(String::new, |o| o.name.clone());
    let (href, action) = match &due.in_progress {
        Some(open) => (access_review_path(open), "Continue the access review"),
        None => (ACCESS_REVIEWS_PATH.to_string(), "Review access"),
    };
    let text = format!("No access review of {org} was completed in the last 90 days.");
    Some(move || {
        (!location.pathname.get().starts_with(ACCESS_REVIEWS_PATH)).then(|| {
            view! {
                <p class="banner warning" role="status">
                    {text.clone()} " " <A href=href.clone()>{action}</A>
                </p>
            }
        })
    })
}
