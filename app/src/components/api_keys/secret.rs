//! A key's secret, shown once: read-only and selected on focus (for copying by hand), a Copy
//! button that says whether the clipboard took it, and the warning that it will not be shown
//! again.

use leptos::prelude::*;

use crate::time;

#[component]
pub(super) fn SecretField(secret: String, expires_at: String) -> impl IntoView {
    // `None` until Copy is pressed; then whether the clipboard took the key.
    let copied = RwSignal::new(None::<bool>);
    let text = secret.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let text = text.clone();
            leptos::task::spawn_local(async move {
                let written = match web_sys::window() {
                    Some(window) => {
                        let promise = window.navigator().clipboard().write_text(&text);
                        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
                    }
                    None => false,
                };
                copied.set(Some(written));
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    let select_all = |ev: leptos::ev::FocusEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(field) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
            {
                field.select();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let outcome = move || match copied.get() {
        Some(true) => Some(view! { <span class="form-status">"Copied"</span> }.into_any()),
        Some(false) => Some(
            view! {
                <span class="warning-text">
                    "Could not copy: select the key and copy it with your keyboard."
                </span>
            }
            .into_any(),
        ),
        None => None,
    };
    view! {
        <p class="notice warning" id="issued-key-warning">
            <strong>"You will not see it again."</strong>
            " Copy the key now and keep it somewhere safe, such as your CI system's secrets: "
            "Gatehouse keeps only a hash of it."
        </p>
        <div class="field secret-field">
            <label for="issued-key">"API key"</label>
            <textarea
                id="issued-key"
                class="secret"
                readonly
                rows="3"
                spellcheck="false"
                autocomplete="off"
                aria-describedby="issued-key-warning issued-key-hint"
                prop:value=secret.clone()
                on:focus=select_all
            >
                {secret.clone()}
            </textarea>
            <p class="field-hint" id="issued-key-hint">
                {format!(
                    "Send it as Authorization: Bearer <key>. It expires on {}.",
                    time::exact(&expires_at),
                )}
            </p>
        </div>
        <div class="copy-actions">
            <button type="button" class="button primary" on:click=copy>"Copy"</button>
            <p class="copy-outcome" role="status">{outcome}</p>
        </div>
    }
}
