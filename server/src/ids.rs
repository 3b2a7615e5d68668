//! Identifiers: random UUIDs wrapped per entity so an organization id can never be passed where a
//! user id is expected. Stored as their hyphenated text form on every backend.

use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random (v4) identifier.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            /// Parses the hyphenated form; anything else is `None`.
            pub fn parse(text: &str) -> Option<Self> {
                Uuid::try_parse(text.trim()).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

id_type!(
    /// A person's account.
    UserId
);
id_type!(
    /// An organization (tenant).
    OrgId
);
id_type!(
    /// A signed-in device; public, unlike the session token.
    SessionId
);
id_type!(
    /// One audit log row.
    EventId
);
id_type!(
    /// An invitation to an organization; public, unlike its link's token.
    InvitationId
);
id_type!(
    /// A password reset link; public, unlike its token.
    ResetId
);

id_type!(
    /// A project of an organization.
    ProjectId
);

id_type!(
    /// A team of an organization's members.
    TeamId
);

id_type!(
    /// A sign-in waiting for its second step; public, unlike its token.
    ChallengeId
);

id_type!(
    /// A service account: a non-human member of an organization.
    ServiceAccountId
);

id_type!(
    /// An API key; public (it is part of the key's text), unlike its secret.
    ApiKeyId
);

id_type!(
    /// An access review of an organization: who has access, decided person by person.
    AccessReviewId
);

id_type!(
    /// One person's row in an access review.
    ReviewItemId
);

/// Parses an id read back from our own database; a malformed one is corruption, not user error.
pub(crate) fn from_db<T>(text: &str, parse: fn(&str) -> Option<T>) -> Result<T, crate::Error> {
    parse(text).ok_or_else(|| crate::Error::internal(format!("malformed id in database: {text:?}")))
}
