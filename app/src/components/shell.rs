//! The frame around signed-in pages: the header with the organization and the account menu, and
//! the settings area. A signed-out visitor is sent to the sign-in page.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::{use_location, use_navigate};

use crate::api::auth::{SignOut, SignedInUser, current_user};
use crate::api::mfa::BACKUP_CODES_LOW;
use crate::api::orgs::OrganizationView;
use crate::auth::use_auth;
use crate::components::access_reviews::{AccessReviewBanner, ReviewDue};
use crate::components::org_switcher::OrgSwitcher;
use crate::components::toast::ToastRegion;
use crate::components::verify_email_banner::VerifyEmailBanner;
use crate::load::Loaded;

#[component]
pub fn AppShell() -> impl IntoView {
    let auth = use_auth();
    let review_due = use_context::<ReviewDue>();
    // In-app navigation never reaches the server's page guard: ask whether the session still
    // holds on each one, so a device signed out elsewhere learns it on its next click.
    let location = use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|previous| previous != path) {
            leptos::task::spawn_local(async move {
                if let Err(error) = current_user().await {
                    auth.expired(&error);
                }
            });
        }
        path
    });
    view! {
        <header class="app-header" role="banner">
            <Suspense fallback=|| view! { <span class="brand">"Gatehouse"</span> }>
                {move || Suspend::new(async move {
                    match auth.current().await {
                        Some(me) => {
                            let organizations = auth.organizations().await;
                            let due = ReviewDue::read(review_due).await;
                            Either::Left(view! {
                                <HeaderBar me=me.clone() organizations/>
                                <VerifyEmailBanner me=me.clone()/>
                                <AccessReviewBanner me=me.clone() due/>
                                <MfaNotices me/>
                            })
                        }
                        None => {
                            let path = auth.sign_in_path().await;
                            Either::Right(view! { <Redirect path/> })
                        }
                    }
                })}
            </Suspense>
        </header>
        <main id="main" class="app-main">
            <Outlet/>
        </main>
        <ToastRegion/>
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

#[component]
fn HeaderBar(me: SignedInUser, organizations: Vec<OrganizationView>) -> impl IntoView {
    let auth = use_auth();
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            auth.set(None);
        }
    });
    let org_name = me.organization.as_ref().map(|o| o.name.clone());
    // The menu is a <details> so it works without JavaScript; hydrated, it also closes when an
    // item is chosen or Escape is pressed.
    let menu = NodeRef::<leptos::html::Details>::new();
    let close = move || {
        if let Some(menu) = menu.get() {
            let _ = menu.remove_attribute("open");
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            close();
        }
    };
    view! {
        <div class="header-inner">
            <A href="/" attr:class="brand">"Gatehouse"</A>
            <div class="org-slot">
                <OrgSwitcher current=org_name organizations/>
            </div>
            <nav class="main-nav" aria-label="Main">
                <A href="/projects">"Projects"</A>
                <A href="/settings">"Settings"</A>
            </nav>
            <details class="account-menu" node_ref=menu on:keydown=on_key>
                <summary>
                    <span class="avatar" aria-hidden="true">{initials(&me.user.name)}</span>
                    <span class="visually-hidden">"Account menu"</span>
                </summary>
                <div class="menu">
                    <p class="menu-who">
                        <strong>{me.user.name.clone()}</strong>
                        <span>{me.user.email.clone()}</span>
                    </p>
                    <a href="/settings/profile" class="menu-item" on:click=move |_| close()>
                        "Profile"
                    </a>
                    <a href="/settings/security" class="menu-item" on:click=move |_| close()>
                        "Security"
                    </a>
                    <a href="/settings/members" class="menu-item" on:click=move |_| close()>
                        "Members"
                    </a>
                    <ActionForm action=sign_out>
                        <button type="submit" class="menu-item">"Sign out"</button>
                    </ActionForm>
                </div>
            </details>
        </div>
    }
}

/// What MFA asks of the user now: their organization's deadline (past it, every page but
/// Security sends them there: the server refuses everything else anyway), or a warning that few
/// backup codes are left.
#[component]
fn MfaNotices(me: SignedInUser) -> impl IntoView {
    let location = use_location();
    let org = me
        .organization
        .as_ref()
        .map_or_else(|| "Your organization".to_string(), |o| o.name.clone());
    let on_security = move || location.pathname.get() == SECURITY;
    let set_up = move || (!on_security()).then(|| view! { " " <A href=SECURITY>"Set up MFA"</A> });
    if me.mfa_enrollment_required {
        Some(EitherOf3::A(view! {
            <Show when=move || !on_security()>
                <Redirect path=SECURITY/>
            </Show>
            <p class="banner warning" role="alert">
                {format!("{org} requires multi-factor authentication. Set it up to continue.")}
                {set_up}
            </p>
        }))
    } else if let Some(days) = me.mfa_days_left {
        let when = match days {
            0 | 1 => "within a day".to_string(),
            n => format!("within {n} days"),
        };
        Some(EitherOf3::B(view! {
            <p class="banner" role="status">
                {format!("{org} requires multi-factor authentication. Set it up {when}.")}
                {set_up}
            </p>
        }))
    } else if me.user.mfa_enabled && me.user.backup_codes_remaining <= BACKUP_CODES_LOW {
        let left = me.user.backup_codes_remaining;
        let count = if left == 1 {
            "1 backup code".to_string()
        } else {
            format!("{left} backup codes")
        };
        Some(EitherOf3::C(view! {
            <p class="banner" role="status">
                {format!("Only {count} left.")}
                " " <A href=SECURITY>"Regenerate backup codes"</A>
            </p>
        }))
    } else {
        None
    }
}

const SECURITY: &str = "/settings/security";

/// Settings pages with their navigation; lists only screens that exist.
#[component]
pub fn SettingsLayout() -> impl IntoView {
    view! {
        <div class="settings">
            <nav class="settings-nav" aria-label="Settings">
                <A href="/settings/profile">"Profile"</A>
                <A href="/settings/security">"Security"</A>
                <A href="/settings/organization">"Organization"</A>
                <A href="/settings/members">"Members"</A>
                <A href="/settings/teams">"Teams"</A>
                <RoleLinks/>
            </nav>
            <div class="settings-content">
                <Outlet/>
            </div>
        </div>
    }
}

/// The entries only some roles see (each screen refuses everyone else anyway): Service accounts
/// for the organization's Owners and Admins, Single sign-on for its Owners; Activity and Access
/// reviews also for its Auditors.
#[component]
fn RoleLinks() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let me = auth.current().await?;
                let role = me.organization.map(|o| o.role).unwrap_or_default();
                let manages = matches!(role.as_str(), "owner" | "admin");
                let oversees = manages || role == "auditor";
                let owns = role == "owner";
                Some(view! {
                    {manages.then(|| view! {
                        <A href=crate::api::service_accounts::SERVICE_ACCOUNTS_PATH>"Service accounts"</A>
                    })}
                    {owns.then(|| view! {
                        <A href=crate::api::sso::SINGLE_SIGN_ON_PATH>"Single sign-on"</A>
                    })}
                    {oversees.then(|| view! {
                        <A href=crate::pages::activity::ACTIVITY_PATH>"Activity"</A>
                        <A href=crate::api::access_reviews::ACCESS_REVIEWS_PATH>"Access reviews"</A>
                    })}
                })
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn initials_take_the_first_two_words() {
        assert_eq!(super::initials("ada lovelace byron"), "AL");
        assert_eq!(super::initials("Grace"), "G");
        assert_eq!(super::initials("  "), "");
    }
}

/// The centered card of the sign-in and sign-up pages.
#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <main id="main" class="auth-page">
            <div class="auth-card">
                <p class="brand auth-brand">"Gatehouse"</p>
                <h1>{title}</h1>
                {children()}
            </div>
        </main>
    }
}

/// Shared by the sign-in and sign-up pages: a visitor who is already signed in goes home, and
/// once `signed_in` holds the user (a hydrated submission succeeded) the UI remembers them and
/// goes home without reloading the page.
#[component]
pub fn GoHomeWhenSignedIn(
    #[prop(into)] signed_in: Signal<Option<SignedInUser>>,
    /// Where to go instead of home (an already checked local path).
    #[prop(optional, into)]
    next: Option<Signal<String>>,
    /// Organization asked for by a sign-in link: a visitor signed in elsewhere is asked first
    /// (see the sign-in page) instead of being sent on.
    #[prop(optional, into)]
    org: Option<Signal<Option<String>>>,
    /// Whether a second step is waiting (`/login/mfa`): a signed-in visitor with one is proving
    /// their second factor to switch organization, and stays.
    #[prop(optional)]
    second_step: Option<Loaded<Result<bool, crate::error::AppError>>>,
) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let asks_for_org = move || org.is_some_and(|org| org.get().is_some());
    let destination = move || next.map_or_else(|| "/".to_string(), |next| next.get());
    Effect::new(move |_| {
        if let Some(me) = signed_in.get() {
            // An account in several organizations is asked which one to enter first.
            let to = crate::paths::after_sign_in(&destination(), me.choose_organization);
            auth.set(Some(me));
            navigate(&to, Default::default());
        }
    });
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let me = auth.current().await;
                let stepping_up = match second_step {
                    Some(pending) => pending.await.unwrap_or(false),
                    None => false,
                };
                let elsewhere = me.as_ref().is_some_and(|me| {
                    asks_for_org()
                        && me.organization.as_ref().map(|o| Some(o.id.clone()))
                            != org.map(|org| org.get())
                });
                let already =
                    me.is_some() && signed_in.get().is_none() && !elsewhere && !stepping_up;
                already.then(|| view! { <Redirect path=destination()/> })
            })}
        </Suspense>
    }
}
