//! The Active sessions screen: a user's own signed-in devices, revoke one, revoke all others.

use super::*;
use crate::vocab::Actor;

/// The caller's active sessions: the current one first, then by last activity, newest first.
/// Any signed-in user may call it; only their own sessions are ever listed.
pub async fn list_sessions(svc: &Services, actor: &Actor) -> Result<Vec<SessionInfo>, Error> {
    let now = svc.clock.now();
    // Cached and stored without `current`, which depends on who asks.
    let listed = match svc.cache.list(actor.user_id) {
        Some(listed) => listed,
        None => {
            let generation = svc.cache.generation();
            let rows = store::active_of_user(svc.db.pool(), actor.user_id, now).await?;
            let listed = rows
                .into_iter()
                .map(|row| {
                    Ok(SessionInfo {
                        id: ids::from_db(&row.id, SessionId::parse)?,
                        device: if row.device.is_empty() {
                            devices::UNKNOWN_DEVICE.into()
                        } else {
                            row.device
                        },
                        ip: row.ip,
                        signed_in_at: Timestamp::from_millis(row.created_at),
                        last_active_at: Timestamp::from_millis(row.last_active_at),
                        expires_at: Timestamp::from_millis(row.expires_at),
                        current: false,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            svc.cache
                .insert_list(actor.user_id, listed.clone(), generation);
            listed
        }
    };
    let mut sessions: Vec<SessionInfo> = listed
        .into_iter()
        .filter(|s| s.expires_at > now)
        .map(|s| SessionInfo {
            current: s.id == actor.session_id,
            ..s
        })
        .collect();
    sessions.sort_by_key(|s| (!s.current, std::cmp::Reverse(s.last_active_at)));
    Ok(sessions)
}

/// Ends one of the caller's own sessions; ending the current one signs this device out.
///
/// Errors: `NotFound` for an id that is not one of the caller's active sessions (whoever's it is).
pub async fn revoke_session(svc: &Services, actor: &Actor, session_id: &str) -> Result<(), Error> {
    let id = SessionId::parse(session_id).ok_or(Error::NotFound)?;
    let reason = if id == actor.session_id {
        EndReason::SignedOut
    } else {
        EndReason::Revoked
    };
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let ended = end_sessions(
        &mut change,
        actor.user_id,
        &[id],
        reason,
        &actor.client,
        now,
    )
    .await?;
    if ended == 0 {
        return Err(Error::NotFound);
    }
    change.commit().await
}

/// Ends every session of the caller except the current one; returns how many ended.
pub async fn revoke_other_sessions(svc: &Services, actor: &Actor) -> Result<u64, Error> {
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let keep = Some(actor.session_id);
    let ended = end_all_except(
        &mut change,
        actor.user_id,
        keep,
        EndReason::Revoked,
        &actor.client,
        now,
    )
    .await?;
    change.commit().await?;
    Ok(ended)
}
