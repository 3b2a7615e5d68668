//! Every conflict, lapsed link and missing feature has its sentence.

use super::*;

fn every_clash(clash: &Clash) -> (&'static str, Option<&'static str>) {
    match clash {
        Clash::EmailTaken => (
            "An account with this email already exists. Sign in instead.",
            Some("email"),
        ),
        Clash::EmailAlreadyVerified => ("Your email address is already verified.", None),
        Clash::MfaAlreadyOn => ("MFA is already on for this account.", None),
        Clash::MemberHasNoMfa => ("This member has not set up MFA.", None),
        Clash::AlreadyDeactivated => ("This member is already deactivated.", None),
        Clash::NotDeactivated => ("This member is not deactivated.", None),
        Clash::AlreadyAMember => ("You are already a member of this organization.", None),
        Clash::InviteeAlreadyAMember { .. } => (
            "bob@example.com is already a member of this organization.",
            Some("email"),
        ),
        Clash::InvitationPending { .. } => (
            "An invitation to bob@example.com is already pending: resend it from the list \
             instead.",
            Some("email"),
        ),
        Clash::TooManyPendingInvitations { .. } => (
            "This organization has 500 pending invitations: revoke some first.",
            Some("email"),
        ),
        Clash::ProjectNameTaken => (
            "Another project of this organization already has this name.",
            Some("name"),
        ),
        Clash::ProjectArchived => (
            "This project is archived: restore it before changing it.",
            None,
        ),
        Clash::ProjectNotArchived => ("This project is not archived.", None),
        Clash::AlreadyOnProject { .. } => {
            ("Bob already has a role on this project.", Some("user_id"))
        }
        Clash::TeamNameTaken => (
            "Another team of this organization already has this name.",
            Some("name"),
        ),
        Clash::AlreadyInTeam { .. } => ("Bob is already in this team.", Some("user_id")),
        Clash::TeamAlreadyOnProject { .. } => (
            "Team Data Science already has a role on this project.",
            Some("team_id"),
        ),
        Clash::ServiceAccountNameTaken => (
            "Another service account of this organization already has this name.",
            Some("name"),
        ),
        Clash::ServiceAccountAlreadyOnProject { .. } => (
            "Service account CI already has a role on this project.",
            Some("service_account_id"),
        ),
        Clash::KeyRevoked => ("This key has been revoked.", None),
        Clash::ServiceAccountDeactivated => ("This service account is deactivated.", None),
        Clash::ServiceAccountActive => ("This service account is not deactivated.", None),
        Clash::ReviewInProgress => (
            "An access review is already in progress: complete it before starting another.",
            None,
        ),
        Clash::ReviewCompleted => (
            "This access review is completed: its decisions can no longer change.",
            None,
        ),
        Clash::ReviewUndecided { left: 1 } => (
            "Decide every row before completing the review: 1 is left.",
            None,
        ),
        Clash::ReviewUndecided { .. } => (
            "Decide every row before completing the review: 3 are left.",
            None,
        ),
        Clash::DecisionFinal => (
            "This decision already changed their access. Make further changes on the Members \
             screen.",
            None,
        ),
        Clash::NoLongerAMember => (
            "They are no longer a member of this organization: record Remove.",
            None,
        ),
    }
}

#[test]
fn every_conflict_has_its_sentence_and_field() {
    let bob = || Private("bob@example.com".into());
    let clashes = [
        Clash::EmailTaken,
        Clash::EmailAlreadyVerified,
        Clash::MfaAlreadyOn,
        Clash::MemberHasNoMfa,
        Clash::AlreadyDeactivated,
        Clash::NotDeactivated,
        Clash::AlreadyAMember,
        Clash::InviteeAlreadyAMember { email: bob() },
        Clash::InvitationPending { email: bob() },
        Clash::TooManyPendingInvitations { max: 500 },
        Clash::ProjectNameTaken,
        Clash::ProjectArchived,
        Clash::ProjectNotArchived,
        Clash::AlreadyOnProject {
            name: Private("Bob".into()),
        },
        Clash::TeamNameTaken,
        Clash::AlreadyInTeam {
            name: Private("Bob".into()),
        },
        Clash::TeamAlreadyOnProject {
            name: "Data Science".into(),
        },
        Clash::ServiceAccountNameTaken,
        Clash::ServiceAccountAlreadyOnProject { name: "CI".into() },
        Clash::KeyRevoked,
        Clash::ServiceAccountDeactivated,
        Clash::ServiceAccountActive,
        Clash::ReviewInProgress,
        Clash::ReviewCompleted,
        Clash::ReviewUndecided { left: 1 },
        Clash::ReviewUndecided { left: 3 },
        Clash::DecisionFinal,
        Clash::NoLongerAMember,
    ];
    for kind in &clashes {
        let told = (clash(kind), kind.field());
        let (sentence, field) = every_clash(kind);
        assert_eq!(told, (sentence.to_string(), field), "{kind:?}");
    }
    assert_eq!(clashes.len(), 28, "every variant is in the table");
}

fn every_lapse(lapse: Lapse) -> &'static str {
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
            "This reset link no longer works: the account changed since it was made. Ask for \
             a new one."
        }
        Lapse::ResetLinkUnusable => "This reset link can no longer be used.",
        Lapse::ResetLinkForLinkedProvider => {
            "This account signs in with a linked provider, so only its owner can set a \
             password: ask them to use \"Forgot password?\" on the sign-in page."
        }
        Lapse::InvitationExpired => "This invitation has expired. Ask for a new one.",
        Lapse::InvitationUsed => "This invitation has already been used.",
        Lapse::InvitationRevoked => "This invitation was revoked.",
        Lapse::InvitationUnusable => "This invitation can no longer be used.",
        Lapse::InviterMayNoLongerInvite => {
            "This invitation is no longer valid: the person who sent it can no longer \
             invite. Ask for a new one."
        }
        Lapse::KeyExpired => "This key has expired: create a new one.",
    }
}

#[test]
fn every_lapsed_link_has_its_sentence() {
    let lapses = [
        Lapse::SignInExpired,
        Lapse::ProviderSignInExpired,
        Lapse::MfaSetUpExpired,
        Lapse::NoMfaSetUp,
        Lapse::VerificationLinkForOldAddress,
        Lapse::VerificationLinkUsed,
        Lapse::VerificationLinkExpired,
        Lapse::ResetLinkUsed,
        Lapse::ResetLinkExpired,
        Lapse::ResetLinkOutdated,
        Lapse::ResetLinkUnusable,
        Lapse::ResetLinkForLinkedProvider,
        Lapse::InvitationExpired,
        Lapse::InvitationUsed,
        Lapse::InvitationRevoked,
        Lapse::InvitationUnusable,
        Lapse::InviterMayNoLongerInvite,
        Lapse::KeyExpired,
    ];
    for kind in lapses {
        assert_eq!(lapse(kind), every_lapse(kind), "{kind:?}");
    }
    assert_eq!(lapses.len(), 18, "every variant is in the table");
}

#[test]
fn every_missing_feature_and_the_mfa_gate_have_their_sentences() {
    let told = |f: Feature| match f {
        Feature::EmailVerification => "Email verification is not set up here.",
        Feature::PasswordResetByEmail => {
            "Password reset by email is not set up here: ask an administrator of your \
             organization for a reset link."
        }
    };
    for kind in [Feature::EmailVerification, Feature::PasswordResetByEmail] {
        assert_eq!(feature(kind), told(kind), "{kind:?}");
    }
    assert_eq!(
        MFA_ENROLLMENT_REQUIRED,
        "Your organization requires multi-factor authentication. Set up MFA in Settings → \
         Security to continue."
    );
}
