//! Backup codes as shown once: a list, a Copy button and a Download (.txt) link. The download is
//! a `data:` link, so it works without JavaScript and without a server round trip.

use leptos::prelude::*;

#[component]
pub fn BackupCodeList(codes: Vec<String>) -> impl IntoView {
    let text = format!(
        "Gatehouse backup codes\nEach code signs you in once.\n\n{}\n",
        codes.join("\n")
    );
    let href = format!(
        "data:text/plain;charset=utf-8,{}",
        crate::paths::encode(&text)
    );
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <ol class="backup-codes" aria-label="Backup codes">
            {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
        </ol>
        <div class="actions">
            <button type="button" class="button" on:click=copy>"Copy"</button>
            <a class="button" href=href download="gatehouse-backup-codes.txt">"Download .txt"</a>
            <span class="form-status" role="status">{move || copied.get().then_some("Copied to clipboard")}</span>
        </div>
    }
}
