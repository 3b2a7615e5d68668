//! Integration tests of the domain against real databases: every case runs on SQLite and, when
//! `TEST_DATABASE_URL` is set, on PostgreSQL, each with a fresh database.
#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "a failing test should stop loudly"
)]

mod expect;
mod mail_server;
mod support;

mod access_reviews;
mod accounts;
mod active_sessions;
mod activity;
mod admission;
mod api_keys;
mod deactivation;
mod email_verification;
mod hashing_queue;
mod health;
mod instances;
mod invitation_links;
mod invitation_races;
mod invitations;
mod members;
mod metrics;
mod mfa;
mod mfa_backup_codes;
mod mfa_lockout;
mod mfa_policy;
mod module_cycles;
mod notices;
mod oauth;
mod operator;
mod organization_choice;
mod organizations;
mod password_resets;
mod project_access;
mod project_explain;
mod project_isolation;
mod project_lists;
mod project_members;
mod project_membership;
mod projects;
mod purge;
mod reauth;
mod reset_link_scope;
mod saml;
mod sessions;
mod signup_limit;
mod sqlite_signals;
mod sqlite_writers;
mod team_access;
mod team_invitations;
mod team_isolation;
mod teams;
mod throttle;
