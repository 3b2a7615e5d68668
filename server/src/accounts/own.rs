//! The caller's own profile and password.

use super::*;
use crate::error::{Denial, Problem, Subject};

/// Changes the caller's own display name. Any signed-in user may call it for themselves.
///
/// Errors: `Validation` on `name`.
pub async fn update_profile(svc: &Services, actor: &Actor, name: &str) -> Result<String, Error> {
    let mut errors = FieldErrors::default();
    let Some(name) = errors.check("name", DisplayName::parse(name)) else {
        return Err(Error::Validation(errors));
    };
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    sqlx::query("UPDATE users SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name.as_str())
        .bind(now.as_millis())
        .bind(actor.user_id.to_string())
        .execute(change.conn())
        .await?;
    orgs::store::resort(change.conn(), actor.user_id, name.as_str(), &actor.email).await?;
    change.invalidate(Invalidation::User(actor.user_id)).await?;
    audit::record(
        change.conn(),
        Event::about_self(Action::ProfileUpdated, actor),
        now,
    )
    .await?;
    change.commit().await?;
    Ok(name.as_str().to_string())
}

/// Changes the caller's password after checking the current one, and ends all their other
/// sessions. Wrong current passwords count against the same limit as sign-in guesses.
///
/// Errors: `Forbidden` ([`Denial::NoPasswordYet`]) for an account without a password, whatever was
/// typed; `Validation` on `current_password` (wrong) or `new_password` (policy); `RateLimited`
/// after too many wrong guesses; `Busy` when the password hasher's queue is full.
pub async fn change_password(
    svc: &Services,
    actor: &Actor,
    current_password: &str,
    new_password: &str,
) -> Result<(), Error> {
    let pool = svc.db.pool();
    let stored = crate::users::credentials_for(pool, &actor.email)
        .await?
        .map(|c| c.password_hash)
        .filter(|hash| !hash.is_empty());
    // Checked before the form: such a person has no current password to type.
    let Some(stored) = stored else {
        return Err(Error::Forbidden(Denial::NoPasswordYet));
    };
    let mut errors = FieldErrors::default();
    if current_password.is_empty() {
        errors.add(
            "current_password",
            Problem::Required(Subject::CurrentPassword),
        );
    }
    let new = errors.check("new_password", NewPassword::parse(new_password));
    if current_password == new_password && !current_password.is_empty() {
        errors.add("new_password", Problem::SameAsCurrentPassword);
    }
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };

    let now = svc.clock.now();
    let key = throttle::account_key(&actor.email);
    throttle::reserve(pool, &key, throttle::SIGN_IN_PER_ACCOUNT, now).await?;
    let current = Password::new(current_password);
    let matched = match svc.hasher.verify(&current, Some(&stored)).await {
        Ok(matched) => matched,
        Err(err) => {
            // Not checked (e.g. `Busy`): no guess was made.
            throttle::release(pool, &key).await?;
            return Err(err);
        }
    };
    if !matched {
        tracing::info!(user_id = %actor.user_id, "password change refused: wrong current password");
        return Err(FieldErrors::single(
            "current_password",
            Problem::WrongCurrentPassword,
        ));
    }
    throttle::clear(pool, &key).await?;

    let hash = svc.hasher.hash(new.password()).await?;
    let mut change = Change::begin(svc).await?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2, \
         credential_version = credential_version + 1 WHERE id = $3",
    )
    .bind(hash)
    .bind(now.as_millis())
    .bind(actor.user_id.to_string())
    .execute(change.conn())
    .await?;
    // This device stays signed in: it proved the current password.
    sqlx::query(
        "UPDATE sessions SET credential_version = \
         (SELECT credential_version FROM users WHERE id = $1) WHERE id = $2",
    )
    .bind(actor.user_id.to_string())
    .bind(actor.session_id.to_string())
    .execute(change.conn())
    .await?;
    change.invalidate(Invalidation::User(actor.user_id)).await?;
    sessions::end_all_except(
        &mut change,
        actor.user_id,
        Some(actor.session_id),
        EndReason::PasswordChanged,
        &actor.client,
        now,
    )
    .await?;
    audit::record(
        change.conn(),
        Event::about_self(Action::PasswordChanged, actor),
        now,
    )
    .await?;
    change.commit().await?;
    crate::notices::send(
        svc,
        actor.user_id,
        crate::notices::Notice::PasswordChanged,
        &actor.client,
    );
    tracing::info!(user_id = %actor.user_id, "password changed");
    Ok(())
}
