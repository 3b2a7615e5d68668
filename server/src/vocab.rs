//! The shared vocabulary of the domain: who acts (the resolved [`Caller`] and the admitted
//! [`Actor`]), in which organization and [`Role`], with what second factor, from which client,
//! and why a session ended.
//!
//! Plain data that every service speaks. This module is a leaf: it imports nothing of the domain
//! but ids, the clock's timestamp and the error type, so that services can depend on it without
//! depending on each other (a test in `server/tests/it/module_cycles.rs` keeps it so). It must
//! never do I/O.

use std::fmt;

use crate::clock::Timestamp;
use crate::error::Error;
use crate::ids::{ApiKeyId, OrgId, ProjectId, ServiceAccountId, SessionId, UserId};

const USER_AGENT_MAX: usize = 512;

/// What a member may do in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Owner,
    Admin,
    Member,
    /// Sees members, projects, teams, activity and access reviews; changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text.trim().to_ascii_lowercase())
    }

    /// The label users see: "Owner", "Admin", "Member", "Auditor".
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
            Role::Auditor => "Auditor",
        }
    }

    /// Owners and Admins: they manage members, projects, teams and keys.
    pub fn manages(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Owners, Admins and Auditors: they read the organization's activity and access reviews.
    pub fn oversees(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Auditor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role on one project, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProjectRole {
    Admin,
    Member,
    Viewer,
}

impl ProjectRole {
    pub const ALL: [ProjectRole; 3] =
        [ProjectRole::Admin, ProjectRole::Member, ProjectRole::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectRole::Admin => "admin",
            ProjectRole::Member => "member",
            ProjectRole::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text.trim().to_ascii_lowercase())
    }

    /// The most a role allows: Admin edits, Member uses, Viewer views.
    pub fn highest_permission(self) -> Permission {
        match self {
            ProjectRole::Admin => Permission::Edit,
            ProjectRole::Member => Permission::Use,
            ProjectRole::Viewer => Permission::View,
        }
    }
}

impl fmt::Display for ProjectRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a project role allows: View (see the project and its settings), Use (invoke what the
/// project offers), Edit (change its settings). Each implies the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    View,
    Use,
    Edit,
}

impl Permission {
    pub const ALL: [Permission; 3] = [Permission::View, Permission::Use, Permission::Edit];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::View => "view",
            Permission::Use => "use",
            Permission::Edit => "edit",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|permission| permission.as_str() == text.trim().to_ascii_lowercase())
    }
}

/// Where a request came from, as recorded on sessions and audit rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: String,
    pub hints: ClientHints,
}

impl ClientInfo {
    pub fn new(ip: Option<String>, user_agent: &str) -> Self {
        Self {
            ip,
            user_agent: clip(user_agent),
            hints: ClientHints::default(),
        }
    }

    pub fn with_hints(mut self, hints: ClientHints) -> Self {
        self.hints = ClientHints {
            platform: hints.platform.as_deref().map(clip),
            brands: hints.brands.as_deref().map(clip),
        };
        self
    }
}

fn clip(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_MAX)
        .collect()
}

/// The low-entropy client hints Chromium-based browsers send by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientHints {
    /// `Sec-CH-UA-Platform`, e.g. `"Windows"`.
    pub platform: Option<String>,
    /// `Sec-CH-UA`, e.g. `"Chromium";v="156", "Google Chrome";v="156", "Not?A_Brand";v="99"`.
    pub brands: Option<String>,
}

/// How a session was established.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionAuth {
    /// The provider it came through; `None` for a password.
    pub via_provider: Option<String>,
    /// The account had MFA but the second step was skipped because the organization signed
    /// into trusted the provider's own MFA.
    pub mfa_waived: bool,
}

/// The organization a session acts in, with the caller's role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgContext {
    pub id: OrgId,
    pub name: String,
    pub role: Role,
}

/// The caller's second factor, and what their organization's policy asks of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MfaState {
    pub enabled: bool,
    /// Unused backup codes (0 without MFA).
    pub backup_codes_left: i64,
    /// Set when the current organization's policy covers the caller and they have no MFA yet:
    /// the end of their grace period.
    pub required_by: Option<Timestamp>,
}

impl MfaState {
    /// Past the grace period without MFA.
    pub fn overdue(&self, now: Timestamp) -> bool {
        self.required_by.is_some_and(|deadline| deadline <= now)
    }
}

/// A signed-in session as resolved for a request: who, in which organization, and how the
/// session was established. What it may do is decided by [`Caller::admit`]; only the few calls a
/// caller held back by their organization's MFA policy may still make take a `Caller`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub name: String,
    pub email: String,
    /// The owner proved they receive mail at `email` (or the account predates the rule).
    pub email_verified: bool,
    /// SMTP is configured and `email` is not verified yet: the account may not invite until it
    /// is (see [`crate::email_verification`]).
    pub needs_email_verification: bool,
    pub org: Option<OrgContext>,
    pub mfa: MfaState,
    pub auth: SessionAuth,
    /// When the session last proved its owner present: its sign-in, or a later password or code
    /// (see [`crate::reauth`]).
    pub proven_at: Timestamp,
    pub client: ClientInfo,
}

/// A caller admitted to act: only [`Caller::admit`] makes one, so every domain function that
/// takes an `&Actor` sits behind the organization's MFA policy, whoever calls it.
#[derive(Debug, Clone)]
pub struct Actor {
    caller: Caller,
}

impl std::ops::Deref for Actor {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl Actor {
    /// The admitted caller after a change to their own name.
    pub fn renamed(mut self, name: String) -> Self {
        self.caller.name = name;
        self
    }
}

impl Caller {
    /// The organization's MFA policy, enforced: past their grace period without MFA, a covered
    /// member may do nothing but enroll (and see who they are, sign out or switch organization,
    /// which take a `Caller`).
    pub fn admit(self, now: Timestamp) -> Result<Actor, Error> {
        if self.mfa.overdue(now) {
            Err(Error::MfaEnrollmentRequired)
        } else {
            Ok(Actor { caller: self })
        }
    }
}

/// Who holds an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHolder {
    ServiceAccount {
        id: ServiceAccountId,
        name: String,
    },
    /// A person's key for one project: it never allows more than the person may do now.
    Person {
        user_id: UserId,
        name: String,
    },
}

/// A request authenticated by an API key, resolved and admitted for the key's organization
/// (only `api_keys::authenticate` makes one).
#[derive(Debug, Clone)]
pub struct KeyActor {
    pub key_id: ApiKeyId,
    pub org: OrgId,
    pub org_name: String,
    pub holder: KeyHolder,
    /// A person's key is for this project only.
    pub project: Option<ProjectId>,
    pub expires_at: Timestamp,
    pub client: ClientInfo,
}

/// Why a session ended; recorded in logs, the audit log and the session's tombstone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    SignedOut,
    Replaced,
    /// Ended from another of the user's devices.
    Revoked,
    PasswordChanged,
    /// A new password was set through a reset link.
    PasswordReset,
    /// An administrator deactivated the member in the session's organization.
    Deactivated,
    /// An administrator reset the user's MFA.
    MfaReset,
    Expired,
    /// Unused for longer than the idle limit.
    Idle,
    /// The organization it acts in requires signing in through a provider it did not come
    /// through (the rule was set, or the session was moved there).
    SignInRestricted,
    /// It skipped the second step where a provider's MFA was trusted, and now acts where it
    /// is not.
    SecondFactorRequired,
    /// A sign-in provider that verified the account's email took the unverified account over:
    /// whoever signed up with a password never proved the address.
    EmailClaimed,
}

impl EndReason {
    const ALL: [EndReason; 12] = [
        EndReason::SignedOut,
        EndReason::Replaced,
        EndReason::Revoked,
        EndReason::PasswordChanged,
        EndReason::PasswordReset,
        EndReason::Deactivated,
        EndReason::MfaReset,
        EndReason::Expired,
        EndReason::Idle,
        EndReason::SignInRestricted,
        EndReason::SecondFactorRequired,
        EndReason::EmailClaimed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::SignedOut => "signed_out",
            EndReason::Replaced => "replaced_by_new_sign_in",
            EndReason::Revoked => "revoked",
            EndReason::PasswordChanged => "password_changed",
            EndReason::PasswordReset => "password_reset",
            EndReason::Deactivated => "deactivated",
            EndReason::MfaReset => "mfa_reset",
            EndReason::Expired => "expired",
            EndReason::Idle => "idle",
            EndReason::SignInRestricted => "sign_in_restricted",
            EndReason::SecondFactorRequired => "second_factor_required",
            EndReason::EmailClaimed => "email_claimed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == text)
    }
}

/// One of the caller's own active sessions, as listed on the Active sessions screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: SessionId,
    pub device: String,
    pub ip: Option<String>,
    pub signed_in_at: Timestamp,
    pub last_active_at: Timestamp,
    pub expires_at: Timestamp,
    pub current: bool,
}
