//! Reusable building blocks: form fields and messages, dialogs, the signed-in app shell.

pub mod access_reviews;
pub mod active_sessions;
pub mod api_keys;
pub mod backup_codes;
pub mod copy;
pub mod dialog;
pub mod form;
pub mod invitations;
pub mod org_switcher;
pub mod pager;
pub mod providers;
pub mod security_policy;
pub mod shell;
pub mod sign_in_methods;
pub mod toast;
pub mod verify_email_banner;
