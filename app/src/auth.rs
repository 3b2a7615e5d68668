//! Who is signed in, as the UI knows it. Seeded once per page load from the server (so server
//! and hydrated renders agree), then updated by the actions that change it (sign-in, sign-out,
//! profile edits) so the UI never acts on a stale answer.

use leptos::prelude::*;

use crate::api::auth::{SignedInUser, current_user};
use crate::api::orgs::{OrganizationView, list_organizations};
use crate::error::AppError;
use crate::load::{Loaded, load_blocking};

#[derive(Clone, Copy)]
pub struct Auth {
    seed: Loaded<Result<SignedInUser, AppError>>,
    /// The caller's organizations for the switcher, loaded with the page like `seed`.
    orgs: Loaded<Result<Vec<OrganizationView>, AppError>>,
    latest: RwSignal<Option<Option<SignedInUser>>>,
    /// Why the session ended, when the server said so after the page loaded.
    ended: RwSignal<Option<String>>,
}

impl Auth {
    pub fn provide() -> Self {
        let latest = RwSignal::new(None::<Option<SignedInUser>>);
        let auth = Self {
            seed: load_blocking(|| (), |_| current_user()),
            // Reloaded whenever the UI learns of another user or organization (sign-in,
            // accepting an invitation).
            orgs: load_blocking(
                move || {
                    latest.with(|me| {
                        me.as_ref().map(|me| {
                            me.as_ref()
                                .map(|m| (m.user.id.clone(), m.organization.clone()))
                        })
                    })
                },
                |_| list_organizations(),
            ),
            latest,
            ended: RwSignal::new(None),
        };
        provide_context(auth);
        auth
    }

    /// The signed-in user; use inside `Suspend`. Re-runs its reader when the user changes.
    pub async fn current(self) -> Option<SignedInUser> {
        let latest = self.latest.get();
        let seed = self.seed.await;
        latest.unwrap_or(seed.ok())
    }

    /// The organizations the signed-in user can switch between (empty when signed out).
    pub async fn organizations(self) -> Vec<OrganizationView> {
        self.orgs.await.unwrap_or_default()
    }

    /// Where a signed-out visitor goes: the sign-in page, saying why when their session was
    /// ended elsewhere.
    pub async fn sign_in_path(self) -> String {
        let latest = self.latest.get();
        let ended = self.ended.get();
        let reason = match self.seed.await {
            Err(AppError {
                signed_out: Some(reason),
                ..
            }) if latest.is_none() => Some(reason),
            _ => ended,
        };
        crate::paths::with_query("/login", &[("signed_out", reason.as_deref())])
    }

    /// A server function answered `unauthenticated`: this page's session is over. Sends the
    /// visitor to the sign-in page, saying why when the server did.
    pub fn expired(self, error: &AppError) {
        if error.code == crate::error::ErrorCode::Unauthenticated {
            self.ended.set(error.signed_out.clone());
            self.latest.set(Some(None));
        }
    }

    pub fn set(self, me: Option<SignedInUser>) {
        self.latest.set(Some(me));
    }
}

pub fn use_auth() -> Auth {
    use_context::<Auth>().unwrap_or_else(Auth::provide)
}
