//! Settings → Security: the sign-in providers linked to the caller's account, with Unlink.

use leptos::prelude::*;

use crate::api::identity::{UnlinkIdentity, list_identity_providers};
use crate::auth::use_auth;
use crate::components::form::{FormError, ProofField, action_error};
use crate::components::toast::use_toasts;
use crate::load::load;

#[component]
pub fn SignInMethods() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let unlink = ServerAction::<UnlinkIdentity>::new();
    let error = action_error(unlink);
    let providers = load(
        move || unlink.version().get(),
        |_| list_identity_providers(),
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = unlink.value().get() {
            toasts.show(crate::saved::Saved::Unlinked.toast());
        }
    });
    Effect::new(move |_| {
        if let Some(error) = error.get() {
            auth.expired(&error);
        }
    });
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let listed = providers.await.ok()?;
                let proven = auth.current().await.is_some_and(|me| me.recently_proven);
                if listed.providers.is_empty() && listed.linked.is_empty() {
                    return None;
                }
                let names: Vec<String> = listed.providers.iter().map(|p| p.name.clone()).collect();
                Some(view! {
                    <section class="panel" aria-labelledby="methods-heading">
                        <h2 id="methods-heading">"Sign-in providers"</h2>
                        <FormError error/>
                        {if listed.linked.is_empty() {
                            view! {
                                <p class="panel-intro">
                                    {format!(
                                        "No provider is linked. To link one ({}), sign out and choose \"Continue with …\" with this account's email address.",
                                        names.join(", ")
                                    )}
                                </p>
                            }.into_any()
                        } else {
                            view! {
                                <ul class="linked-providers">
                                    {listed.linked.into_iter().map(|linked| {
                                        let label = format!("Unlink {}", linked.name);
                                        view! {
                                            <li>
                                                <span><strong>{linked.name.clone()}</strong> " · " {linked.email.clone()}</span>
                                                <ActionForm action=unlink attr:class="unlink-form">
                                                    <input type="hidden" name="provider" value=linked.provider.clone()/>
                                                    <ProofField id=format!("unlink-proof-{}", linked.provider) proven error/>
                                                    <button type="submit" class="button small" aria-label=label>"Unlink"</button>
                                                </ActionForm>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                })
            })}
        </Suspense>
    }
}
