//! `/settings/profile`: the display name and the password.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::account::{ChangePassword, UpdateProfile};
use crate::auth::use_auth;
use crate::components::active_sessions::ActiveSessions;
use crate::components::form::{Field, FormError, FormStatus, action_error};
use crate::saved::{Saved, SettingsPage, saved_on};

#[component]
pub fn ProfilePage() -> impl IntoView {
    let auth = use_auth();
    let update = ServerAction::<UpdateProfile>::new();
    let change = ServerAction::<ChangePassword>::new();
    let update_error = action_error(update);
    let change_error = action_error(change);
    let change_form = NodeRef::<leptos::html::Form>::new();

    // A no-JavaScript post comes back with `?saved=…`; a hydrated one sets the action's value.
    let from_url = saved_on(SettingsPage::Profile);
    let status = move |outcome: Saved, done: bool| {
        (done || from_url.get() == Some(outcome)).then(|| outcome.message().to_string())
    };
    let profile_status =
        Signal::derive(move || status(Saved::Profile, matches!(update.value().get(), Some(Ok(_)))));
    let password_status = Signal::derive(move || {
        status(
            Saved::Password,
            matches!(change.value().get(), Some(Ok(()))),
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(me)) = update.value().get() {
            auth.set(Some(me));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = change.value().get()
            && let Some(form) = change_form.get()
        {
            form.reset();
        }
    });
    Effect::new(move |_| {
        for error in [update_error.get(), change_error.get()]
            .into_iter()
            .flatten()
        {
            auth.expired(&error);
        }
    });

    view! {
        <Title text="Profile"/>
        <h1>"Profile"</h1>
        <section class="panel" aria-labelledby="details-heading">
            <h2 id="details-heading">"Profile details"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    auth.current().await.map(|me| view! {
                        <ActionForm action=update>
                            <FormError error=update_error/>
                            <Field label="Name" name="name" autocomplete="name" maxlength=100 value=me.user.name.clone() error=update_error/>
                            <div class="field">
                                <span class="label">"Email"</span>
                                <p class="static-value">{me.user.email.clone()}</p>
                            </div>
                            <div class="actions">
                                <button type="submit" class="button primary" disabled=move || update.pending().get()>"Save changes"</button>
                                <FormStatus message=profile_status/>
                            </div>
                        </ActionForm>
                    })
                })}
            </Suspense>
        </section>
        <ActiveSessions/>
        <section class="panel" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <p class="panel-intro">"Changing your password signs you out on every other device."</p>
            <ActionForm action=change node_ref=change_form>
                <FormError error=change_error/>
                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" maxlength=1024 error=change_error/>
                <Field
                    label="New password"
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    maxlength=128
                    hint="8 to 128 characters, with upper- and lower-case letters, a digit and a special character."
                    error=change_error
                />
                <div class="actions">
                    <button type="submit" class="button primary" disabled=move || change.pending().get()>"Change password"</button>
                    <FormStatus message=password_status/>
                </div>
            </ActionForm>
        </section>
    }
}
