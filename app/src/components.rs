//! Reusable building blocks: form fields and messages, the signed-in app shell.

pub mod active_sessions;
pub mod dialog;
pub mod form;
pub mod shell;
pub mod toast;
