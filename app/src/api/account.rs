//! The caller's own profile and password.

use leptos::prelude::*;

use super::auth::SignedInUser;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "update_profile")]
pub async fn update_profile(name: String) -> Result<SignedInUser, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let name = gatehouse_server::accounts::update_profile(&svc, &actor, &name).await?;
    let actor = actor.renamed(name);
    ctx::redirect_form_post(&crate::saved::Saved::Profile.location());
    Ok(SignedInUser::of(&actor, svc.clock.now()))
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::accounts::change_password(&svc, &actor, &current_password, &new_password)
        .await?;
    ctx::redirect_form_post(&crate::saved::Saved::Password.location());
    Ok(())
}
