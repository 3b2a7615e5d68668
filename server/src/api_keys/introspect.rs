//! Introspection (RFC 7662's shape) for the services that receive keys: is this key active, whose
//! is it, and what may it do. Asked with a service account's key; a key of another organization
//! answers as unknown. Expired, revoked, rotated-out and unknown keys all answer
//! `{"active": false}` through the same work: one hash and one lookup.

use std::collections::BTreeMap;

use super::authenticate::{in_good_standing, load};
use super::secret;
use crate::access::OrgAccess;
use crate::authz::{self, ProjectAccess};
use crate::clock::Timestamp;
use crate::error::Denial;
use crate::ids::{OrgId, ProjectId};
use crate::vocab::{KeyActor, KeyHolder, Permission};
use crate::{Error, Services};

/// What introspection says of a key. Everything but `active` is empty for an inactive key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Introspection {
    pub active: bool,
    /// `service_account:<id>` or `user:<id>`.
    pub sub: Option<String>,
    pub org: Option<OrgId>,
    /// A person's key is for this project only.
    pub project: Option<ProjectId>,
    /// What the key may do now, per project.
    pub permissions: BTreeMap<ProjectId, Vec<Permission>>,
    pub exp: Option<Timestamp>,
}

/// Introspects `token` for `caller`, a service account's key.
///
/// Errors: `Forbidden` when `caller` is a person's key.
pub async fn introspect_key(
    svc: &Services,
    caller: &KeyActor,
    token: &str,
) -> Result<Introspection, Error> {
    if !matches!(caller.holder, KeyHolder::ServiceAccount { .. }) {
        return Err(Error::Forbidden(Denial::IntrospectionNeedsServiceAccount));
    }
    let now = svc.clock.now();
    let hash = secret::hash(token.trim());
    // Never answered from the cache: every inactive kind goes through the same lookup.
    let Some(key) = load(svc, &hash, now).await? else {
        return Ok(Introspection::default());
    };
    if key.org != caller.org || !in_good_standing(svc, &key, now).await? {
        return Ok(Introspection::default());
    }
    let snapshot = crate::projects::access_of(svc, key.org).await?;
    let (sub, reach) = match &key.holder {
        KeyHolder::ServiceAccount { id, .. } => (
            format!("service_account:{id}"),
            snapshot.visible_to_service_account(*id),
        ),
        KeyHolder::Person { user_id, .. } => (
            format!("user:{user_id}"),
            key.project
                .and_then(|project| Some((project, snapshot.access(project, *user_id)?)))
                .into_iter()
                .collect(),
        ),
    };
    let permissions = reach
        .into_iter()
        .map(|(project, access)| (project, permitted(&snapshot, project, access)))
        .collect();
    Ok(Introspection {
        active: true,
        sub: Some(sub),
        org: Some(key.org),
        project: key.project,
        permissions,
        exp: Some(key.expires_at),
    })
}

/// The permissions `access` gives on `project`: only `view` while it is archived.
pub(crate) fn permitted(
    snapshot: &OrgAccess,
    project: ProjectId,
    access: ProjectAccess,
) -> Vec<Permission> {
    let archived = snapshot.projects.get(&project).is_some_and(|p| p.archived);
    Permission::ALL
        .into_iter()
        .filter(|&p| authz::allows(access.role, p) && (!archived || p == Permission::View))
        .collect()
}
