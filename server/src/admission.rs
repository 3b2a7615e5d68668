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

/// How a session was established.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionAuth {
    /// The provider it came through; `None` for a password.
    pub via_provider: Option<String>,
    /// The account had MFA but the second step was skipped because the organization signed
    /// into trusted the provider's own MFA.
    pub mfa_waived: bool,
}

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
}
