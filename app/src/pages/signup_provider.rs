//! `/signup/provider`: a new person a sign-in provider vouched for names themselves and their
//! organization (as at sign-up, without a password), then lands in it.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::identity::{CompleteProviderSignUp, pending_identity};
use crate::components::form::{Field, FormError, action_error};
use crate::components::shell::{AuthCard, GoHomeWhenSignedIn};
use crate::load::load_blocking;

#[component]
pub fn SignupProviderPage() -> impl IntoView {
    let action = ServerAction::<CompleteProviderSignUp>::new();
    let error = action_error(action);
    let signed_in = Signal::derive(move || action.value().get().and_then(Result::ok));
    let pending = load_blocking(|| (), |_| pending_identity());
    view! {
        <Title text="Finish creating your account"/>
        <AuthCard title="Finish creating your account">
            <GoHomeWhenSignedIn signed_in/>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match pending.await.ok().flatten().filter(|p| !p.existing_account) {
                        None => Either::Left(view! {
                            <p class="notice" role="status">"This sign-in has expired. Start again."</p>
                            <A href="/login" attr:class="button primary wide">"Go to sign in"</A>
                        }),
                        Some(pending) => Either::Right(view! {
                            <p class="panel-intro">
                                {format!("{} confirmed your email address, ", pending.provider_name)}
                                <strong>{pending.email.clone()}</strong>
                                ". Name yourself and your organization to finish."
                            </p>
                            <ActionForm action=action>
                                <FormError error/>
                                <Field label="Name" name="name" autocomplete="name" maxlength=100 value=pending.name.clone() error/>
                                <Field label="Organization name" name="organization" autocomplete="organization" maxlength=100 error/>
                                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                                    "Create account"
                                </button>
                            </ActionForm>
                        }),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}
