//! A link shown in full (selectable, for browsers without clipboard access) with a Copy button.

use leptos::prelude::*;

#[component]
pub fn CopyField(
    /// The visible label of the field.
    label: &'static str,
    #[prop(into)] value: String,
    /// Unique on the page.
    #[prop(into)]
    id: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = value.clone();
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
        <div class="field copy-field">
            <label for=id.clone()>{label}</label>
            <div class="copy-row">
                <input id=id type="text" readonly value=value on:focus=|ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }/>
                <button type="button" class="button" on:click=copy>"Copy"</button>
            </div>
            <p class="form-status" role="status">{move || copied.get().then_some("Copied to clipboard")}</p>
        </div>
    }
}
