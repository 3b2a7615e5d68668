//! One module per route.

pub mod access_review;
pub mod access_reviews;
pub mod activity;
pub mod choose_organization;
pub mod forgot_password;
pub mod home;
pub mod invite;
pub mod login;
pub mod login_mfa;
pub mod members;
pub mod not_found;
pub mod organization;
pub mod profile;
pub mod project;
pub mod projects;
pub mod reset_password;
pub mod security;
pub mod service_account;
pub mod service_accounts;
pub mod signup;
pub mod signup_provider;
pub mod single_sign_on;
pub mod team;
pub mod teams;
pub mod verify_email;
