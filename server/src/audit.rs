//! The audit log: one row per security-relevant event, written in the same transaction as the
//! change it records. Rows hold ids, never emails, passwords or tokens.
//!
//! Requests a limit refused before anything was checked (a throttled sign-in, sign-up or
//! second-factor code) are only *tallied*, per action and hour: a flood of them must not grow
//! the log by a row each.

use sqlx::{AnyConnection, AnyPool};

use crate::Error;
use crate::clock::Timestamp;
use crate::db::Db;
use crate::ids::{EventId, OrgId, ServiceAccountId, UserId};
use crate::vocab::ClientInfo;

pub mod chain;

pub use chain::{BrokenLink, Problem, Verdict};

/// What happened. The text form is stable: reports and later issues filter on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignedUp,
    SignUpThrottled,
    SignedIn,
    SignInFailed,
    SignInThrottled,
    SessionEnded,
    ProfileUpdated,
    PasswordChanged,
    MemberRoleChanged,
    MemberRemoved,
    MemberDeactivated,
    MemberReactivated,
    MemberLeft,
    InvitationCreated,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    PasswordResetRequested,
    PasswordResetLinkCreated,
    PasswordReset,
    MfaEnrollmentStarted,
    MfaEnabled,
    MfaDisabled,
    MfaReset,
    MfaBackupCodesRegenerated,
    MfaBackupCodeUsed,
    MfaCodeRefused,
    MfaThrottled,
    MfaLocked,
    SecurityPolicyUpdated,
    IdentityLinked,
    IdentityUnlinked,
    /// The account's owner proved they receive mail at its address.
    EmailVerified,
    /// A provider that verified the address took an unverified password account over.
    EmailClaimed,
    ProjectCreated,
    ProjectRenamed,
    /// Its description changed (a rename is `ProjectRenamed`).
    ProjectUpdated,
    ProjectArchived,
    ProjectRestored,
    ProjectDeleted,
    ProjectMemberAdded,
    ProjectMemberRoleChanged,
    ProjectMemberRemoved,
    ProjectTeamAdded,
    ProjectTeamRoleChanged,
    ProjectTeamRemoved,
    TeamCreated,
    /// Its name or description changed.
    TeamUpdated,
    TeamDeleted,
    TeamMemberAdded,
    TeamMemberRemoved,
    /// Its lead was chosen, changed or cleared.
    TeamLeadChanged,
    ServiceAccountCreated,
    /// Its name or description changed.
    ServiceAccountUpdated,
    ServiceAccountDeactivated,
    ServiceAccountReactivated,
    ServiceAccountDeleted,
    ProjectServiceAccountAdded,
    ProjectServiceAccountRoleChanged,
    ProjectServiceAccountRemoved,
    ApiKeyCreated,
    ApiKeyRotated,
    ApiKeyRevoked,
    /// Recorded by the hourly sweep once a key is past its expiry.
    ApiKeyExpired,
    /// A key was used from an address it had not been used from before.
    ApiKeyUsedFromNewAddress,
    /// An Owner, Admin or Auditor exported the organization's activity.
    ActivityExported,
    AccessReviewStarted,
    /// One person's row of an access review was decided (the change itself is audited too).
    AccessReviewItemDecided,
    AccessReviewCompleted,
    /// An Owner saved the organization's SAML connection.
    SsoConnectionUpdated,
    /// A first single sign-on made the person a member (just in time).
    SsoMemberProvisioned,
    /// A SAML response was refused (the reason is the target).
    SsoSignInRefused,
    /// An Owner claimed an email domain for the organization.
    SsoDomainAdded,
    /// The domain's DNS record was found: the organization owns it.
    SsoDomainVerified,
    SsoDomainRemoved,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignedUp => "user.signed_up",
            Action::SignUpThrottled => "user.sign_up_throttled",
            Action::SignedIn => "session.signed_in",
            Action::SignInFailed => "session.sign_in_failed",
            Action::SignInThrottled => "session.sign_in_throttled",
            Action::SessionEnded => "session.ended",
            Action::ProfileUpdated => "user.profile_updated",
            Action::PasswordChanged => "user.password_changed",
            Action::MemberRoleChanged => "member.role_changed",
            Action::MemberRemoved => "member.removed",
            Action::MemberDeactivated => "member.deactivated",
            Action::MemberReactivated => "member.reactivated",
            Action::MemberLeft => "member.left",
            Action::InvitationCreated => "invitation.created",
            Action::InvitationResent => "invitation.resent",
            Action::InvitationRevoked => "invitation.revoked",
            Action::InvitationAccepted => "invitation.accepted",
            Action::PasswordResetRequested => "user.password_reset_requested",
            Action::PasswordResetLinkCreated => "user.password_reset_link_created",
            Action::PasswordReset => "user.password_reset",
            Action::MfaEnrollmentStarted => "mfa.enrollment_started",
            Action::MfaEnabled => "mfa.enabled",
            Action::MfaDisabled => "mfa.disabled",
            Action::MfaReset => "mfa.reset",
            Action::MfaBackupCodesRegenerated => "mfa.backup_codes_regenerated",
            Action::MfaBackupCodeUsed => "mfa.backup_code_used",
            Action::MfaCodeRefused => "mfa.code_refused",
            Action::MfaThrottled => "mfa.throttled",
            Action::MfaLocked => "mfa.locked",
            Action::SecurityPolicyUpdated => "security_policy.updated",
            Action::IdentityLinked => "identity.linked",
            Action::IdentityUnlinked => "identity.unlinked",
            Action::EmailVerified => "user.email_verified",
            Action::EmailClaimed => "user.email_claimed",
            Action::ProjectCreated => "project.created",
            Action::ProjectRenamed => "project.renamed",
            Action::ProjectUpdated => "project.updated",
            Action::ProjectArchived => "project.archived",
            Action::ProjectRestored => "project.restored",
            Action::ProjectDeleted => "project.deleted",
            Action::ProjectMemberAdded => "project.member_added",
            Action::ProjectMemberRoleChanged => "project.member_role_changed",
            Action::ProjectMemberRemoved => "project.member_removed",
            Action::ProjectTeamAdded => "project.team_added",
            Action::ProjectTeamRoleChanged => "project.team_role_changed",
            Action::ProjectTeamRemoved => "project.team_removed",
            Action::TeamCreated => "team.created",
            Action::TeamUpdated => "team.updated",
            Action::TeamDeleted => "team.deleted",
            Action::TeamMemberAdded => "team.member_added",
            Action::TeamMemberRemoved => "team.member_removed",
            Action::TeamLeadChanged => "team.lead_changed",
            Action::ServiceAccountCreated => "service_account.created",
            Action::ServiceAccountUpdated => "service_account.updated",
            Action::ServiceAccountDeactivated => "service_account.deactivated",
            Action::ServiceAccountReactivated => "service_account.reactivated",
            Action::ServiceAccountDeleted => "service_account.deleted",
            Action::ProjectServiceAccountAdded => "project.service_account_added",
            Action::ProjectServiceAccountRoleChanged => "project.service_account_role_changed",
            Action::ProjectServiceAccountRemoved => "project.service_account_removed",
            Action::ApiKeyCreated => "api_key.created",
            Action::ApiKeyRotated => "api_key.rotated",
            Action::ApiKeyRevoked => "api_key.revoked",
            Action::ApiKeyExpired => "api_key.expired",
            Action::ApiKeyUsedFromNewAddress => "api_key.used_from_new_address",
            Action::AccessReviewStarted => "access_review.started",
            Action::AccessReviewItemDecided => "access_review.item_decided",
            Action::AccessReviewCompleted => "access_review.completed",
            Action::SsoConnectionUpdated => "sso.connection_updated",
            Action::SsoMemberProvisioned => "sso.member_provisioned",
            Action::SsoSignInRefused => "sso.sign_in_refused",
            Action::SsoDomainAdded => "sso.domain_added",
            Action::SsoDomainVerified => "sso.domain_verified",
            Action::SsoDomainRemoved => "sso.domain_removed",
            Action::ActivityExported => "activity.exported",
        }
    }
}

/// What the Activity screen filters events by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    SignIn,
    Members,
    Projects,
    Teams,
    Keys,
    Security,
    /// The rest of what people do to their own account (sign-up, profile, email).
    Account,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::SignIn,
        Kind::Members,
        Kind::Projects,
        Kind::Teams,
        Kind::Keys,
        Kind::Security,
        Kind::Account,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SignIn => "sign_in",
            Kind::Members => "members",
            Kind::Projects => "projects",
            Kind::Teams => "teams",
            Kind::Keys => "keys",
            Kind::Security => "security",
            Kind::Account => "account",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl Action {
    /// The filter an event falls under.
    pub fn kind(self) -> Kind {
        let text = self.as_str();
        let family = text.split('.').next().unwrap_or_default();
        match family {
            "session" => Kind::SignIn,
            // A wrong or throttled second step is a failed sign-in attempt.
            "mfa" if self.refused() => Kind::SignIn,
            "sso" if self.refused() => Kind::SignIn,
            "member" | "invitation" => Kind::Members,
            "sso" if self == Action::SsoMemberProvisioned => Kind::Members,
            "project" => Kind::Projects,
            "team" => Kind::Teams,
            "service_account" | "api_key" => Kind::Keys,
            "mfa" | "security_policy" | "identity" | "activity" | "access_review" | "sso" => {
                Kind::Security
            }
            "user" if text.starts_with("user.password") => Kind::Security,
            _ => Kind::Account,
        }
    }

    /// Whether the event records something refused (a failed or throttled attempt).
    pub fn refused(self) -> bool {
        matches!(
            self,
            Action::SignInFailed
                | Action::SignInThrottled
                | Action::SignUpThrottled
                | Action::MfaCodeRefused
                | Action::MfaThrottled
                | Action::MfaLocked
                | Action::SsoSignInRefused
        )
    }

    /// A refused attempt on an account that names no organization: each organization the
    /// account belongs to sees it.
    fn concerns_every_organization(self) -> bool {
        matches!(
            self,
            Action::SignInFailed | Action::MfaCodeRefused | Action::MfaLocked
        )
    }
}

/// Who did it, as the Activity screen names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorRef {
    User(UserId),
    ServiceAccount(ServiceAccountId),
    /// Nobody: a scheduled sweep, or an anonymous request.
    System,
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub action: Action,
    pub org: Option<OrgId>,
    pub actor: Option<UserId>,
    /// What the action was done to, e.g. `session:<id>` or `user:<id>`, plus a reason if any.
    pub target: Option<String>,
    pub client: &'a ClientInfo,
}

impl<'a> Event<'a> {
    /// The signed-in caller acted on their own account.
    pub fn about_self(action: Action, actor: &'a crate::vocab::Caller) -> Self {
        Self {
            action,
            org: actor.org.as_ref().map(|o| o.id),
            actor: Some(actor.user_id),
            target: Some(format!("user:{}", actor.user_id)),
            client: &actor.client,
        }
    }

    /// The caller acted in organization `org` on `target`.
    pub fn by(action: Action, actor: &'a crate::vocab::Actor, org: OrgId, target: String) -> Self {
        Self {
            action,
            org: Some(org),
            actor: Some(actor.user_id),
            target: Some(target),
            client: &actor.client,
        }
    }
}

pub(crate) async fn record(
    conn: &mut AnyConnection,
    event: Event<'_>,
    now: Timestamp,
) -> Result<(), Error> {
    let actor = event.actor.map_or(ActorRef::System, ActorRef::User);
    record_by(conn, event, actor, now).await
}

/// Records `event` as done by `actor` (a service account's key, where `event.actor` can only
/// name a person).
pub(crate) async fn record_by(
    conn: &mut AnyConnection,
    event: Event<'_>,
    actor: ActorRef,
    now: Timestamp,
) -> Result<(), Error> {
    let orgs = match (event.org, actor) {
        (Some(org), _) => vec![Some(org)],
        (None, ActorRef::User(user)) if event.action.concerns_every_organization() => {
            let mut orgs: Vec<Option<OrgId>> =
                orgs_of(conn, user).await?.into_iter().map(Some).collect();
            if orgs.is_empty() {
                orgs.push(None);
            }
            orgs
        }
        (None, _) => vec![None],
    };
    let (actor_type, actor_id) = match actor {
        ActorRef::User(id) => (Some("user"), Some(id.to_string())),
        ActorRef::ServiceAccount(id) => (Some("service_account"), Some(id.to_string())),
        ActorRef::System => (None, None),
    };
    let subject = event
        .target
        .as_deref()
        .and_then(subject_of)
        .or(match actor {
            // Sign-ins and the like are about the person who made them.
            ActorRef::User(id) if event.action.kind() == Kind::SignIn => Some(id.to_string()),
            _ => None,
        });
    for org in orgs {
        let link = chain::Link {
            id: EventId::random().to_string(),
            chain: org.map(|id| id.to_string()).unwrap_or_default(),
            seq: 0,
            org_id: org.map(|id| id.to_string()),
            actor_type: actor_type.map(str::to_string),
            actor_id: actor_id.clone(),
            subject_id: subject.clone(),
            action: event.action.as_str().to_string(),
            kind: event.action.kind().as_str().to_string(),
            outcome: if event.action.refused() {
                "refused"
            } else {
                "succeeded"
            }
            .to_string(),
            target: event.target.clone(),
            ip: event.client.ip.clone(),
            user_agent: Some(event.client.user_agent.clone()),
            created_at: now.as_millis(),
        };
        chain::append(conn, link).await?;
    }
    Ok(())
}

/// The organizations an account belongs to (deactivated or not), in a fixed order so that
/// writers take the chains' locks in the same order.
async fn orgs_of(conn: &mut AnyConnection, user: UserId) -> Result<Vec<OrgId>, Error> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT org_id FROM memberships WHERE user_id = $1 ORDER BY org_id")
            .bind(user.to_string())
            .fetch_all(conn)
            .await?;
    ids.iter()
        .map(|id| crate::ids::from_db(id, OrgId::parse))
        .collect()
}

/// The account a target names (`user:<id>` among its words), if any.
fn subject_of(target: &str) -> Option<String> {
    target
        .split_whitespace()
        .find_map(|word| word.strip_prefix("user:"))
        .filter(|id| UserId::parse(id).is_some())
        .map(str::to_string)
}

/// How long one tally counts.
const TALLY_WINDOW_MS: i64 = 3600 * 1000;

/// Counts one more `action` in the current hour instead of writing a row for it; the count so far
/// this hour.
pub(crate) async fn tally(pool: &AnyPool, action: Action, now: Timestamp) -> Result<i64, Error> {
    let window_start = now.as_millis() - now.as_millis().rem_euclid(TALLY_WINDOW_MS);
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_tallies (action, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (action, window_start) DO UPDATE SET count = audit_tallies.count + 1 \
         RETURNING count",
    )
    .bind(action.as_str())
    .bind(window_start)
    .fetch_one(pool)
    .await?)
}

/// Removes events recorded at or before `before`, keeping every chain verifiable.
pub(crate) async fn purge(db: &Db, before: Timestamp) -> Result<u64, Error> {
    chain::purge(db, before).await
}

/// Forgets the tallies of hours that started before `before`; how many.
pub(crate) async fn purge_tallies(pool: &AnyPool, before: Timestamp) -> Result<u64, Error> {
    let done = sqlx::query("DELETE FROM audit_tallies WHERE window_start < $1")
        .bind(before.as_millis())
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
