//! Assertions on the domain's refusals, shared by the test files.

use std::fmt::Debug;

use gatehouse_server::Error;

pub fn expect_forbidden(result: Result<impl Debug, Error>) {
    expect_forbidden_saying(result, "");
}

/// Forbidden, with `containing` in the message the caller sees.
pub fn expect_forbidden_saying(result: Result<impl Debug, Error>, containing: &str) {
    match result {
        Err(Error::Forbidden(message)) => assert!(
            message.contains(containing),
            "expected {containing:?} in {message:?}"
        ),
        other => panic!("expected Forbidden({containing:?}), got {other:?}"),
    }
}

pub fn expect_not_found(result: Result<impl Debug, Error>) {
    assert!(
        matches!(result, Err(Error::NotFound)),
        "expected NotFound, got {result:?}"
    );
}

pub fn expect_conflict(result: Result<impl Debug, Error>) {
    assert!(
        matches!(result, Err(Error::Conflict { .. })),
        "expected Conflict, got {result:?}"
    );
}

/// Gone (a link that was used, revoked or expired), with `containing` in the message.
pub fn expect_gone(result: Result<impl Debug, Error>, containing: &str) {
    match result {
        Err(Error::Gone(message)) => assert!(
            message.contains(containing),
            "expected {containing:?} in {message:?}"
        ),
        other => panic!("expected Gone({containing:?}), got {other:?}"),
    }
}
