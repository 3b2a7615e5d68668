//! The audit log: one row per security-relevant event, written in the same transaction as the
//! change it records. Rows hold ids, never emails, passwords or tokens.
//!
//! Requests a limit refused before anything was checked (a throttled sign-in, sign-up or
//! second-factor code) are only *tallied*, per action and hour: a flood of them must not grow
//! the log by a row each.

use sqlx::{AnyConnection, AnyPool};

use crate::Error;
use crate::clock::Timestamp;
use crate::ids::{EventId, OrgId, UserId};
use crate::vocab::ClientInfo;

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
        }
    }
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
}

pub(crate) async fn record(
    conn: &mut AnyConnection,
    event: Event<'_>,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_events (id, org_id, actor_id, action, target, ip, user_agent, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(EventId::random().to_string())
    .bind(event.org.map(|id| id.to_string()))
    .bind(event.actor.map(|id| id.to_string()))
    .bind(event.action.as_str())
    .bind(event.target)
    .bind(event.client.ip.clone())
    .bind(event.client.user_agent.clone())
    .bind(now.as_millis())
    .execute(conn)
    .await?;
    Ok(())
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

/// Forgets the tallies of hours that started before `before`; how many.
pub(crate) async fn purge_tallies(pool: &AnyPool, before: Timestamp) -> Result<u64, Error> {
    let done = sqlx::query("DELETE FROM audit_tallies WHERE window_start < $1")
        .bind(before.as_millis())
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
