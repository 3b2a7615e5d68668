//! The limits on second-factor guesses, and the guard every code check runs in.
//!
//! Checks in a row without a right code are counted per account in the database, so the
//! bound holds across restarts and instances (NIST SP 800-63B §5.2.2: at most 100 consecutive
//! failures). From the 20th failure each further check waits an hour after the last one, from
//! the 50th a day, and the 100th locks the second factor: then no code is checked until the
//! password is reset (or changed from a signed-in device) — the guesser's password is then
//! worthless — or an administrator resets the account's MFA. A right code starts the count over.
//!
//! Like the window budget in `throttle`, a check is *reserved* with one conditional upsert before
//! the code is looked at, so parallel guesses can never take the count past [`LOCK_AT`].

use std::time::Duration;

use sqlx::AnyPool;

use crate::audit::{self, Action as Audited, Event};
use crate::clock::Timestamp;
use crate::error::{Denial, FieldErrors, Problem};
use crate::ids::UserId;

use crate::vocab::ClientInfo;
use crate::{Error, Services, throttle};

/// Failures in a row after which no code is checked any more.
const LOCK_AT: i64 = 100;
/// From this many failures in a row, each check waits [`HOUR`] after the previous one.
const HOURLY_FROM: i64 = 20;
/// From this many, [`DAY`].
const DAILY_FROM: i64 = 50;
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Runs one code check within the account's limits: it is reserved against the failures in a
/// row and the 5-per-5-minutes budget before `check` looks at the code, so parallel guesses
/// exceed neither. A wrong code is audited (the one that locks also as `mfa.locked`); a right
/// one starts both counts over. Refusals before any check are tallied, not audited one by one.
/// `check` answers `Some` for a right code, `None` for a wrong or replayed one.
pub(super) async fn guarded<T>(
    svc: &Services,
    user: UserId,
    client: &ClientInfo,
    check: impl Future<Output = Result<Option<T>, Error>>,
) -> Result<T, Error> {
    let now = svc.clock.now();
    let pool = svc.db.pool();
    let key = format!("mfa:{user}");
    let audit_as = |action| async move {
        let mut conn = pool.acquire().await?;
        let event = Event {
            action,
            org: None,
            actor: Some(user),
            target: Some(format!("user:{user}")),
            client,
        };
        audit::record(&mut conn, event, now).await
    };
    let unchecked = || async move {
        let this_hour = audit::tally(pool, Audited::MfaThrottled, now).await?;
        tracing::info!(user_id = %user, this_hour, "MFA code refused: too many attempts");
        Ok::<(), Error>(())
    };
    // The long-term count first: its wait is the one worth telling.
    let in_a_row = match reserve(pool, user, now).await? {
        Ok(in_a_row) => in_a_row,
        Err(refusal) => {
            unchecked().await?;
            return Err(match refusal {
                Refusal::Wait(retry_after) => Error::RateLimited { retry_after },
                Refusal::Locked => Error::Forbidden(Denial::SecondFactorLocked),
            });
        }
    };
    match throttle::reserve(pool, &key, throttle::MFA_PER_ACCOUNT, now).await {
        Ok(()) => {}
        Err(limited @ Error::RateLimited { .. }) => {
            release(pool, user).await?;
            unchecked().await?;
            return Err(limited);
        }
        Err(other) => return Err(other),
    }
    let outcome = check.await;
    if let Ok(Some(_)) = &outcome {
        throttle::clear(pool, &key).await?;
        clear(&mut *pool.acquire().await?, user).await?;
    } else {
        audit_as(Audited::MfaCodeRefused).await?;
        if in_a_row >= LOCK_AT {
            audit_as(Audited::MfaLocked).await?;
            tracing::info!(user_id = %user, in_a_row, "second factor locked: too many wrong codes");
        }
        // The failure that starts a wait or the lock is told to the owner, once each.
        let locks = match rule(in_a_row) {
            Some(Refusal::Locked) if in_a_row == LOCK_AT => Some(None),
            Some(Refusal::Wait(wait)) if matches!(in_a_row, HOURLY_FROM | DAILY_FROM) => {
                Some(Some(now.plus(wait)))
            }
            _ => None,
        };
        if let Some(until) = locks {
            crate::notices::send(
                svc,
                user,
                crate::notices::Notice::SecondFactorLocked { until },
                client,
            );
        }
    }
    match outcome {
        Ok(Some(value)) => Ok(value),
        // Also the answer to a code that was already used: telling the two apart would tell a
        // guesser which codes were right.
        Ok(None) => Err(FieldErrors::single("code", Problem::WrongCode)),
        Err(err) => Err(err),
    }
}

/// Why a check may not run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Wait(Duration),
    Locked,
}

/// What `in_a_row` failures impose on the next check: nothing, a wait after the last one, or
/// the lock.
fn rule(in_a_row: i64) -> Option<Refusal> {
    match in_a_row {
        n if n >= LOCK_AT => Some(Refusal::Locked),
        n if n >= DAILY_FROM => Some(Refusal::Wait(DAY)),
        n if n >= HOURLY_FROM => Some(Refusal::Wait(HOUR)),
        _ => None,
    }
}

/// Counts one check of `user`'s codes before it runs; the failures in a row it would make (this
/// one included), or why it may not run now.
async fn reserve(
    pool: &AnyPool,
    user: UserId,
    now: Timestamp,
) -> Result<Result<i64, Refusal>, Error> {
    let version = crate::users::credential_version(pool, user).await?;
    // The WHERE is `rule` in SQL: it lets the check run unless a wait or the lock applies. A
    // count from an older password starts over. SET and WHERE read the row as it was.
    let reserved: Option<i64> = sqlx::query_scalar(
        "INSERT INTO mfa_guesses (user_id, in_a_row, last_at, credential_version) \
         VALUES ($1, 1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET \
           in_a_row = CASE WHEN mfa_guesses.credential_version <> $3 THEN 1 \
                           ELSE mfa_guesses.in_a_row + 1 END, \
           last_at = $2, \
           credential_version = $3 \
         WHERE mfa_guesses.credential_version <> $3 \
            OR mfa_guesses.in_a_row < $4 \
            OR (mfa_guesses.in_a_row < $5 AND mfa_guesses.last_at <= $6) \
            OR (mfa_guesses.in_a_row < $7 AND mfa_guesses.last_at <= $8) \
         RETURNING in_a_row",
    )
    .bind(user.to_string())
    .bind(now.as_millis())
    .bind(version)
    .bind(HOURLY_FROM)
    .bind(DAILY_FROM)
    .bind(now.minus(HOUR).as_millis())
    .bind(LOCK_AT)
    .bind(now.minus(DAY).as_millis())
    .fetch_optional(pool)
    .await?;
    if let Some(in_a_row) = reserved {
        return Ok(Ok(in_a_row));
    }
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT in_a_row, last_at FROM mfa_guesses WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_optional(pool)
            .await?;
    // Without a row a right code just reset the count: the next try will be let through.
    let (in_a_row, last_at) = row.unwrap_or((0, now.as_millis()));
    Ok(Err(match rule(in_a_row) {
        Some(Refusal::Wait(wait)) => {
            let until = Timestamp::from_millis(last_at).plus(wait);
            Refusal::Wait(now.until(until).max(Duration::from_secs(1)))
        }
        Some(Refusal::Locked) => Refusal::Locked,
        None => Refusal::Wait(Duration::from_secs(1)),
    }))
}

/// Gives back a reserved check that did not run (the short-window budget refused it).
async fn release(pool: &AnyPool, user: UserId) -> Result<(), Error> {
    sqlx::query(
        "UPDATE mfa_guesses SET in_a_row = in_a_row - 1 WHERE user_id = $1 AND in_a_row > 0",
    )
    .bind(user.to_string())
    .execute(pool)
    .await?;
    Ok(())
}

/// A right code: the count starts over.
pub(super) async fn clear(conn: &mut sqlx::AnyConnection, user: UserId) -> Result<(), Error> {
    sqlx::query("DELETE FROM mfa_guesses WHERE user_id = $1")
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_with_the_failures_in_a_row_and_the_hundredth_locks() {
        for (in_a_row, expected) in [
            (0, None),
            (19, None),
            (20, Some(Refusal::Wait(HOUR))),
            (49, Some(Refusal::Wait(HOUR))),
            (50, Some(Refusal::Wait(DAY))),
            (99, Some(Refusal::Wait(DAY))),
            (100, Some(Refusal::Locked)),
            (250, Some(Refusal::Locked)),
        ] {
            assert_eq!(rule(in_a_row), expected, "after {in_a_row}");
        }
    }
}
