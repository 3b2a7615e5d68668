//! Assertions on the domain's refusals, shared by the test files. They name the kind the domain
//! returns; the words a user reads for each kind are checked in `app` (`error::wording`).

use std::fmt::Debug;

use gatehouse_server::Error;
use gatehouse_server::error::{Denial, Lapse};

/// Forbidden, whatever the reason.
pub fn expect_forbidden(result: Result<impl Debug, Error>) {
    assert!(
        matches!(result, Err(Error::Forbidden(_))),
        "expected Forbidden, got {result:?}"
    );
}

/// Forbidden, for exactly this reason.
pub fn expect_denied(result: Result<impl Debug, Error>, why: Denial) {
    match result {
        Err(Error::Forbidden(denial)) => assert_eq!(denial, why),
        other => panic!("expected Forbidden({why:?}), got {other:?}"),
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
        matches!(result, Err(Error::Conflict(_))),
        "expected Conflict, got {result:?}"
    );
}

/// Gone (a link that was used, revoked or expired), for exactly this reason.
pub fn expect_gone(result: Result<impl Debug, Error>, why: Lapse) {
    expect_gone_as_one_of(result, &[why]);
}

/// Gone, for one of these reasons (when a race decides which).
pub fn expect_gone_as_one_of(result: Result<impl Debug, Error>, whys: &[Lapse]) {
    match result {
        Err(Error::Gone(lapse)) => assert!(
            whys.contains(&lapse),
            "expected one of {whys:?}, got {lapse:?}"
        ),
        other => panic!("expected Gone({whys:?}), got {other:?}"),
    }
}
