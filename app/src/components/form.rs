//! Form pieces that show the server's verdict: a labelled field with its own messages, the
//! form-level alert, and the success status. The server's messages are the truth; browser
//! attributes are only hints.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::error::{AppError, ErrorCode};

/// The latest error of `action`: from the action itself once hydrated, or — after a plain HTML
/// form post without JavaScript — from the `__path`/`__err` query the server redirected back with.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let query = use_query_map();
    let from_url = Memo::new(move |_| {
        let query = query.read();
        if query.get("__path").as_deref() != Some(S::PATH) {
            return None;
        }
        let bytes = URL_SAFE.decode(query.get("__err")?).ok()?;
        serde_json::from_slice::<AppError>(&bytes).ok()
    });
    Signal::derive(move || match action.value().get() {
        Some(Err(err)) => Some(err),
        Some(Ok(_)) => None,
        None => from_url.get(),
    })
}

/// A labelled input whose server-side messages are announced with it.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    /// The on-screen keyboard to offer, e.g. `numeric`.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// The input's id when `field-<name>` is taken on the page (two forms with one name).
    #[prop(optional)]
    id: Option<&'static str>,
) -> impl IntoView {
    let id = id.map_or_else(|| format!("field-{name}"), str::to_string);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let messages = move || messages_for(error, name);
    let invalid = move || !messages().is_empty();
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            described_by(
                invalid(),
                &error_id,
                hint.is_some().then_some(hint_id.as_str()),
            )
        }
    };
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=kind
                name=name
                autocomplete=autocomplete
                value=value
                maxlength=maxlength
                inputmode=inputmode
                required
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by
            />
            {hint.map(|text| view! { <p class="field-hint" id=hint_id>{text}</p> })}
            <Show when=invalid>
                <ul class="field-error" id=error_id.clone()>
                    {move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                </ul>
            </Show>
        </div>
    }
}

/// The server's messages for field `name` (none while it is not refused).
fn messages_for(error: Signal<Option<AppError>>, name: &str) -> Vec<String> {
    error
        .get()
        .map(|e| e.field(name).to_vec())
        .unwrap_or_default()
}

/// A control's `aria-describedby`: its messages while refused, and its hint.
fn described_by(invalid: bool, error_id: &str, hint_id: Option<&str>) -> Option<String> {
    let ids: Vec<&str> = invalid
        .then_some(error_id)
        .into_iter()
        .chain(hint_id)
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled multi-line input whose server-side messages are announced with it; optional.
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    /// Visible lines: 3 unless said.
    #[prop(default = 3)]
    rows: u32,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let messages = move || messages_for(error, name);
    let invalid = move || !messages().is_empty();
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            described_by(
                invalid(),
                &error_id,
                hint.is_some().then_some(hint_id.as_str()),
            )
        }
    };
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            <textarea
                id=id
                name=name
                rows=rows
                maxlength=maxlength
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by
            >
                {value}
            </textarea>
            {hint.map(|text| view! { <p class="field-hint" id=hint_id>{text}</p> })}
            <Show when=invalid>
                <ul class="field-error" id=error_id.clone()>
                    {move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                </ul>
            </Show>
        </div>
    }
}

/// The messages an error has for `names`, for controls that are not a single [`Field`] (a
/// group of checkboxes, a select).
#[component]
pub fn FieldMessages(
    /// Referenced by the controls' `aria-describedby`.
    id: &'static str,
    names: &'static [&'static str],
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let messages = move || {
        error
            .get()
            .map(|e| {
                names
                    .iter()
                    .flat_map(|name| e.field(name).to_vec())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <ul class="field-error" id=id>
            {move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
        </ul>
    }
}

/// The form-level message of an error (always present so screen readers announce changes).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let text = move || {
        error.get().map(|e| match (e.code, e.request_id) {
            (ErrorCode::Internal, Some(id)) => format!("{} (reference {id})", e.message),
            _ => e.message,
        })
    };
    view! {
        <div class="form-error" role="alert">
            {text}
        </div>
    }
}

/// A polite success message.
#[component]
pub fn FormStatus(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="form-status" role="status">
            {message}
        </div>
    }
}

/// "Password or authentication code" for a sensitive change, in the change's own form: shown
/// when the session had not proved its owner present lately when the page was rendered
/// (`SignedInUser.recently_proven`, read by the caller), or when the server asked for it.
#[component]
pub fn ProofField(
    /// Unique on the page: several sensitive forms may show one.
    #[prop(into)]
    id: String,
    proven: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let asked = move || {
        error.get().is_some_and(|e| {
            e.code == ErrorCode::ReauthenticationRequired || !e.field("proof").is_empty()
        })
    };
    let needed = move || !proven || asked();
    move || {
        let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
        let messages = move || {
            error
                .get()
                .map(|e| e.field("proof").to_vec())
                .unwrap_or_default()
                .into_iter()
                .map(|m| view! { <li>{m}</li> })
                .collect_view()
        };
        needed().then(|| {
            view! {
                <div class="field">
                    <label for=id.clone()>"Password or authentication code"</label>
                    <input
                        id=id.clone()
                        type="password"
                        name="proof"
                        autocomplete="current-password"
                        maxlength="128"
                        required
                        aria-describedby=format!("{hint_id} {error_id}")
                    />
                    <p class="field-hint" id=hint_id>
                        "Confirm it's you: this change needs your password or a current code from your authenticator app."
                    </p>
                    <ul class="field-error" id=error_id>{messages}</ul>
                </div>
            }
        })
    }
}
