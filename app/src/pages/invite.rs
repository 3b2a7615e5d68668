//! `/invite/<token>`: what the invitation offers (organization, inviter, role, the teams it
//! joins) first, then the way in that fits the visitor: create an account (its name pre-filled
//! with the one the inviter gave), join with one click, sign in first, or — signed in with
//! another email — sign out and continue. Dead links say why.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::auth::{SignOut, SignedInUser};
use crate::api::identity::{
    PendingIdentityView, ProviderView, list_identity_providers, pending_identity,
};
use crate::api::invitations::{
    AcceptInvitation, InvitationOffer, JoinInvitation, invitation_details,
};
use crate::auth::use_auth;
use crate::components::form::{Field, FormError, action_error};
use crate::components::providers::ProviderButtons;
use crate::components::shell::AuthCard;
use crate::error::AppError;
use crate::load::{load, load_blocking};
use crate::pages::members::role_label;

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let details = load(move || token.get(), invitation_details);
    let providers = load_blocking(|| (), |_| list_identity_providers());
    let pending = load_blocking(|| (), |_| pending_identity());
    let auth = use_auth();
    view! {
        <Title text="Invitation"/>
        <AuthCard title="Invitation">
            <Suspense fallback=|| view! { <p class="loading">"Loading invitation…"</p> }>
                {move || Suspend::new(async move {
                    let me = auth.current().await;
                    let providers = providers.await.map(|p| p.providers).unwrap_or_default();
                    let pending = pending.await.ok().flatten();
                    match details.await {
                        Err(err) => Either::Left(view! {
                            <p class="form-error" role="alert">{err.message}</p>
                            <p class="auth-switch"><A href="/login">"Go to sign in"</A></p>
                        }),
                        Ok(details) => Either::Right(view! {
                            <Offer details=details.clone()/>
                            <WayIn details me token=token.get_untracked() providers pending/>
                        }),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

#[component]
fn Offer(details: InvitationOffer) -> impl IntoView {
    let inviter = if details.invited_by.is_empty() {
        "Someone".to_string()
    } else {
        details.invited_by.clone()
    };
    view! {
        <div class="invite-offer">
            <p class="invite-org">{details.organization.clone()}</p>
            <p>
                <strong>{inviter}</strong>
                " invited "
                <strong>{details.email.clone()}</strong>
                " to join as "
                <strong>{role_label(&details.role)}</strong>
                "."
            </p>
            {(!details.teams.is_empty()).then(|| view! { <p class="invite-teams-note">{teams_sentence(details.teams.clone())}</p> })}
        </div>
    }
}

/// "You also join the team **Data Science**." / "…the teams **Data Science**, **Platform** and
/// **Research**."
fn teams_sentence(teams: Vec<String>) -> impl IntoView {
    let count = teams.len();
    let names = teams
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let before = match i {
                0 => "",
                i if i + 1 == count => " and ",
                _ => ", ",
            };
            view! { {before} <strong>{name}</strong> }
        })
        .collect_view();
    let noun = if count == 1 { "team" } else { "teams" };
    view! { "You also join the " {noun} " " {names} "." }
}

#[component]
fn WayIn(
    details: InvitationOffer,
    me: Option<SignedInUser>,
    token: String,
    providers: Vec<ProviderView>,
    pending: Option<PendingIdentityView>,
) -> impl IntoView {
    let dead = match details.status.as_str() {
        "expired" => {
            Some("This invitation has expired. Ask the person who invited you for a new one.")
        }
        "revoked" => Some("This invitation was revoked."),
        "accepted" => Some("This invitation has already been used."),
        _ => None,
    };
    if let Some(message) = dead {
        return view! {
            <p class="form-error" role="alert">{message}</p>
            <p class="auth-switch"><A href="/login">"Go to sign in"</A></p>
        }
        .into_any();
    }
    // Back from a provider through this invitation with no account yet: nothing happened so
    // far; the person confirms here.
    let provider_join = pending.filter(|p| !p.existing_account && p.email == details.email);
    match (me, provider_join) {
        (Some(me), _) if me.user.email == details.email => view! { <JoinForm token/> }.into_any(),
        (Some(me), _) => {
            view! { <Mismatch invited=details.email signed_in=me.user.email token/> }.into_any()
        }
        (None, Some(pending)) => view! { <ProviderJoinForm token pending/> }.into_any(),
        (None, None) if details.account_exists => {
            let next = format!("/invite/{token}");
            view! {
                <p>"You already have an account. Sign in to accept the invitation."</p>
                <A href=crate::paths::with_query("/login", &[("next", Some(&next))]) attr:class="button primary wide">
                    "Sign in to accept"
                </A>
                <ProviderButtons providers invite=Some(token)/>
            }
            .into_any()
        }
        (None, None) => view! {
            <NewAccountForm token=token.clone() email=details.email name=details.invitee_name/>
            <ProviderButtons providers invite=Some(token)/>
        }
        .into_any(),
    }
}

/// After accepting (or joining), the UI knows the user in their new organization and goes home.
fn go_home_after<S>(accept: ServerAction<S>)
where
    S: ServerFn<Output = SignedInUser, Error = AppError> + Clone + Send + Sync + 'static,
{
    let auth = use_auth();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(me)) = accept.value().get() {
            auth.set(Some(me));
            navigate("/", Default::default());
        }
    });
}

#[component]
fn JoinForm(token: String) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let error = action_error(accept);
    go_home_after(accept);
    view! {
        <ActionForm action=accept>
            <FormError error/>
            <input type="hidden" name="token" value=token/>
            <button type="submit" class="button primary" disabled=move || accept.pending().get()>
                "Accept invitation"
            </button>
        </ActionForm>
    }
}

#[component]
fn ProviderJoinForm(token: String, pending: PendingIdentityView) -> impl IntoView {
    let join = ServerAction::<JoinInvitation>::new();
    let error = action_error(join);
    go_home_after(join);
    view! {
        <p>
            "You signed in with " {pending.provider_name} " as " <strong>{pending.email}</strong>
            ". Join to create your account in this organization."
        </p>
        <ActionForm action=join>
            <FormError error/>
            <input type="hidden" name="token" value=token/>
            <button type="submit" class="button primary wide" disabled=move || join.pending().get()>
                "Join"
            </button>
        </ActionForm>
    }
}

#[component]
fn NewAccountForm(
    token: String,
    email: String,
    /// The name the inviter gave, if any: a start the person may change.
    name: Option<String>,
) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let error = action_error(accept);
    go_home_after(accept);
    view! {
        <p>"Create your account to join."</p>
        <ActionForm action=accept>
            <FormError error/>
            <input type="hidden" name="token" value=token/>
            <div class="field">
                <span class="label">"Email"</span>
                <p class="static-value">{email}</p>
            </div>
            <Field label="Name" name="name" autocomplete="name" maxlength=100 value=name.unwrap_or_default() error/>
            <Field
                label="Password"
                name="password"
                kind="password"
                autocomplete="new-password"
                maxlength=128
                hint="8 to 128 characters, with upper- and lower-case letters, a digit and a special character."
                error
            />
            <button type="submit" class="button primary" disabled=move || accept.pending().get()>
                "Create account and join"
            </button>
        </ActionForm>
    }
}

#[component]
fn Mismatch(invited: String, signed_in: String, token: String) -> impl IntoView {
    let auth = use_auth();
    let sign_out = ServerAction::<SignOut>::new();
    let here = format!("/invite/{token}");
    #[cfg(feature = "hydrate")]
    let back = here.clone();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            // A fresh load shows the invitation to the signed-out visitor.
            auth.set(None);
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign(&back);
            }
        }
    });
    view! {
        <div class="notice" role="alert">
            <p>
                "This invitation is for " <strong>{invited}</strong> ", but you are signed in as "
                <strong>{signed_in}</strong> "."
            </p>
        </div>
        <ActionForm action=sign_out>
            <input type="hidden" name="next" value=here/>
            <button type="submit" class="button primary">"Sign out and continue"</button>
        </ActionForm>
    }
}
