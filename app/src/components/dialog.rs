//! A confirmation dialog on the native `<dialog>` element: modal (the page behind is inert, so
//! focus stays inside), labelled by its title, Escape cancels, and focus returns to the control
//! that opened it.

use leptos::prelude::*;

/// The `<dialog>` element around `content`, labelled by its title, opened modally while `open`
/// holds and closed when it no longer does (Escape sets `open` back).
fn frame(
    id: &'static str,
    title: Signal<String>,
    open: RwSignal<bool>,
    content: impl IntoView + 'static,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    Effect::new(move |_| {
        let Some(element) = dialog.get() else { return };
        if open.get() {
            if !element.open() {
                let _ = element.show_modal();
            }
        } else if element.open() {
            element.close();
        }
    });
    view! {
        <dialog
            node_ref=dialog
            id=id
            class="dialog"
            aria-labelledby=labelled_by
            // `close` arrives as a queued task after the dialog hid: if it was opened again
            // meanwhile (Escape, then Enter on the opener at once), that late event is stale.
            on:close=move |_| {
                if dialog.get_untracked().is_none_or(|element| !element.open()) {
                    open.set(false);
                }
            }
        >
            <h2 id=title_id>{title}</h2>
            {content}
        </dialog>
    }
}

#[component]
pub fn ConfirmDialog(
    /// Unique on the page; the title's id derives from it.
    id: &'static str,
    #[prop(into)] title: Signal<String>,
    confirm_label: &'static str,
    /// Opens and closes the dialog; set back to `false` when the user cancels.
    open: RwSignal<bool>,
    #[prop(into)] on_confirm: Callback<()>,
    children: Children,
) -> impl IntoView {
    frame(
        id,
        title,
        open,
        view! {
            <div class="dialog-body">{children()}</div>
            <div class="dialog-actions">
                <button type="button" class="button" on:click=move |_| open.set(false)>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="button danger"
                    on:click=move |_| {
                        open.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </button>
            </div>
        },
    )
}

/// A modal dialog around arbitrary content (a form, a link to copy), closed by its Close button
/// or Escape.
#[component]
pub fn Modal(
    id: &'static str,
    #[prop(into)] title: Signal<String>,
    open: RwSignal<bool>,
    #[prop(default = "Close")] close_label: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    frame(
        id,
        title,
        open,
        view! {
            // Rendered only while open, so the content is fresh each time.
            {move || open.get().then(|| children())}
            <div class="dialog-actions">
                <button type="button" class="button" on:click=move |_| open.set(false)>
                    {close_label}
                </button>
            </div>
        },
    )
}

/// The button that opens a dialog. Hydrated, it sets `open`; without JavaScript it is a GET form
/// that reloads the page with `?<param>=<value>`, where the page shows the dialog's content
/// inline instead (the page reads the parameter).
#[component]
pub fn OpenDialogButton(
    #[prop(into)] label: String,
    /// The query parameter the no-JavaScript page reads.
    param: &'static str,
    #[prop(default = "1".to_string(), into)] value: String,
    open: RwSignal<bool>,
    #[prop(default = "button")] class: &'static str,
    /// A fuller accessible name than the visible label (it should start with the label).
    #[prop(optional, into)]
    aria_label: Option<String>,
    /// Runs before the dialog opens, e.g. to say what it is about.
    #[prop(optional, into)]
    on_open: Option<Callback<()>>,
) -> impl IntoView {
    view! {
        <form method="get" action="" class="inline-form">
            <input type="hidden" name=param value=value/>
            <button
                type="submit"
                class=class
                aria-label=aria_label
                aria-haspopup="dialog"
                on:click=move |ev| {
                    ev.prevent_default();
                    if let Some(on_open) = on_open {
                        on_open.run(());
                    }
                    open.set(true);
                }
            >
                {label}
            </button>
        </form>
    }
}
