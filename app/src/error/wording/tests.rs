//! Every kind with the exact sentence users, clients and the end-to-end tests see. The
//! `every_…` functions list each enum's variants through a match without a wildcard, so a
//! new kind does not compile until it is added here with its sentence.

use gatehouse_server::error::Private;

use super::*;

mod conflicts;

fn every_problem(problem: &Problem) -> &'static str {
    match problem {
        Problem::Required(Subject::EmailAddress) => "Enter your email address",
        Problem::Required(Subject::Name) => "Enter a name",
        Problem::Required(Subject::OrganizationName) => "Enter an organization name",
        Problem::Required(Subject::CurrentPassword) => "Enter your current password",
        Problem::Required(Subject::ProjectName) => "Enter a project name",
        Problem::Required(Subject::ProjectNameConfirmation) => "Type the project's name to confirm",
        Problem::Required(Subject::People) => "Choose at least one person to add",
        Problem::Required(Subject::TeamName) => "Enter a team name",
        Problem::Required(Subject::Team) => "Choose a team",
        Problem::Required(Subject::ServiceAccountName) => "Enter a service account name",
        Problem::Required(Subject::ServiceAccount) => {
            "Choose a service account, or a project for a personal key"
        }
        Problem::Required(Subject::KeyName) => "Enter a name for the key",
        Problem::TooShort { .. } => "Use at least 8 characters",
        Problem::TooLong { .. } => "Use at most 128 characters",
        Problem::ControlCharacters => "Remove line breaks and control characters",
        Problem::InvalidEmail => "Enter an email address like name@example.com",
        Problem::NeedsUppercase => "Add an upper-case letter",
        Problem::NeedsLowercase => "Add a lower-case letter",
        Problem::NeedsDigit => "Add a digit",
        Problem::NeedsSpecialCharacter => "Add a special character such as ! # % or ?",
        Problem::CommonPassword => {
            "This password is too common: choose one that is harder to guess"
        }
        Problem::SameAsCurrentPassword => "Choose a password different from the current one",
        Problem::WrongCurrentPassword => "Current password is incorrect",
        Problem::WrongProof => "That password or code is not right.",
        Problem::MalformedTotpCode => "Enter the 6-digit code from your authenticator app",
        Problem::MalformedCode => {
            "Enter the 6-digit code from your authenticator app, or a backup code \
             (xxxx-xxxx-xxxx)"
        }
        Problem::WrongCode => {
            "That code is not valid. Enter the current code from your authenticator app, or \
             one of your backup codes."
        }
        Problem::UnconfirmedEnrollment => "Enter a code from your authenticator app first",
        Problem::UnknownMemberRole => "Choose Owner, Admin or Member",
        Problem::UnknownInvitationRole => "Choose Admin, Member or Owner",
        Problem::NotARole(_) => "\"auditor\" is not a role",
        Problem::TooManyRoles => "Choose among Owner, Admin and Member",
        Problem::NoRolesChosen => "Choose at least one role, or all members",
        Problem::GraceDaysOutOfRange { .. } => "Enter a number of days from 0 to 90",
        Problem::UnknownProvider(_) => "\"github\" is not a configured sign-in provider",
        Problem::UnknownProjectRole => "Choose Admin, Member or Viewer",
        Problem::UnknownPermission => "Ask about view, use or edit",
        Problem::NameMismatch => "That is not the project's name",
        Problem::TooManyPeople { .. } => "Add at most 50 people at once",
        Problem::TooManyProjects { .. } => {
            "This organization already has 5000 projects: delete some first"
        }
        Problem::TooManyTeams { .. } => {
            "This organization already has 2000 teams: delete some first"
        }
        Problem::TeamFull { .. } => "A team can have at most 10000 members",
        Problem::TooManyTeamsChosen { .. } => "Choose at most 20 teams",
        Problem::TooManyServiceAccounts { .. } => {
            "This organization already has 500 service accounts: delete some first"
        }
        Problem::TooManyKeys { .. } => "There are already 20 active keys here: revoke one first",
        Problem::UnknownKeyLifetime => "Choose 7, 30, 90 or 365 days",
        Problem::KeyLifetimeOverPolicy { .. } => "Your organization allows keys of at most 30 days",
        Problem::UnknownOverlap => "Choose none, 1 hour, 1 day or 7 days",
        Problem::UnknownPerson => "Choose a member of this organization",
        Problem::UnknownActivityKind => {
            "Choose sign-in, members, projects, teams, keys, security or account"
        }
        Problem::UnknownOutcome => "Choose succeeded or refused",
        Problem::MalformedDay => "Enter a date as YYYY-MM-DD",
        Problem::DayBeforeStart => "Choose an end date on or after the start date",
        Problem::UnknownExportFormat => "Choose CSV or JSON Lines",
        Problem::InactiveDaysOutOfRange { .. } => "Enter a number of days from 1 to 3650",
        Problem::UnknownDecision => "Choose Keep, Change role, Remove or Deactivate",
        Problem::SameRole => "Choose a role other than the one they hold",
        Problem::SamlMetadata(MetadataProblem::Missing) => {
            "Paste your identity provider's metadata XML"
        }
        Problem::SamlMetadata(MetadataProblem::NotMetadata) => {
            "This is not SAML metadata: paste the XML document that starts with <EntityDescriptor>"
        }
        Problem::SamlMetadata(MetadataProblem::NoEntityId) => "The metadata has no entityID",
        Problem::SamlMetadata(MetadataProblem::NotIdentityProvider) => {
            "The metadata describes no identity provider (no IDPSSODescriptor)"
        }
        Problem::SamlMetadata(MetadataProblem::NoRedirectSignOn) => {
            "The metadata has no single sign-on URL with the HTTP-Redirect binding"
        }
        Problem::SamlMetadata(MetadataProblem::NoSigningCertificate) => {
            "The metadata has no signing certificate, so no sign-in could be verified"
        }
        Problem::SamlMetadata(MetadataProblem::BadCertificate) => {
            "A signing certificate in the metadata cannot be read"
        }
        Problem::UnknownDefaultRole => "Choose Admin, Member or Auditor",
        Problem::InvalidDomain => "Enter a domain name such as example.com",
        Problem::DomainAlreadyListed => "This domain is listed already",
        Problem::DomainClaimed => "Another organization has verified this domain",
        Problem::DomainRecordNotFound { .. } => {
            "The TXT record was not found at _gatehouse-verification.corp.example. DNS changes \
             can take a few minutes to appear: try again shortly"
        }
        Problem::TooManyDomains { .. } => "Add at most 20 domains",
    }
}

#[test]
fn every_field_problem_has_its_sentence() {
    let problems = [
        Problem::Required(Subject::EmailAddress),
        Problem::Required(Subject::Name),
        Problem::Required(Subject::OrganizationName),
        Problem::Required(Subject::CurrentPassword),
        Problem::Required(Subject::ProjectName),
        Problem::Required(Subject::ProjectNameConfirmation),
        Problem::Required(Subject::People),
        Problem::Required(Subject::TeamName),
        Problem::Required(Subject::Team),
        Problem::Required(Subject::ServiceAccountName),
        Problem::Required(Subject::ServiceAccount),
        Problem::Required(Subject::KeyName),
        Problem::TooShort { min: 8 },
        Problem::TooLong { max: 128 },
        Problem::ControlCharacters,
        Problem::InvalidEmail,
        Problem::NeedsUppercase,
        Problem::NeedsLowercase,
        Problem::NeedsDigit,
        Problem::NeedsSpecialCharacter,
        Problem::CommonPassword,
        Problem::SameAsCurrentPassword,
        Problem::WrongCurrentPassword,
        Problem::WrongProof,
        Problem::MalformedTotpCode,
        Problem::MalformedCode,
        Problem::WrongCode,
        Problem::UnconfirmedEnrollment,
        Problem::UnknownMemberRole,
        Problem::UnknownInvitationRole,
        Problem::NotARole("auditor".into()),
        Problem::TooManyRoles,
        Problem::NoRolesChosen,
        Problem::GraceDaysOutOfRange { max: 90 },
        Problem::UnknownProvider("github".into()),
        Problem::UnknownProjectRole,
        Problem::UnknownPermission,
        Problem::NameMismatch,
        Problem::TooManyPeople { max: 50 },
        Problem::TooManyProjects { max: 5000 },
        Problem::TooManyTeams { max: 2000 },
        Problem::TeamFull { max: 10_000 },
        Problem::TooManyTeamsChosen { max: 20 },
        Problem::TooManyServiceAccounts { max: 500 },
        Problem::TooManyKeys { max: 20 },
        Problem::UnknownKeyLifetime,
        Problem::KeyLifetimeOverPolicy { max_days: 30 },
        Problem::UnknownOverlap,
        Problem::UnknownPerson,
        Problem::UnknownActivityKind,
        Problem::UnknownOutcome,
        Problem::MalformedDay,
        Problem::DayBeforeStart,
        Problem::UnknownExportFormat,
        Problem::InactiveDaysOutOfRange { max: 3650 },
        Problem::UnknownDecision,
        Problem::SameRole,
        Problem::SamlMetadata(MetadataProblem::Missing),
        Problem::SamlMetadata(MetadataProblem::NotMetadata),
        Problem::SamlMetadata(MetadataProblem::NoEntityId),
        Problem::SamlMetadata(MetadataProblem::NotIdentityProvider),
        Problem::SamlMetadata(MetadataProblem::NoRedirectSignOn),
        Problem::SamlMetadata(MetadataProblem::NoSigningCertificate),
        Problem::SamlMetadata(MetadataProblem::BadCertificate),
        Problem::UnknownDefaultRole,
        Problem::InvalidDomain,
        Problem::DomainAlreadyListed,
        Problem::DomainClaimed,
        Problem::DomainRecordNotFound {
            record_name: "_gatehouse-verification.corp.example".into(),
        },
        Problem::TooManyDomains { max: 20 },
    ];
    for kind in &problems {
        assert_eq!(problem(kind), every_problem(kind), "{kind:?}");
    }
    assert_eq!(problems.len(), 70, "every variant is in the table");
}

fn every_denial(denial: &Denial) -> &'static str {
    match denial {
        Denial::InsufficientRole => "Your role in this organization does not allow that.",
        Denial::OwnerOnly => "Only an Owner can change an Owner or make someone Owner.",
        Denial::LastOwner => {
            "This is the organization's last Owner: make someone else Owner first."
        }
        Denial::Deactivated => "This account has been deactivated.",
        Denial::NotAMemberOfLinkedOrganization => {
            "This account is not a member of the organization in this sign-in link. Sign in \
             without it to reach your organizations."
        }
        Denial::ProviderRequired { .. } => "Members of Acme must sign in with Test ID.",
        Denial::NoPasswordYet => {
            "This account has no password yet: use Forgot password? to set one."
        }
        Denial::OnlyWayToSignIn => {
            "This is your only way to sign in. Set a password first (\"Forgot password?\" on \
             the sign-in page) or link another provider."
        }
        Denial::ProviderRequiredToStay { .. } => {
            "Acme requires signing in with this provider, so it cannot be unlinked."
        }
        Denial::SignInWithProviderFirst { .. } => {
            "Sign in with Test ID once first, so that you can still sign in yourself."
        }
        Denial::SsoRequiredToStayEnabled { .. } => {
            "Acme requires its members to sign in with single sign-on: lift that restriction \
             in Settings → Security before disabling the connection."
        }
        Denial::SecondFactorLocked => {
            "Too many wrong codes: this account's second factor is locked. Set a new \
             password with \"Forgot password?\" on the sign-in page, or ask an administrator \
             of your organization to reset your MFA."
        }
        Denial::MfaNotOn => "MFA is not turned on for this account.",
        Denial::MfaRequiredToStay { .. } => {
            "Acme requires multi-factor authentication for your role, so MFA cannot be \
             turned off."
        }
        Denial::OwnMfaReset => "Manage your own MFA in Settings → Security.",
        Denial::MfaResetOutsideYourOrganizations => {
            "This account also belongs to organizations where you cannot manage it, so you \
             cannot reset its MFA. The member can sign in with a backup code and set MFA up \
             again."
        }
        Denial::DeactivateSelf => "You cannot deactivate yourself: ask another administrator.",
        Denial::LastOwnerLeaving => {
            "You are this organization's last Owner: make someone else Owner before leaving."
        }
        Denial::UnverifiedInviter => {
            "Verify your email address before inviting anyone: open the link we sent you, or \
             send a new one from the banner at the top of the page."
        }
        Denial::InvitationForSomeoneElse { .. } => {
            "This invitation is for bob@example.com, but you are signed in as eve@example.com."
        }
        Denial::InvitationForAnotherProviderAccount { .. } => {
            "This invitation is for bob@example.com, but you signed in as eve@example.com."
        }
        Denial::InvitationNeedsProvider { .. } => {
            "Members of Acme must sign in with Test ID. Open the invitation link again and \
             continue with it."
        }
        Denial::InvitationNeedsSecondFactor => {
            "This organization asks for your second factor: sign out, sign in again with \
             your authentication code, then open the invitation link again."
        }
        Denial::SignInNotThroughInvitation => {
            "This sign-in did not come through this invitation. Open the invitation link and \
             continue with your provider from there."
        }
        Denial::ResetNeedsOwner => {
            "This account also belongs to other organizations, so only its owner can reset \
             its password: ask them to use \"Forgot password?\" on the sign-in page."
        }
        Denial::LinkedProvider => {
            "This account signs in with a linked provider, so only its owner can set a \
             password: ask them to use \"Forgot password?\" on the sign-in page."
        }
        Denial::ImplicitProjectAdmin => {
            "Organization Owners and Admins have Admin on every project; their access cannot \
             be changed or removed on a project."
        }
        Denial::ExplainOthersAccess => {
            "Only organization Owners and Admins and the project's Admins can see someone \
             else's access."
        }
        Denial::KeyNeedsUse => "You need Use on this project to create a key for it.",
        Denial::NotForApiKeys => "This call needs a signed-in person, not an API key.",
        Denial::IntrospectionNeedsServiceAccount => "Introspection needs a service account's key.",
        Denial::RotateOthersKey => "Only the key's owner can rotate it; you can revoke it.",
    }
}

#[test]
fn every_refusal_has_its_sentence() {
    let acme = || "Acme".to_string();
    let test_id = || "Test ID".to_string();
    let bob = || Private("bob@example.com".into());
    let eve = || Private("eve@example.com".into());
    let denials = [
        Denial::InsufficientRole,
        Denial::OwnerOnly,
        Denial::LastOwner,
        Denial::Deactivated,
        Denial::NotAMemberOfLinkedOrganization,
        Denial::ProviderRequired {
            organization: acme(),
            provider: test_id(),
        },
        Denial::NoPasswordYet,
        Denial::OnlyWayToSignIn,
        Denial::ProviderRequiredToStay {
            organization: acme(),
        },
        Denial::SignInWithProviderFirst {
            provider: test_id(),
        },
        Denial::SsoRequiredToStayEnabled {
            organization: acme(),
        },
        Denial::SecondFactorLocked,
        Denial::MfaNotOn,
        Denial::MfaRequiredToStay {
            organization: acme(),
        },
        Denial::OwnMfaReset,
        Denial::MfaResetOutsideYourOrganizations,
        Denial::DeactivateSelf,
        Denial::LastOwnerLeaving,
        Denial::UnverifiedInviter,
        Denial::InvitationForSomeoneElse {
            invited: bob(),
            signed_in_as: eve(),
        },
        Denial::InvitationForAnotherProviderAccount {
            invited: bob(),
            signed_in_as: eve(),
        },
        Denial::InvitationNeedsProvider {
            organization: acme(),
            provider: test_id(),
        },
        Denial::InvitationNeedsSecondFactor,
        Denial::SignInNotThroughInvitation,
        Denial::ResetNeedsOwner,
        Denial::LinkedProvider,
        Denial::ImplicitProjectAdmin,
        Denial::ExplainOthersAccess,
        Denial::KeyNeedsUse,
        Denial::NotForApiKeys,
        Denial::IntrospectionNeedsServiceAccount,
        Denial::RotateOthersKey,
    ];
    for kind in &denials {
        assert_eq!(denial(kind), every_denial(kind), "{kind:?}");
    }
    assert_eq!(denials.len(), 32, "every variant is in the table");
}
