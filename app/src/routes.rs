//! Every screen is a lazy route: the browser downloads a screen's code (its own WASM chunk and
//! the chunks it shares with others) when the screen is first shown, so /login does not carry
//! the settings screens. On the server the routes render as before.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::components::shell::{AppShell, SettingsLayout};
use crate::pages::access_reviews::AccessReviewsScreen;
use crate::pages::activity::ActivityScreen;
use crate::pages::choose_organization::ChooseOrganizationPage;
use crate::pages::service_accounts::ServiceAccountsScreen;
use crate::pages::single_sign_on::SingleSignOnPage;
use crate::pages::{
    forgot_password::ForgotPasswordPage, home::HomePage, invite::InvitePage, login::LoginPage,
    login_mfa::LoginMfaPage, members::MembersPage, organization::OrganizationPage,
    profile::ProfilePage, project::ProjectPage, projects::ProjectsPage,
    reset_password::ResetPasswordPage, security::SecurityPage, signup::SignupPage,
    signup_provider::SignupProviderPage, verify_email::VerifyEmailPage,
};
use crate::pages::{team::TeamPage, teams::TeamsPage};

/// A route type whose view is `<$page/>`, split into its own chunk. The pages load their own
/// data, so a route carries none.
macro_rules! lazy_screen {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_screen! {
    LoginRoute => LoginPage,
    LoginMfaRoute => LoginMfaPage,
    ChooseOrganizationRoute => ChooseOrganizationPage,
    SignupRoute => SignupPage,
    SignupProviderRoute => SignupProviderPage,
    ForgotPasswordRoute => ForgotPasswordPage,
    ResetPasswordRoute => ResetPasswordPage,
    InviteRoute => InvitePage,
    VerifyEmailRoute => VerifyEmailPage,
    ShellRoute => AppShell,
    HomeRoute => HomePage,
    ProjectsRoute => ProjectsPage,
    ProjectRoute => ProjectPage,
    SettingsRoute => SettingsLayout,
    ProfileRoute => ProfilePage,
    OrganizationRoute => OrganizationPage,
    MembersRoute => MembersPage,
    SecurityRoute => SecurityPage,
    SingleSignOnRoute => SingleSignOnPage,
    TeamsRoute => TeamsPage,
    TeamRoute => TeamPage,
    ServiceAccountsRoute => ServiceAccountsScreen,
    ActivityRoute => ActivityScreen,
    AccessReviewsRoute => AccessReviewsScreen,
}
