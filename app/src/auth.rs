//! Who is signed in, as the UI knows it. Seeded once per page load from the server (so server
//! and hydrated renders agree), then updated by the actions that change it (sign-in, sign-out,
//! profile edits) so the UI never acts on a stale answer.

use leptos::prelude::*;

use crate::api::auth::{SignedInUser, current_user};

#[derive(Clone, Copy)]
pub struct Auth {
    seed: Resource<Option<SignedInUser>>,
    latest: RwSignal<Option<Option<SignedInUser>>>,
}

impl Auth {
    pub fn provide() -> Self {
        let auth = Self {
            seed: Resource::new_blocking(|| (), |_| async { current_user().await.ok() }),
            latest: RwSignal::new(None),
        };
        provide_context(auth);
        auth
    }

    /// The signed-in user; use inside `Suspend`. Re-runs its reader when the user changes.
    pub async fn current(self) -> Option<SignedInUser> {
        let latest = self.latest.get();
        let seed = self.seed.await;
        latest.unwrap_or(seed)
    }

    pub fn set(self, me: Option<SignedInUser>) {
        self.latest.set(Some(me));
    }
}

pub fn use_auth() -> Auth {
    use_context::<Auth>().unwrap_or_else(Auth::provide)
}
