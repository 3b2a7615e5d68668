//! Whether a session may act in an organization: the organization's sign-in rules applied to how
//! the session was established.
//!
//! Pure, and the one place these rules are decided. Every way a session comes to act in an
//! organization asks it: sign-in, switching, accepting an invitation while signed in, and every
//! request (which covers sessions moved after a membership ended and sessions that existed
//! before an Owner changed the rules). The rules:
//! - "Members must sign in with <provider>": only sessions established through that provider.
//! - A session whose second step was waived because an organization trusts its provider's MFA
//!   may act only where that trust holds; anywhere else it must prove the second factor.
//! - An organization's [`SecurityPolicy`] gives the members it covers a deadline for MFA.

use std::time::Duration;

use crate::clock::Timestamp;
use crate::vocab::{Role, SessionAuth};

/// An organization's rules about how its members sign in (none without an organization).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrgRules<'a> {
    /// "Members must sign in with <provider>".
    pub sign_in_provider: Option<&'a str>,
    /// "The provider enforces its own MFA".
    pub provider_enforces_mfa: bool,
}

impl OrgRules<'_> {
    /// Whether a session that came through `via` may count the provider's MFA as ours here.
    pub fn trusts_provider_mfa(&self, via: Option<&str>) -> bool {
        self.provider_enforces_mfa && via.is_some() && via == self.sign_in_provider
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// The organization requires this provider and the session did not come through it.
    ProviderRequired(String),
    /// The session skipped the second step; here it must prove it.
    SecondFactorRequired,
}

/// Decides whether a session established as `auth`, of an account with MFA on or off, may act
/// in an organization with `rules`.
pub fn admit(auth: &SessionAuth, mfa_enabled: bool, rules: OrgRules<'_>) -> Admission {
    let via = auth.via_provider.as_deref();
    if let Some(required) = rules.sign_in_provider
        && via != Some(required)
    {
        return Admission::ProviderRequired(required.to_string());
    }
    if mfa_enabled && auth.mfa_waived && !rules.trusts_provider_mfa(via) {
        return Admission::SecondFactorRequired;
    }
    Admission::Admitted
}

/// An organization's security policy: whether members must use MFA, which roles that covers and
/// how many days of grace they get from the moment it is switched on. A member it covers who has
/// no MFA past their deadline may do nothing but enroll ([`crate::vocab::Caller::admit`]);
/// [`crate::security_policy`] reads and changes it.
pub const MAX_GRACE_DAYS: i64 = 90;
const DEFAULT_GRACE_DAYS: i64 = 7;
const DAY: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityPolicy {
    pub require_mfa: bool,
    /// The roles MFA is required for (all three means every member).
    pub roles: Vec<Role>,
    pub grace_days: i64,
    /// When MFA became required; the grace period counts from here.
    pub enforced_since: Option<Timestamp>,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        Self {
            require_mfa: false,
            roles: Role::ALL.to_vec(),
            grace_days: DEFAULT_GRACE_DAYS,
            enforced_since: None,
        }
    }
}

impl SecurityPolicy {
    /// Reads the stored columns (absent row: the default, MFA not required).
    pub fn from_columns(
        enforced_since: Option<i64>,
        roles: Option<&str>,
        grace_days: Option<i64>,
    ) -> Self {
        let Some(roles) = roles else {
            return Self::default();
        };
        Self {
            require_mfa: enforced_since.is_some(),
            roles: Role::ALL
                .into_iter()
                .filter(|r| roles.split(',').any(|s| s == r.as_str()))
                .collect(),
            grace_days: grace_days.unwrap_or(DEFAULT_GRACE_DAYS),
            enforced_since: enforced_since.map(Timestamp::from_millis),
        }
    }

    /// When a member holding `role` must have MFA by, if the policy covers them.
    pub fn mfa_deadline(&self, role: Role) -> Option<Timestamp> {
        let since = self.enforced_since.filter(|_| self.require_mfa)?;
        let days = u32::try_from(self.grace_days.clamp(0, MAX_GRACE_DAYS)).unwrap_or(0);
        self.roles.contains(&role).then(|| since.plus(DAY * days))
    }
}

/// Whole days left until `deadline` (rounded up; 0 once it passed).
pub fn days_left(deadline: Timestamp, now: Timestamp) -> i64 {
    let millis = deadline.as_millis() - now.as_millis();
    if millis <= 0 {
        0
    } else {
        let day = i64::try_from(DAY.as_millis()).unwrap_or(i64::MAX);
        (millis + day - 1) / day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(via: Option<&str>, mfa_waived: bool) -> SessionAuth {
        SessionAuth {
            via_provider: via.map(str::to_string),
            mfa_waived,
        }
    }

    const OPEN: OrgRules<'static> = OrgRules {
        sign_in_provider: None,
        provider_enforces_mfa: false,
    };
    const GOOGLE_TRUSTED: OrgRules<'static> = OrgRules {
        sign_in_provider: Some("google"),
        provider_enforces_mfa: true,
    };
    const GOOGLE_ONLY: OrgRules<'static> = OrgRules {
        sign_in_provider: Some("google"),
        provider_enforces_mfa: false,
    };

    #[test]
    fn a_provider_restriction_admits_only_sessions_through_that_provider() {
        for mfa in [false, true] {
            assert_eq!(
                admit(&auth(None, false), mfa, GOOGLE_ONLY),
                Admission::ProviderRequired("google".into())
            );
            assert_eq!(
                admit(&auth(Some("okta"), false), mfa, GOOGLE_TRUSTED),
                Admission::ProviderRequired("google".into())
            );
            assert_eq!(
                admit(&auth(Some("google"), false), mfa, GOOGLE_ONLY),
                Admission::Admitted
            );
        }
    }

    #[test]
    fn a_waived_second_step_holds_only_where_the_provider_is_trusted() {
        let waived = auth(Some("google"), true);
        assert_eq!(admit(&waived, true, GOOGLE_TRUSTED), Admission::Admitted);
        assert_eq!(
            admit(&waived, true, GOOGLE_ONLY),
            Admission::SecondFactorRequired
        );
        assert_eq!(admit(&waived, true, OPEN), Admission::SecondFactorRequired);
        // Outside any organization nothing vouches for the provider's MFA either.
        assert_eq!(
            admit(&waived, true, OrgRules::default()),
            Admission::SecondFactorRequired
        );
        // MFA turned off since: nothing left to prove.
        assert_eq!(admit(&waived, false, OPEN), Admission::Admitted);
    }

    #[test]
    fn sessions_that_proved_their_factor_or_had_none_are_admitted_anywhere_open() {
        for via in [None, Some("google")] {
            for mfa in [false, true] {
                assert_eq!(admit(&auth(via, false), mfa, OPEN), Admission::Admitted);
            }
        }
    }

    // The MFA deadline an organization's security policy sets.

    const T0: i64 = 1_800_000_000_000;

    fn policy(roles: &[Role], days: i64) -> SecurityPolicy {
        SecurityPolicy {
            require_mfa: true,
            roles: roles.to_vec(),
            grace_days: days,
            enforced_since: Some(Timestamp::from_millis(T0)),
        }
    }

    #[test]
    fn the_deadline_covers_chosen_roles_only() {
        let p = policy(&[Role::Admin], 7);
        let week = Timestamp::from_millis(T0).plus(DAY * 7);
        assert_eq!(p.mfa_deadline(Role::Admin), Some(week));
        assert_eq!(p.mfa_deadline(Role::Member), None);
        assert_eq!(SecurityPolicy::default().mfa_deadline(Role::Owner), None);
        let off = SecurityPolicy {
            require_mfa: false,
            ..policy(&Role::ALL, 7)
        };
        assert_eq!(off.mfa_deadline(Role::Owner), None);
    }

    #[test]
    fn days_left_round_up_and_stop_at_zero() {
        let deadline = Timestamp::from_millis(T0).plus(DAY * 3);
        assert_eq!(days_left(deadline, Timestamp::from_millis(T0)), 3);
        assert_eq!(days_left(deadline, Timestamp::from_millis(T0 + 1)), 3);
        assert_eq!(
            days_left(deadline, deadline.minus(Duration::from_secs(1))),
            1
        );
        assert_eq!(days_left(deadline, deadline), 0);
        assert_eq!(days_left(deadline, deadline.plus(DAY)), 0);
    }

    #[test]
    fn stored_roles_are_read_back() {
        let p = SecurityPolicy::from_columns(Some(T0), Some("owner,member"), Some(3));
        assert!(p.require_mfa);
        assert_eq!(p.roles, vec![Role::Owner, Role::Member]);
        assert_eq!(p.grace_days, 3);
        let off = SecurityPolicy::from_columns(None, Some("admin"), Some(3));
        assert!(!off.require_mfa);
    }
}
