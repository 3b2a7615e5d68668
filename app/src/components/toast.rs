//! Short confirmations ("Session revoked") announced politely and cleared after a few seconds.

use std::time::Duration;

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Toasts {
    message: RwSignal<Option<(u64, String)>>,
}

impl Toasts {
    pub fn provide() -> Self {
        let toasts = Self {
            message: RwSignal::new(None),
        };
        provide_context(toasts);
        toasts
    }

    /// Shows `text`; a newer toast replaces an older one.
    pub fn show(self, text: impl Into<String>) {
        let serial = self
            .message
            .with_untracked(|m| m.as_ref().map_or(0, |(n, _)| n + 1));
        self.message.set(Some((serial, text.into())));
        let message = self.message;
        set_timeout(
            move || {
                if message.with_untracked(|m| m.as_ref().map(|(n, _)| *n)) == Some(serial) {
                    message.set(None);
                }
            },
            Duration::from_secs(5),
        );
    }
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// The live region toasts appear in; rendered once by the app shell.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toast-region" role="status" aria-live="polite">
            {move || {
                toasts.message.get().map(|(_, text)| view! { <p class="toast">{text}</p> })
            }}
        </div>
    }
}
