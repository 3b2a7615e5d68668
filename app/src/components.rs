//! Reusable building blocks: form fields and messages, the signed-in app shell.

pub mod form;
pub mod shell;
