//! Every sentence a domain failure is told with: one match per kind. The domain returns kinds
//! (`gatehouse_server::error`); only this module turns them into words, and the words are part of
//! the API (clients and tests read them), so a change here is a change of contract.

use gatehouse_server::error::{Clash, Denial, Feature, Lapse, MetadataProblem, Problem, Subject};

/// What a caller past their organization's MFA grace period is told.
pub const MFA_ENROLLMENT_REQUIRED: &str = "Your organization requires multi-factor \
     authentication. Set up MFA in Settings → Security to continue.";

/// What is missing from pasted identity provider metadata.
fn metadata_problem(what: MetadataProblem) -> &'static str {
    match what {
        MetadataProblem::Missing => "Paste your identity provider's metadata XML",
        MetadataProblem::NotMetadata => {
            "This is not SAML metadata: paste the XML document that starts with <EntityDescriptor>"
        }
        MetadataProblem::NoEntityId => "The metadata has no entityID",
        MetadataProblem::NotIdentityProvider => {
            "The metadata describes no identity provider (no IDPSSODescriptor)"
        }
        MetadataProblem::NoRedirectSignOn => {
            "The metadata has no single sign-on URL with the HTTP-Redirect binding"
        }
        MetadataProblem::NoSigningCertificate => {
            "The metadata has no signing certificate, so no sign-in could be verified"
        }
        MetadataProblem::BadCertificate => "A signing certificate in the metadata cannot be read",
    }
}

/// Why one field's value was refused.
pub fn problem(problem: &Problem) -> String {
    match problem {
        Problem::Required(Subject::EmailAddress) => "Enter your email address".into(),
        Problem::Required(Subject::Name) => "Enter a name".into(),
        Problem::Required(Subject::OrganizationName) => "Enter an organization name".into(),
        Problem::Required(Subject::CurrentPassword) => "Enter your current password".into(),
        Problem::Required(Subject::ProjectName) => "Enter a project name".into(),
        Problem::Required(Subject::ProjectNameConfirmation) => {
            "Type the project's name to confirm".into()
        }
        Problem::Required(Subject::People) => "Choose at least one person to add".into(),
        Problem::Required(Subject::TeamName) => "Enter a team name".into(),
        Problem::Required(Subject::Team) => "Choose a team".into(),
        Problem::Required(Subject::ServiceAccountName) => "Enter a service account name".into(),
        Problem::Required(Subject::ServiceAccount) => {
            "Choose a service account, or a project for a personal key".into()
        }
        Problem::Required(Subject::KeyName) => "Enter a name for the key".into(),
        Problem::TooShort { min } => format!("Use at least {min} characters"),
        Problem::TooLong { max } => format!("Use at most {max} characters"),
        Problem::ControlCharacters => "Remove line breaks and control characters".into(),
        Problem::InvalidEmail => "Enter an email address like name@example.com".into(),
        Problem::NeedsUppercase => "Add an upper-case letter".into(),
        Problem::NeedsLowercase => "Add a lower-case letter".into(),
        Problem::NeedsDigit => "Add a digit".into(),
        Problem::NeedsSpecialCharacter => "Add a special character such as ! # % or ?".into(),
        Problem::CommonPassword => {
            "This password is too common: choose one that is harder to guess".into()
        }
        Problem::SameAsCurrentPassword => "Choose a password different from the current one".into(),
        Problem::WrongCurrentPassword => "Current password is incorrect".into(),
        Problem::WrongProof => "That password or code is not right.".into(),
        Problem::MalformedTotpCode => "Enter the 6-digit code from your authenticator app".into(),
        Problem::MalformedCode => "Enter the 6-digit code from your authenticator app, or a \
                                   backup code (xxxx-xxxx-xxxx)"
            .into(),
        Problem::WrongCode => "That code is not valid. Enter the current code from your \
                               authenticator app, or one of your backup codes."
            .into(),
        Problem::UnconfirmedEnrollment => "Enter a code from your authenticator app first".into(),
        Problem::UnknownMemberRole => "Choose Owner, Admin or Member".into(),
        Problem::UnknownInvitationRole => "Choose Admin, Member or Owner".into(),
        Problem::NotARole(text) => format!("{text:?} is not a role"),
        Problem::TooManyRoles => "Choose among Owner, Admin and Member".into(),
        Problem::NoRolesChosen => "Choose at least one role, or all members".into(),
        Problem::GraceDaysOutOfRange { max } => format!("Enter a number of days from 0 to {max}"),
        Problem::UnknownProvider(key) => format!("{key:?} is not a configured sign-in provider"),
        Problem::UnknownProjectRole => "Choose Admin, Member or Viewer".into(),
        Problem::UnknownPermission => "Ask about view, use or edit".into(),
        Problem::NameMismatch => "That is not the project's name".into(),
        Problem::TooManyPeople { max } => format!("Add at most {max} people at once"),
        Problem::TooManyProjects { max } => {
            format!("This organization already has {max} projects: delete some first")
        }
        Problem::TooManyTeams { max } => {
            format!("This organization already has {max} teams: delete some first")
        }
        Problem::TeamFull { max } => format!("A team can have at most {max} members"),
        Problem::TooManyTeamsChosen { max } => format!("Choose at most {max} teams"),
        Problem::TooManyServiceAccounts { max } => {
            format!("This organization already has {max} service accounts: delete some first")
        }
        Problem::TooManyKeys { max } => {
            format!("There are already {max} active keys here: revoke one first")
        }
        Problem::UnknownKeyLifetime => "Choose 7, 30, 90 or 365 days".into(),
        Problem::KeyLifetimeOverPolicy { max_days } => {
            format!("Your organization allows keys of at most {max_days} days")
        }
        Problem::UnknownOverlap => "Choose none, 1 hour, 1 day or 7 days".into(),
        Problem::UnknownPerson => "Choose a member of this organization".into(),
        Problem::UnknownActivityKind => {
            "Choose sign-in, members, projects, teams, keys, security or account".into()
        }
        Problem::UnknownOutcome => "Choose succeeded or refused".into(),
        Problem::MalformedDay => "Enter a date as YYYY-MM-DD".into(),
        Problem::DayBeforeStart => "Choose an end date on or after the start date".into(),
        Problem::UnknownExportFormat => "Choose CSV or JSON Lines".into(),
        Problem::InactiveDaysOutOfRange { max } => {
            format!("Enter a number of days from 1 to {max}")
        }
        Problem::UnknownDecision => "Choose Keep, Change role, Remove or Deactivate".into(),
        Problem::SameRole => "Choose a role other than the one they hold".into(),
        Problem::SamlMetadata(what) => metadata_problem(*what).into(),
        Problem::UnknownDefaultRole => "Choose Admin, Member or Auditor".into(),
        Problem::InvalidDomain => "Enter a domain name such as example.com".into(),
        Problem::DomainAlreadyListed => "This domain is listed already".into(),
        Problem::DomainClaimed => "Another organization has verified this domain".into(),
        Problem::DomainRecordNotFound { record_name } => format!(
            "The TXT record was not found at {record_name}. DNS changes can take a few minutes \
             to appear: try again shortly"
        ),
        Problem::TooManyDomains { max } => format!("Add at most {max} domains"),
    }
}

/// Why a caller may not do what they asked.
pub fn denial(denial: &Denial) -> String {
    match denial {
        Denial::InsufficientRole => "Your role in this organization does not allow that.".into(),
        Denial::OwnerOnly => "Only an Owner can change an Owner or make someone Owner.".into(),
        Denial::LastOwner => {
            "This is the organization's last Owner: make someone else Owner first.".into()
        }
        Denial::Deactivated => "This account has been deactivated.".into(),
        Denial::NotAMemberOfLinkedOrganization => "This account is not a member of the \
             organization in this sign-in link. Sign in without it to reach your organizations."
            .into(),
        Denial::ProviderRequired {
            organization,
            provider,
        } => format!("Members of {organization} must sign in with {provider}."),
        Denial::NoPasswordYet => {
            "This account has no password yet: use Forgot password? to set one.".into()
        }
        Denial::OnlyWayToSignIn => "This is your only way to sign in. Set a password first \
             (\"Forgot password?\" on the sign-in page) or link another provider."
            .into(),
        Denial::ProviderRequiredToStay { organization } => format!(
            "{organization} requires signing in with this provider, so it cannot be unlinked."
        ),
        Denial::SignInWithProviderFirst { provider } => {
            format!("Sign in with {provider} once first, so that you can still sign in yourself.")
        }
        Denial::SsoRequiredToStayEnabled { organization } => format!(
            "{organization} requires its members to sign in with single sign-on: lift that \
             restriction in Settings → Security before disabling the connection."
        ),
        Denial::SecondFactorLocked => "Too many wrong codes: this account's second factor is \
             locked. Set a new password with \"Forgot password?\" on the sign-in page, or ask an \
             administrator of your organization to reset your MFA."
            .into(),
        Denial::MfaNotOn => "MFA is not turned on for this account.".into(),
        Denial::MfaRequiredToStay { organization } => format!(
            "{organization} requires multi-factor authentication for your role, so MFA cannot \
             be turned off."
        ),
        Denial::OwnMfaReset => "Manage your own MFA in Settings → Security.".into(),
        Denial::MfaResetOutsideYourOrganizations => "This account also belongs to organizations \
             where you cannot manage it, so you cannot reset its MFA. The member can sign in \
             with a backup code and set MFA up again."
            .into(),
        Denial::DeactivateSelf => {
            "You cannot deactivate yourself: ask another administrator.".into()
        }
        Denial::LastOwnerLeaving => "You are this organization's last Owner: make someone else \
             Owner before leaving."
            .into(),
        Denial::UnverifiedInviter => "Verify your email address before inviting anyone: open \
             the link we sent you, or send a new one from the banner at the top of the page."
            .into(),
        Denial::InvitationForSomeoneElse {
            invited,
            signed_in_as,
        } => format!(
            "This invitation is for {}, but you are signed in as {}.",
            invited.0, signed_in_as.0
        ),
        Denial::InvitationForAnotherProviderAccount {
            invited,
            signed_in_as,
        } => format!(
            "This invitation is for {}, but you signed in as {}.",
            invited.0, signed_in_as.0
        ),
        Denial::InvitationNeedsProvider {
            organization,
            provider,
        } => format!(
            "Members of {organization} must sign in with {provider}. Open the invitation link \
             again and continue with it."
        ),
        Denial::InvitationNeedsSecondFactor => "This organization asks for your second factor: \
             sign out, sign in again with your authentication code, then open the invitation \
             link again."
            .into(),
        Denial::SignInNotThroughInvitation => "This sign-in did not come through this \
             invitation. Open the invitation link and continue with your provider from there."
            .into(),
        Denial::ResetNeedsOwner => "This account also belongs to other organizations, so only \
             its owner can reset its password: ask them to use \"Forgot password?\" on the \
             sign-in page."
            .into(),
        Denial::LinkedProvider => LINKED_PROVIDER.into(),
        Denial::ImplicitProjectAdmin => "Organization Owners and Admins have Admin on every \
             project; their access cannot be changed or removed on a project."
            .into(),
        Denial::ExplainOthersAccess => "Only organization Owners and Admins and the project's \
             Admins can see someone else's access."
            .into(),
        Denial::KeyNeedsUse => "You need Use on this project to create a key for it.".into(),
        Denial::NotForApiKeys => "This call needs a signed-in person, not an API key.".into(),
        Denial::IntrospectionNeedsServiceAccount => {
            "Introspection needs a service account's key.".into()
        }
        Denial::RotateOthersKey => "Only the key's owner can rotate it; you can revoke it.".into(),
    }
}

/// What stood in the way of a change.
pub fn clash(clash: &Clash) -> String {
    match clash {
        Clash::EmailTaken => "An account with this email already exists. Sign in instead.".into(),
        Clash::EmailAlreadyVerified => "Your email address is already verified.".into(),
        Clash::MfaAlreadyOn => "MFA is already on for this account.".into(),
        Clash::MemberHasNoMfa => "This member has not set up MFA.".into(),
        Clash::AlreadyDeactivated => "This member is already deactivated.".into(),
        Clash::NotDeactivated => "This member is not deactivated.".into(),
        Clash::AlreadyAMember => "You are already a member of this organization.".into(),
        Clash::InviteeAlreadyAMember { email } => {
            format!("{} is already a member of this organization.", email.0)
        }
        Clash::InvitationPending { email } => format!(
            "An invitation to {} is already pending: resend it from the list instead.",
            email.0
        ),
        Clash::TooManyPendingInvitations { max } => {
            format!("This organization has {max} pending invitations: revoke some first.")
        }
        Clash::ProjectNameTaken => {
            "Another project of this organization already has this name.".into()
        }
        Clash::ProjectArchived => "This project is archived: restore it before changing it.".into(),
        Clash::ProjectNotArchived => "This project is not archived.".into(),
        Clash::AlreadyOnProject { name } => {
            format!("{} already has a role on this project.", name.0)
        }
        Clash::TeamNameTaken => "Another team of this organization already has this name.".into(),
        Clash::AlreadyInTeam { name } => format!("{} is already in this team.", name.0),
        Clash::TeamAlreadyOnProject { name } => {
            format!("Team {name} already has a role on this project.")
        }
        Clash::ServiceAccountNameTaken => {
            "Another service account of this organization already has this name.".into()
        }
        Clash::ServiceAccountAlreadyOnProject { name } => {
            format!("Service account {name} already has a role on this project.")
        }
        Clash::KeyRevoked => "This key has been revoked.".into(),
        Clash::ServiceAccountDeactivated => "This service account is deactivated.".into(),
        Clash::ServiceAccountActive => "This service account is not deactivated.".into(),
        Clash::ReviewInProgress => "An access review is already in progress: complete it \
             before starting another."
            .into(),
        Clash::ReviewCompleted => "This access review is completed: its decisions can no \
             longer change."
            .into(),
        Clash::ReviewUndecided { left: 1 } => {
            "Decide every row before completing the review: 1 is left.".into()
        }
        Clash::ReviewUndecided { left } => {
            format!("Decide every row before completing the review: {left} are left.")
        }
        Clash::DecisionFinal => "This decision already changed their access. Make further \
             changes on the Members screen."
            .into(),
        Clash::NoLongerAMember => "They are no longer a member of this organization: record \
             Remove."
            .into(),
    }
}

/// Why a link or a started flow can no longer be used.
pub fn lapse(lapse: Lapse) -> &'static str {
    match lapse {
        Lapse::SignInExpired => "This sign-in has expired. Sign in again.",
        Lapse::ProviderSignInExpired => "This sign-in has expired. Start again.",
        Lapse::MfaSetUpExpired => "This MFA set-up has expired. Start again with Enable MFA.",
        Lapse::NoMfaSetUp => "There is no MFA set-up in progress. Start with Enable MFA.",
        Lapse::VerificationLinkForOldAddress => {
            "This verification link was sent to an address the account no longer has."
        }
        Lapse::VerificationLinkUsed => {
            "This verification link has already been used. If your address is not verified \
             yet, sign in and send a new link."
        }
        Lapse::VerificationLinkExpired => {
            "This verification link has expired. Sign in and send a new link."
        }
        Lapse::ResetLinkUsed => "This reset link has already been used. Ask for a new one.",
        Lapse::ResetLinkExpired => "This reset link has expired. Ask for a new one.",
        Lapse::ResetLinkOutdated => {
            "This reset link no longer works: the account changed since it was made. Ask for a \
             new one."
        }
        Lapse::ResetLinkUnusable => "This reset link can no longer be used.",
        Lapse::ResetLinkForLinkedProvider => LINKED_PROVIDER,
        Lapse::InvitationExpired => "This invitation has expired. Ask for a new one.",
        Lapse::InvitationUsed => "This invitation has already been used.",
        Lapse::InvitationRevoked => "This invitation was revoked.",
        Lapse::InvitationUnusable => "This invitation can no longer be used.",
        Lapse::InviterMayNoLongerInvite => {
            "This invitation is no longer valid: the person who sent it can no longer invite. \
             Ask for a new one."
        }
        Lapse::KeyExpired => "This key has expired: create a new one.",
    }
}

/// What a feature this installation is not set up for says.
pub fn feature(feature: Feature) -> &'static str {
    match feature {
        Feature::EmailVerification => "Email verification is not set up here.",
        Feature::PasswordResetByEmail => {
            "Password reset by email is not set up here: ask an administrator of your \
             organization for a reset link."
        }
    }
}

const LINKED_PROVIDER: &str = "This account signs in with a linked provider, so only its owner \
     can set a password: ask them to use \"Forgot password?\" on the sign-in page.";

#[cfg(test)]
mod tests;
