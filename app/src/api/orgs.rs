//! The organizations a user belongs to, and switching between them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::auth::SignedInUser;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationView {
    pub id: String,
    pub name: String,
    pub role: String,
    /// The organization this session acts in.
    pub current: bool,
}

#[server(prefix = "/api", endpoint = "list_organizations")]
pub async fn list_organizations() -> Result<Vec<OrganizationView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller_enrolling()?;
    let listed = gatehouse_server::orgs::list_organizations(&svc, &actor).await?;
    Ok(listed
        .into_iter()
        .map(|m| OrganizationView {
            id: m.id.to_string(),
            name: m.name,
            role: m.role.as_str().to_string(),
            current: m.current,
        })
        .collect())
}

/// Acts in another organization of the caller's from the next request on; answers with the
/// caller as they now are, and a form post goes on to `next` when it is a path of this site
/// (else `/`). A session that skipped its second step where a provider's MFA was trusted,
/// switching to an organization that does not trust it, gets `mfa_required` (401) and a pending
/// second step instead (a form post goes on to `/login/mfa`, then to `next`).
#[server(prefix = "/api", endpoint = "switch_organization")]
pub async fn switch_organization(
    organization_id: String,
    next: Option<String>,
) -> Result<SignedInUser, AppError> {
    use crate::ctx;
    use gatehouse_server::orgs::Switched;
    let svc = ctx::services()?;
    let actor = ctx::require_caller_enrolling()?;
    let next = crate::paths::safe_next(next.as_deref());
    match gatehouse_server::orgs::switch_organization(&svc, &actor, &organization_id).await? {
        Switched::Done => {}
        Switched::SecondFactor(pending) => {
            return Err(crate::api::auth::second_factor_next(&svc, &pending, &next));
        }
    }
    let actor = ctx::caller_after_change(&svc).await?;
    ctx::redirect_form_post(&next);
    Ok(SignedInUser::of(&actor, svc.clock.now()))
}
