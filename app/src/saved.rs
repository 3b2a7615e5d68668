//! What a settings page confirms after a change went through: one [`Saved`] per outcome, with
//! the page it belongs to, its `?saved=` value and its sentence. Server functions send a
//! no-JavaScript form post back to [`Saved::location`]; the page reads it with [`saved_on`];
//! a hydrated page shows the same sentence as a toast.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The settings pages that confirm changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingsPage {
    Profile,
    Security,
    Members,
    /// The Projects list.
    Projects,
    /// One project's pages (`/projects/<id>` and its tabs): their path depends on the project,
    /// see [`Saved::at`].
    Project,
    /// The Teams list.
    Teams,
    /// One team's page (`/settings/teams/<id>`): see [`Saved::at`].
    Team,
    /// The Service accounts list.
    ServiceAccounts,
    /// One service account's page (`/settings/service-accounts/<id>`): see [`Saved::at`].
    ServiceAccount,
    /// One access review's page (`/settings/access-reviews/<id>`): see [`Saved::at`].
    AccessReview,
    SingleSignOn,
}

impl SettingsPage {
    pub fn path(self) -> &'static str {
        match self {
            Self::Profile => "/settings/profile",
            Self::Security => "/settings/security",
            Self::Members => "/settings/members",
            Self::Projects | Self::Project => "/projects",
            Self::Teams | Self::Team => "/settings/teams",
            Self::ServiceAccounts | Self::ServiceAccount => "/settings/service-accounts",
            Self::AccessReview => "/settings/access-reviews",
            Self::SingleSignOn => "/settings/single-sign-on",
        }
    }
}

/// A change that went through, as its page confirms it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    Profile,
    Password,
    SessionRevoked,
    MfaOn,
    MfaOff,
    Policy,
    Restriction,
    Unlinked,
    Role,
    Removed,
    Deactivated,
    Reactivated,
    MfaReset,
    Invited,
    Resent,
    InvitationRevoked,
    ProjectCreated,
    ProjectSaved,
    ProjectArchived,
    ProjectRestored,
    ProjectDeleted,
    ProjectMembersAdded,
    ProjectRole,
    ProjectMemberRemoved,
    ProjectInvited,
    ProjectTeamAdded,
    ProjectTeamRole,
    ProjectTeamRemoved,
    TeamCreated,
    TeamSaved,
    TeamDeleted,
    TeamMembersAdded,
    TeamMemberRemoved,
    TeamLead,
    ServiceAccountCreated,
    ServiceAccountSaved,
    ServiceAccountDeactivated,
    ServiceAccountReactivated,
    ServiceAccountDeleted,
    ServiceAccountKeyRevoked,
    ProjectServiceAccountAdded,
    ProjectServiceAccountRole,
    ProjectServiceAccountRemoved,
    ProjectKeyRevoked,
    AccessReviewStarted,
    AccessReviewDecided,
    AccessReviewCompleted,
    SsoConnection,
    SsoDomainAdded,
    SsoDomainVerified,
    SsoDomainRemoved,
}

impl Saved {
    pub const ALL: [Self; 51] = [
        Self::Profile,
        Self::Password,
        Self::SessionRevoked,
        Self::MfaOn,
        Self::MfaOff,
        Self::Policy,
        Self::Restriction,
        Self::Unlinked,
        Self::Role,
        Self::Removed,
        Self::Deactivated,
        Self::Reactivated,
        Self::MfaReset,
        Self::Invited,
        Self::Resent,
        Self::InvitationRevoked,
        Self::ProjectCreated,
        Self::ProjectSaved,
        Self::ProjectArchived,
        Self::ProjectRestored,
        Self::ProjectDeleted,
        Self::ProjectMembersAdded,
        Self::ProjectRole,
        Self::ProjectMemberRemoved,
        Self::ProjectInvited,
        Self::ProjectTeamAdded,
        Self::ProjectTeamRole,
        Self::ProjectTeamRemoved,
        Self::TeamCreated,
        Self::TeamSaved,
        Self::TeamDeleted,
        Self::TeamMembersAdded,
        Self::TeamMemberRemoved,
        Self::TeamLead,
        Self::ServiceAccountCreated,
        Self::ServiceAccountSaved,
        Self::ServiceAccountDeactivated,
        Self::ServiceAccountReactivated,
        Self::ServiceAccountDeleted,
        Self::ServiceAccountKeyRevoked,
        Self::ProjectServiceAccountAdded,
        Self::ProjectServiceAccountRole,
        Self::ProjectServiceAccountRemoved,
        Self::ProjectKeyRevoked,
        Self::AccessReviewStarted,
        Self::AccessReviewDecided,
        Self::AccessReviewCompleted,
        Self::SsoConnection,
        Self::SsoDomainAdded,
        Self::SsoDomainVerified,
        Self::SsoDomainRemoved,
    ];

    /// The page that confirms it.
    pub fn page(self) -> SettingsPage {
        match self {
            Self::Profile | Self::Password | Self::SessionRevoked => SettingsPage::Profile,
            Self::MfaOn | Self::MfaOff | Self::Policy | Self::Restriction | Self::Unlinked => {
                SettingsPage::Security
            }
            Self::Role
            | Self::Removed
            | Self::Deactivated
            | Self::Reactivated
            | Self::MfaReset
            | Self::Invited
            | Self::Resent
            | Self::InvitationRevoked => SettingsPage::Members,
            Self::ProjectDeleted => SettingsPage::Projects,
            Self::ProjectCreated
            | Self::ProjectSaved
            | Self::ProjectArchived
            | Self::ProjectRestored
            | Self::ProjectMembersAdded
            | Self::ProjectRole
            | Self::ProjectMemberRemoved
            | Self::ProjectInvited
            | Self::ProjectTeamAdded
            | Self::ProjectTeamRole
            | Self::ProjectTeamRemoved
            | Self::ProjectServiceAccountAdded
            | Self::ProjectServiceAccountRole
            | Self::ProjectServiceAccountRemoved
            | Self::ProjectKeyRevoked => SettingsPage::Project,
            Self::TeamDeleted => SettingsPage::Teams,
            Self::TeamCreated
            | Self::TeamSaved
            | Self::TeamMembersAdded
            | Self::TeamMemberRemoved
            | Self::TeamLead => SettingsPage::Team,
            Self::ServiceAccountDeleted => SettingsPage::ServiceAccounts,
            Self::ServiceAccountCreated
            | Self::ServiceAccountSaved
            | Self::ServiceAccountDeactivated
            | Self::ServiceAccountReactivated
            | Self::ServiceAccountKeyRevoked => SettingsPage::ServiceAccount,
            Self::AccessReviewStarted | Self::AccessReviewDecided | Self::AccessReviewCompleted => {
                SettingsPage::AccessReview
            }
            Self::SsoConnection
            | Self::SsoDomainAdded
            | Self::SsoDomainVerified
            | Self::SsoDomainRemoved => SettingsPage::SingleSignOn,
        }
    }

    /// Its `?saved=` value, unique on its page (part of the URLs people and tests see).
    pub fn code(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::Password => "password",
            Self::SessionRevoked | Self::InvitationRevoked => "revoked",
            Self::MfaOn => "mfa_on",
            Self::MfaOff => "mfa_off",
            Self::Policy => "policy",
            Self::Restriction => "restriction",
            Self::Unlinked => "unlinked",
            Self::Role => "role",
            Self::Removed => "removed",
            Self::Deactivated | Self::ServiceAccountDeactivated => "deactivated",
            Self::Reactivated | Self::ServiceAccountReactivated => "reactivated",
            Self::MfaReset => "mfa_reset",
            Self::Invited | Self::ProjectInvited => "invited",
            Self::Resent => "resent",
            Self::ProjectCreated | Self::TeamCreated | Self::ServiceAccountCreated => "created",
            Self::ProjectSaved | Self::TeamSaved | Self::ServiceAccountSaved => "saved",
            Self::ProjectArchived => "archived",
            Self::ProjectRestored => "restored",
            Self::ProjectDeleted | Self::TeamDeleted | Self::ServiceAccountDeleted => "deleted",
            Self::ProjectMembersAdded | Self::TeamMembersAdded => "added",
            Self::ProjectRole => "role",
            Self::ProjectMemberRemoved | Self::TeamMemberRemoved => "removed",
            Self::TeamLead => "lead",
            Self::ProjectTeamAdded => "team_added",
            Self::ProjectTeamRole => "team_role",
            Self::ProjectTeamRemoved => "team_removed",
            Self::ProjectServiceAccountAdded => "service_account_added",
            Self::ProjectServiceAccountRole => "service_account_role",
            Self::ProjectServiceAccountRemoved => "service_account_removed",
            Self::ServiceAccountKeyRevoked | Self::ProjectKeyRevoked => "key_revoked",
            Self::AccessReviewStarted => "started",
            Self::AccessReviewDecided => "decided",
            Self::AccessReviewCompleted => "completed",
            Self::SsoConnection => "connection",
            Self::SsoDomainAdded => "domain_added",
            Self::SsoDomainVerified => "domain_verified",
            Self::SsoDomainRemoved => "domain_removed",
        }
    }

    /// Where a no-JavaScript form post goes once the change is made: `/settings/…?saved=…`.
    pub fn location(self) -> String {
        self.at(self.page().path())
    }

    /// The same on a page whose path is not fixed (a project's): `<path>?saved=…`.
    pub fn at(self, path: &str) -> String {
        format!("{path}?saved={}", self.code())
    }

    /// The outcome `code` stands for on `page`.
    pub fn on(page: SettingsPage, code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|saved| saved.page() == page && saved.code() == code)
    }

    /// The sentence confirming it.
    pub fn message(self) -> &'static str {
        match self {
            Self::Profile => "Profile saved",
            Self::Password => "Password changed. Other sessions were signed out.",
            Self::SessionRevoked => "Session revoked",
            Self::MfaOn => "MFA is on.",
            Self::MfaOff => "MFA is off.",
            Self::Policy => "Security policy saved.",
            Self::Restriction => "Sign-in restriction saved.",
            Self::Unlinked => "Provider unlinked.",
            Self::Role => "Role updated",
            Self::Removed => "Member removed from the organization",
            Self::Deactivated => "Member deactivated: their sessions here have ended",
            Self::Reactivated => "Member reactivated",
            Self::MfaReset => "MFA reset: the member was signed out everywhere",
            Self::Invited => "Invitation created",
            Self::Resent => "Invitation sent again with a new link",
            Self::InvitationRevoked => "Invitation revoked",
            Self::ProjectCreated => "Project created",
            Self::ProjectSaved => "Project saved",
            Self::ProjectArchived => "Project archived: it is read-only until restored",
            Self::ProjectRestored => "Project restored",
            Self::ProjectDeleted => "Project deleted",
            Self::ProjectMembersAdded => "Added to the project",
            Self::ProjectRole => "Project role updated",
            Self::ProjectMemberRemoved => "Removed from the project",
            Self::ProjectInvited => {
                "Invitation created: they get the project role when they accept"
            }
            Self::ProjectTeamAdded => "Team added: everyone in it has its role on the project",
            Self::ProjectTeamRole => "Team role updated",
            Self::ProjectTeamRemoved => "Team removed from the project",
            Self::TeamCreated => "Team created",
            Self::TeamSaved => "Team saved",
            Self::TeamDeleted => "Team deleted",
            Self::TeamMembersAdded => "Added to the team",
            Self::TeamMemberRemoved => "Removed from the team",
            Self::TeamLead => "Team lead updated",
            Self::ServiceAccountCreated => "Service account created",
            Self::ServiceAccountSaved => "Service account saved",
            Self::ServiceAccountDeactivated => {
                "Service account deactivated: its keys are refused from now on"
            }
            Self::ServiceAccountReactivated => {
                "Service account reactivated: its unexpired keys work again"
            }
            Self::ServiceAccountDeleted => "Service account deleted: its keys no longer work",
            Self::ServiceAccountKeyRevoked | Self::ProjectKeyRevoked => {
                "Key revoked: it is refused from its next use"
            }
            Self::ProjectServiceAccountAdded => "Service account added to the project",
            Self::ProjectServiceAccountRole => "Service account role updated",
            Self::ProjectServiceAccountRemoved => "Service account removed from the project",
            Self::AccessReviewStarted => "Access review started: decide each person's access",
            Self::AccessReviewDecided => "Decision recorded",
            Self::AccessReviewCompleted => "Access review completed",
            Self::SsoConnection => "Single sign-on settings saved.",
            Self::SsoDomainAdded => "Domain added: publish its TXT record, then verify it.",
            Self::SsoDomainVerified => "Domain verified.",
            Self::SsoDomainRemoved => "Domain removed.",
        }
    }

    /// The toast a hydrated page shows: the sentence, with what comes next where the page has
    /// room to say it.
    pub fn toast(self) -> String {
        match self {
            Self::MfaOn => "MFA is on. You will be asked for a code when you sign in.".to_string(),
            other => other.message().to_string(),
        }
    }
}

/// The outcome this page's URL confirms (`?saved=…` after a no-JavaScript form post), if any.
pub fn saved_on(page: SettingsPage) -> Signal<Option<Saved>> {
    let query = use_query_map();
    Signal::derive(move || Saved::on(page, &query.read().get("saved")?))
}

/// The sentence for this page's URL's outcome, for a `FormStatus`.
pub fn saved_message(page: SettingsPage) -> Signal<Option<String>> {
    let saved = saved_on(page);
    Signal::derive(move || saved.get().map(|saved| saved.message().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_round_trips_through_its_page_and_code() {
        for saved in Saved::ALL {
            assert_eq!(
                Saved::on(saved.page(), saved.code()),
                Some(saved),
                "{saved:?}"
            );
        }
        assert_eq!(Saved::on(SettingsPage::Profile, "role"), None);
        assert_eq!(Saved::on(SettingsPage::Members, "nonsense"), None);
    }

    #[test]
    fn locations_are_the_urls_no_javascript_posts_come_back_to() {
        assert_eq!(
            Saved::SessionRevoked.location(),
            "/settings/profile?saved=revoked"
        );
        assert_eq!(
            Saved::InvitationRevoked.location(),
            "/settings/members?saved=revoked"
        );
        assert_eq!(Saved::MfaOn.location(), "/settings/security?saved=mfa_on");
        assert_eq!(
            Saved::MfaReset.location(),
            "/settings/members?saved=mfa_reset"
        );
        assert_eq!(
            Saved::ServiceAccountDeleted.location(),
            "/settings/service-accounts?saved=deleted"
        );
        assert_eq!(
            Saved::ProjectKeyRevoked.at("/projects/p/keys"),
            "/projects/p/keys?saved=key_revoked"
        );
    }
}
