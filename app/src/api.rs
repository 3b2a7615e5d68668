//! Server functions, grouped by domain, with the wire types they exchange. Each is thin: it
//! resolves the caller and calls `gatehouse_server`, which decides everything.

pub mod access_reviews;
pub mod account;
pub mod activity;
pub mod auth;
pub mod email_verification;
pub mod identity;
pub mod invitations;
pub mod keys;
pub mod members;
pub mod mfa;
pub mod orgs;
pub mod password_reset;
pub mod projects;
pub mod security_policy;
pub mod service_accounts;
pub mod sessions;
pub mod sso;
pub mod teams;
