//! Guess limits kept in the database, so they hold across restarts and across app instances.
//!
//! An attempt is *reserved* with one atomic upsert before the guess is checked: parallel guesses
//! each get a distinct count, so no more than `max` of them are ever checked in a window.
//! A fixed window starts with the first attempt and lasts `window`; the row remembers when it
//! ends, so tidying never cuts a longer window short.

use std::time::Duration;

use sqlx::AnyPool;

use crate::Error;
use crate::clock::Timestamp;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit {
    pub max: i64,
    pub window: Duration,
}

/// Failed sign-ins per account (keyed by the normalized email, existing or not).
pub(crate) const SIGN_IN_PER_ACCOUNT: Limit = Limit {
    max: 10,
    window: Duration::from_secs(15 * 60),
};
/// Failed sign-ins per client IP address.
pub(crate) const SIGN_IN_PER_IP: Limit = Limit {
    max: 100,
    window: Duration::from_secs(15 * 60),
};

/// Wrong second-factor codes per account (sign-in, and the settings that ask for a code).
pub(crate) const MFA_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window: Duration::from_secs(5 * 60),
};

/// Provider sign-ins started per client IP (each stores a short-lived row).
pub(crate) const PROVIDER_STARTS_PER_IP: Limit = Limit {
    max: 60,
    window: Duration::from_secs(15 * 60),
};

/// New accounts per client address (sign-up with a password or through a provider), at most
/// `per_hour`.
pub(crate) fn sign_ups_per_ip(per_hour: u32) -> Limit {
    Limit {
        max: i64::from(per_hour),
        window: Duration::from_secs(3600),
    }
}

/// Counts one attempt against `key`. `Err(RateLimited)` when the window's budget is spent.
pub(crate) async fn reserve(
    pool: &AnyPool,
    key: &str,
    limit: Limit,
    now: Timestamp,
) -> Result<(), Error> {
    let window_over = now.minus(limit.window).as_millis();
    // Every SET expression reads the row as it was before this statement.
    let (count, window_start): (i64, i64) = sqlx::query_as(
        "INSERT INTO login_throttle (key, window_start, failures, expires_at) \
         VALUES ($1, $2, 1, $4) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_start <= $3 THEN 1 \
                           ELSE login_throttle.failures + 1 END, \
           expires_at = CASE WHEN login_throttle.window_start <= $3 THEN $4 \
                             ELSE login_throttle.expires_at END, \
           window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 \
                               ELSE login_throttle.window_start END \
         RETURNING failures, window_start",
    )
    .bind(key)
    .bind(now.as_millis())
    .bind(window_over)
    .bind(now.plus(limit.window).as_millis())
    .fetch_one(pool)
    .await?;
    if count > limit.max {
        let retry_after = now.until(Timestamp::from_millis(window_start).plus(limit.window));
        return Err(Error::RateLimited {
            retry_after: retry_after.max(Duration::from_secs(1)),
        });
    }
    Ok(())
}

/// Gives back a reserved attempt that turned out not to be a failure.
pub(crate) async fn release(pool: &AnyPool, key: &str) -> Result<(), Error> {
    sqlx::query(
        "UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0",
    )
    .bind(key)
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets all failures for `key` (after a successful sign-in to that account).
pub(crate) async fn clear(pool: &AnyPool, key: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

/// Keyed by a hash of the normalized email, so the table never holds addresses in clear.
pub(crate) fn account_key(email: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(email.as_bytes());
    let hex = crate::tokens::hex(&digest);
    format!("account:{hex}")
}

/// IPv4 addresses count one by one; IPv6 ones by /64, the block one subscriber usually holds.
pub(crate) fn ip_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => format!(
            "ip:{}",
            v6.to_ipv4_mapped().map_or(ip.into(), |v4| v4.to_string())
        ),
        _ => format!("ip:{ip}"),
    }
}

/// Forgets counters whose window is over (they would restart at the next attempt anyway);
/// how many.
pub(crate) async fn purge_finished_windows(pool: &AnyPool, now: Timestamp) -> Result<u64, Error> {
    let done = sqlx::query("DELETE FROM login_throttle WHERE expires_at <= $1")
        .bind(now.as_millis())
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_a_budget_per_64_block() {
        assert_eq!(
            ip_key("2001:db8:1:2:aaaa::1"),
            ip_key("2001:db8:1:2:bbbb::9")
        );
        assert_ne!(ip_key("2001:db8:1:2::1"), ip_key("2001:db8:1:3::1"));
        assert_eq!(ip_key("203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(ip_key("::ffff:203.0.113.7"), "ip:203.0.113.7");
    }
}
