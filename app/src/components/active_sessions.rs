//! The "Active sessions" section: every signed-in device of the user, with revoke one and
//! revoke all others. Without JavaScript the buttons post straight away; with it, each asks for
//! confirmation in a dialog and the list updates in place.

use leptos::prelude::*;

use crate::api::sessions::{RevokeOtherSessions, RevokeSession, SessionView, list_sessions};
use crate::auth::use_auth;
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{FormError, FormStatus, action_error};
use crate::components::toast::use_toasts;
use crate::load::load;
use crate::saved::{Saved, SettingsPage, saved_on};
use crate::time;

#[component]
pub fn ActiveSessions() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let revoke_error = action_error(revoke);
    let others_error = action_error(revoke_others);
    let error = Signal::derive(move || revoke_error.get().or_else(|| others_error.get()));
    // `now` is taken with the list, so server and hydrated renders print the same times.
    let sessions = load(
        move || (revoke.version().get(), revoke_others.version().get()),
        |_| async { list_sessions().await.map(|list| (list, time::now_millis())) },
    );

    let confirming = RwSignal::new(None::<SessionView>);
    // Where focus goes after a confirmed revoke: the row (or button) that had it is gone.
    let heading = NodeRef::<leptos::html::H2>::new();
    let refocus = move || {
        if let Some(heading) = heading.get_untracked() {
            let _ = heading.focus();
        }
    };
    Effect::new(move |_| {
        if let Some(error) = error.get() {
            auth.expired(&error);
        }
    });
    let confirm_one = RwSignal::new(false);
    let confirm_others = RwSignal::new(false);
    // The other sessions as last listed, for the "revoke all" dialog.
    let others = RwSignal::new(Vec::<SessionView>::new());

    Effect::new(move |_| {
        if let (Some(Ok(())), Some(session)) = (revoke.value().get(), confirming.get_untracked()) {
            if session.current {
                auth.set(None);
            } else {
                toasts.show(format!(
                    "{}: {}",
                    Saved::SessionRevoked.toast(),
                    session.device
                ));
                refocus();
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(done)) = revoke_others.value().get() {
            let plural = if done.revoked == 1 { "" } else { "s" };
            toasts.show(format!("{} other session{plural} revoked", done.revoked));
            refocus();
        }
    });
    let saved = saved_on(SettingsPage::Profile);
    let no_js_status = Signal::derive(move || {
        (saved.get() == Some(Saved::SessionRevoked))
            .then(|| Saved::SessionRevoked.message().to_string())
    });

    let list_view = move || {
        Suspend::new(async move {
            let (list, now) = match sessions.await {
                Ok(loaded) => loaded,
                Err(err) => {
                    auth.expired(&err);
                    return view! { <p class="form-error">{err.message}</p> }.into_any();
                }
            };
            let listed_others: Vec<SessionView> =
                list.iter().filter(|s| !s.current).cloned().collect();
            let has_others = !listed_others.is_empty();
            others.set(listed_others);
            view! {
                <Show when=move || has_others>
                    <ActionForm action=revoke_others>
                        <button
                            type="submit"
                            class="button revoke-others"
                            on:click=move |ev| {
                                ev.prevent_default();
                                confirm_others.set(true);
                            }
                        >
                            "Revoke all other sessions"
                        </button>
                    </ActionForm>
                </Show>
                <ul class="session-list">
                    {list
                        .into_iter()
                        .map(|session| view! { <SessionRow session now revoke confirming confirm_one/> })
                        .collect_view()}
                </ul>
            }
            .into_any()
        })
    };

    view! {
        <section class="panel panel-wide" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading" tabindex="-1" node_ref=heading>
                "Active sessions"
            </h2>
            <p class="panel-intro">
                "Devices signed in to your account. Revoke any you don't recognise."
            </p>
            <FormError error/>
            <FormStatus message=no_js_status/>
            <Suspense fallback=|| view! { <p class="loading">"Loading sessions…"</p> }>
                {list_view}
            </Suspense>
        </section>
        <ConfirmDialog
            id="revoke-session-dialog"
            title=Signal::derive(move || {
                if confirming.get().is_some_and(|s| s.current) {
                    "Sign out this device?".to_string()
                } else {
                    "Revoke this session?".to_string()
                }
            })
            confirm_label="Revoke"
            open=confirm_one
            on_confirm=move |()| {
                if let Some(session) = confirming.get_untracked() {
                    revoke.dispatch(RevokeSession { session_id: session.id });
                }
            }
        >
            <p>
                {move || match confirming.get() {
                    Some(s) if s.current => {
                        "This is the device you are using: you will be signed out here.".to_string()
                    }
                    Some(s) => format!("{} will be signed out at once.", s.device),
                    None => String::new(),
                }}
            </p>
        </ConfirmDialog>
        <ConfirmDialog
            id="revoke-others-dialog"
            title="Revoke all other sessions?"
            confirm_label="Revoke all"
            open=confirm_others
            on_confirm=move |()| {
                revoke_others.dispatch(RevokeOtherSessions {});
            }
        >
            // Rendered only while open: the list is known only once the sessions have loaded,
            // which the server-rendered page must not depend on.
            {move || {
                confirm_others.get().then(|| {
                    let listed = others.get();
                    let plural = if listed.len() == 1 { "" } else { "s" };
                    view! {
                        <p>
                            {format!(
                                "{} session{plural} will end. This device stays signed in.",
                                listed.len(),
                            )}
                        </p>
                        <ul class="dialog-list">
                            {listed.into_iter().map(|s| view! { <li>{s.device}</li> }).collect_view()}
                        </ul>
                    }
                })
            }}
        </ConfirmDialog>
    }
}

#[component]
fn SessionRow(
    session: SessionView,
    now: i64,
    revoke: ServerAction<RevokeSession>,
    confirming: RwSignal<Option<SessionView>>,
    confirm_one: RwSignal<bool>,
) -> impl IntoView {
    let when = move |iso: &str| {
        let text =
            time::parse_iso(iso).map_or_else(|| iso.to_string(), |at| time::relative(at, now));
        view! { <time datetime=iso.to_string() title=time::exact(iso)>{text}</time> }
    };
    let row = session.clone();
    view! {
        <li class="session" class:current=session.current>
            <div class="session-main">
                <span class="session-device">{session.device.clone()}</span>
                {session.current.then(|| view! { <span class="badge">"This device"</span> })}
            </div>
            <dl class="session-meta">
                <div>
                    <dt>"IP address"</dt>
                    <dd>{session.ip.clone().unwrap_or_else(|| "—".to_string())}</dd>
                </div>
                <div>
                    <dt>"Signed in"</dt>
                    <dd>{when(&session.signed_in_at)}</dd>
                </div>
                <div>
                    <dt>"Last active"</dt>
                    <dd>{when(&session.last_active_at)}</dd>
                </div>
                <div>
                    <dt>"Expires"</dt>
                    <dd>{when(&session.expires_at)}</dd>
                </div>
            </dl>
            <ActionForm action=revoke>
                <input type="hidden" name="session_id" value=session.id.clone()/>
                <button
                    type="submit"
                    class="button"
                    aria-label=format!("Revoke {}", session.device)
                    on:click=move |ev| {
                        ev.prevent_default();
                        confirming.set(Some(row.clone()));
                        confirm_one.set(true);
                    }
                >
                    "Revoke"
                </button>
            </ActionForm>
        </li>
    }
}
