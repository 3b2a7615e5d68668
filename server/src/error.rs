//! The domain's typed failures. They carry kinds, never sentences: `app/` owns the wording and
//! the HTTP status in one conversion. `Internal` keeps its cause for the log and must never be
//! shown.

use std::fmt;
use std::time::Duration;

/// Text that appears in what a user is told but must not reach a log (an email address):
/// its `Debug` is redacted, so logging a kind never logs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Private(pub String);

impl fmt::Debug for Private {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<private>")
    }
}

/// What an empty field should have held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    EmailAddress,
    Name,
    OrganizationName,
    CurrentPassword,
    ProjectName,
    /// The project's name, typed again to confirm its deletion.
    ProjectNameConfirmation,
    /// At least one person to add to a project.
    People,
    TeamName,
    /// At least one team to add to a project.
    Team,
    ServiceAccountName,
    /// The service account a key or a project role is for.
    ServiceAccount,
    KeyName,
}

/// Why one field's value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required(Subject),
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    ControlCharacters,
    InvalidEmail,
    // The password policy, one kind per rule.
    NeedsUppercase,
    NeedsLowercase,
    NeedsDigit,
    NeedsSpecialCharacter,
    CommonPassword,
    SameAsCurrentPassword,
    WrongCurrentPassword,
    /// A re-authentication proof (password or code) that did not match.
    WrongProof,
    /// Not shaped like a TOTP code.
    MalformedTotpCode,
    /// Not shaped like a TOTP code or a backup code.
    MalformedCode,
    /// A code that is not (or no longer) valid; used codes look the same.
    WrongCode,
    /// Activating MFA before any code confirmed the set-up.
    UnconfirmedEnrollment,
    /// A member's new role is not one of the roles.
    UnknownMemberRole,
    /// An invitation's role is not one of the roles.
    UnknownInvitationRole,
    /// One entry of a role list that names no role (the text as given).
    NotARole(String),
    TooManyRoles,
    NoRolesChosen,
    GraceDaysOutOfRange {
        max: i64,
    },
    /// A provider key that is not configured (the key as given).
    UnknownProvider(String),
    /// A project role that is not one of admin, member, viewer.
    UnknownProjectRole,
    /// A permission that is not one of view, use, edit.
    UnknownPermission,
    /// A project's name typed to confirm its deletion that is not its name.
    NameMismatch,
    /// More people at once than one request may add.
    TooManyPeople {
        max: usize,
    },
    /// The organization holds as many projects as it may.
    TooManyProjects {
        max: i64,
    },
    /// The organization holds as many teams as it may.
    TooManyTeams {
        max: i64,
    },
    /// A team holds as many members as it may.
    TeamFull {
        max: i64,
    },
    /// More teams at once than an invitation may name.
    TooManyTeamsChosen {
        max: usize,
    },
    /// The organization holds as many service accounts as it may.
    TooManyServiceAccounts {
        max: i64,
    },
    /// The service account (or the person, for the project) holds as many live keys as it may.
    TooManyKeys {
        max: i64,
    },
    /// A key lifetime that is not one of 7, 30, 90 or 365 days.
    UnknownKeyLifetime,
    /// A key lifetime beyond what the organization's policy allows.
    KeyLifetimeOverPolicy {
        max_days: i64,
    },
    /// A rotation overlap that is not none, 1 hour, 1 day or 7 days.
    UnknownOverlap,
    /// A person filter that is not a user id.
    UnknownPerson,
    /// An activity kind that is not one of the filter's kinds.
    UnknownActivityKind,
    /// An outcome that is not succeeded or refused.
    UnknownOutcome,
    /// A day that is not written `YYYY-MM-DD`.
    MalformedDay,
    /// A date range whose end comes before its start.
    DayBeforeStart,
    /// An export format that is not csv or jsonl.
    UnknownExportFormat,
    /// "No sign-in for N days" outside 1 to `max`.
    InactiveDaysOutOfRange {
        max: i64,
    },
    /// An access review decision that is not keep, change_role, remove or deactivate.
    UnknownDecision,
    /// "Change role" to the role the person already holds.
    SameRole,
    /// Identity provider metadata that cannot be used to verify sign-ins.
    SamlMetadata(MetadataProblem),
    /// A default role for single sign-on that is not Admin, Member or Auditor.
    UnknownDefaultRole,
    /// Not a domain name (ASCII labels, at least two).
    InvalidDomain,
    /// The organization lists this domain already.
    DomainAlreadyListed,
    /// Another organization verified this domain.
    DomainClaimed,
    /// The domain's TXT record was not found (yet) at `record_name`.
    DomainRecordNotFound {
        record_name: String,
    },
    TooManyDomains {
        max: usize,
    },
}

/// What is wrong with pasted SAML identity provider metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataProblem {
    Missing,
    /// Not XML, or not an `EntityDescriptor`.
    NotMetadata,
    NoEntityId,
    /// No `IDPSSODescriptor`.
    NotIdentityProvider,
    /// No single sign-on URL with the HTTP-Redirect binding.
    NoRedirectSignOn,
    /// No signing certificate: nothing could be verified.
    NoSigningCertificate,
    /// A certificate that does not parse.
    BadCertificate,
}

/// Why an authenticated caller may not do what they asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    // From `authz`.
    InsufficientRole,
    OwnerOnly,
    LastOwner,
    // Sign-in and organizations.
    Deactivated,
    NotAMemberOfLinkedOrganization,
    /// Members of `organization` must sign in with `provider`.
    ProviderRequired {
        organization: String,
        provider: String,
    },
    // Accounts and sign-in providers.
    NoPasswordYet,
    OnlyWayToSignIn,
    ProviderRequiredToStay {
        organization: String,
    },
    SignInWithProviderFirst {
        provider: String,
    },
    /// Disabling single sign-on while `organization` requires it.
    SsoRequiredToStayEnabled {
        organization: String,
    },
    // Second factor.
    SecondFactorLocked,
    MfaNotOn,
    MfaRequiredToStay {
        organization: String,
    },
    OwnMfaReset,
    MfaResetOutsideYourOrganizations,
    // Members.
    DeactivateSelf,
    LastOwnerLeaving,
    // Invitations.
    UnverifiedInviter,
    InvitationForSomeoneElse {
        invited: Private,
        signed_in_as: Private,
    },
    InvitationForAnotherProviderAccount {
        invited: Private,
        signed_in_as: Private,
    },
    InvitationNeedsProvider {
        organization: String,
        provider: String,
    },
    InvitationNeedsSecondFactor,
    SignInNotThroughInvitation,
    // Password resets.
    ResetNeedsOwner,
    LinkedProvider,
    // Projects.
    /// Organization Owners and Admins hold Admin on every project; it cannot be changed or
    /// removed at the project level.
    ImplicitProjectAdmin,
    /// Asking about someone else's access needs organization Owner/Admin or project Admin.
    ExplainOthersAccess,
    // API keys.
    /// A person's key for a project needs Use on it.
    KeyNeedsUse,
    /// This call takes a signed-in person, not an API key (or the other way round).
    NotForApiKeys,
    /// Introspection is for service accounts' keys.
    IntrospectionNeedsServiceAccount,
    /// Only a person rotates their own key (a new secret would let another act as them).
    RotateOthersKey,
}

/// What a state-changing request found already in the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clash {
    EmailTaken,
    EmailAlreadyVerified,
    MfaAlreadyOn,
    MemberHasNoMfa,
    AlreadyDeactivated,
    NotDeactivated,
    AlreadyAMember,
    InviteeAlreadyAMember {
        email: Private,
    },
    InvitationPending {
        email: Private,
    },
    TooManyPendingInvitations {
        max: i64,
    },
    /// Another project of the organization has this name (ignoring case).
    ProjectNameTaken,
    /// The project is archived: read-only until restored.
    ProjectArchived,
    ProjectNotArchived,
    /// The person already holds a role on the project.
    AlreadyOnProject {
        name: Private,
    },
    /// Another team of the organization has this name (ignoring case).
    TeamNameTaken,
    /// The person is already in the team.
    AlreadyInTeam {
        name: Private,
    },
    /// The team already holds a role on the project.
    TeamAlreadyOnProject {
        name: String,
    },
    /// Another service account of the organization has this name (ignoring case).
    ServiceAccountNameTaken,
    /// The service account already holds a role on the project.
    ServiceAccountAlreadyOnProject {
        name: String,
    },
    /// The key was revoked already.
    KeyRevoked,
    /// The service account is deactivated (already, or so no key can be made for it).
    ServiceAccountDeactivated,
    /// The service account is not deactivated.
    ServiceAccountActive,
    /// The organization has an access review in progress already.
    ReviewInProgress,
    /// The access review is completed: its decisions stand.
    ReviewCompleted,
    /// Completing an access review with rows nobody decided yet.
    ReviewUndecided {
        left: i64,
    },
    /// The row's decision already changed the person's access (role, removal, deactivation).
    DecisionFinal,
    /// The person of the row is no longer a member of the organization.
    NoLongerAMember,
}

impl Clash {
    /// The input field the clash is about, when there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::EmailTaken
            | Self::InviteeAlreadyAMember { .. }
            | Self::InvitationPending { .. }
            | Self::TooManyPendingInvitations { .. } => Some("email"),
            Self::ProjectNameTaken => Some("name"),
            Self::AlreadyOnProject { .. } | Self::AlreadyInTeam { .. } => Some("user_id"),
            Self::TeamNameTaken => Some("name"),
            Self::TeamAlreadyOnProject { .. } => Some("team_id"),
            Self::ServiceAccountNameTaken => Some("name"),
            Self::ServiceAccountAlreadyOnProject { .. } => Some("service_account_id"),
            Self::KeyRevoked | Self::ServiceAccountDeactivated | Self::ServiceAccountActive => None,
            Self::ReviewInProgress
            | Self::ReviewCompleted
            | Self::ReviewUndecided { .. }
            | Self::DecisionFinal
            | Self::NoLongerAMember => None,
            Self::EmailAlreadyVerified
            | Self::MfaAlreadyOn
            | Self::MemberHasNoMfa
            | Self::AlreadyDeactivated
            | Self::NotDeactivated
            | Self::AlreadyAMember
            | Self::ProjectArchived
            | Self::ProjectNotArchived => None,
        }
    }
}

/// Which link, token or flow can no longer be used, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lapse {
    /// A password sign-in's second step.
    SignInExpired,
    /// A sign-in through a provider, waiting for its next step.
    ProviderSignInExpired,
    MfaSetUpExpired,
    NoMfaSetUp,
    VerificationLinkForOldAddress,
    VerificationLinkUsed,
    VerificationLinkExpired,
    ResetLinkUsed,
    ResetLinkExpired,
    ResetLinkOutdated,
    ResetLinkUnusable,
    ResetLinkForLinkedProvider,
    InvitationExpired,
    InvitationUsed,
    InvitationRevoked,
    InvitationUnusable,
    InviterMayNoLongerInvite,
    /// An API key past its expiry (it can be neither used nor rotated).
    KeyExpired,
}

/// A feature this installation is not set up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    EmailVerification,
    PasswordResetByEmail,
}

mod fields;

pub use fields::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("validation failed: {0:?}")]
    Validation(FieldErrors),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden: {0:?}")]
    Forbidden(Denial),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0:?}")]
    Conflict(Clash),
    /// A link or token that existed but can no longer be used (expired, used, revoked).
    #[error("gone: {0:?}")]
    Gone(Lapse),
    /// A feature this installation is not set up for (e.g. email without SMTP).
    #[error("unavailable: {0:?}")]
    Unavailable(Feature),
    /// The organization's policy requires MFA and the caller's grace period is over.
    #[error("MFA enrollment required")]
    MfaEnrollmentRequired,
    /// A sensitive change without a recent proof of presence (see `reauth`).
    #[error("recent proof of presence required")]
    ProofRequired,
    #[error("too many attempts; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// The server has as much CPU-heavy work (password hashing) admitted as it allows: refused at
    /// once instead of queued without bound.
    #[error("busy; retry after {retry_after:?}")]
    Busy { retry_after: Duration },
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Self::internal(err)
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Self::internal(err)
    }
}

/// True when the database refused a row because a unique constraint already holds that value.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}
