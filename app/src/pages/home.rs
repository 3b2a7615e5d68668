//! `/`: where a signed-in user lands — their current organization and account at a glance.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::auth::use_auth;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="Home"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                auth.current().await.map(|me| {
                    let org = me.organization.clone();
                    view! {
                        <h1>"Welcome, " {me.user.name.clone()}</h1>
                        <div class="cards">
                            <section class="card" aria-labelledby="org-heading">
                                <h2 id="org-heading">"Organization"</h2>
                                {match org {
                                    Some(org) => view! {
                                        <p class="card-title">{org.name.clone()}</p>
                                        <p>"Your role: " {org.role_label()}</p>
                                        <A href="/settings/members">"Members"</A>
                                    }.into_any(),
                                    None => view! {
                                        <p>"You are not a member of any organization."</p>
                                    }.into_any(),
                                }}
                            </section>
                            <section class="card" aria-labelledby="account-heading">
                                <h2 id="account-heading">"Your account"</h2>
                                <p class="card-title">{me.user.name.clone()}</p>
                                <p>{me.user.email.clone()}</p>
                                <A href="/settings/profile">"Edit profile"</A>
                            </section>
                        </div>
                    }
                })
            })}
        </Suspense>
    }
}
