//! Changing or taking away a project role held by a team or a service account: the same steps
//! for either holder, on its own table.

use super::*;

/// Who holds a project role besides a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    Team(TeamId),
    ServiceAccount(ServiceAccountId),
}

impl Holder {
    fn table(self) -> &'static str {
        match self {
            Holder::Team(_) => "team_project_grants",
            Holder::ServiceAccount(_) => "service_account_grants",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Holder::Team(_) => "team_id",
            Holder::ServiceAccount(_) => "service_account_id",
        }
    }

    fn id(self) -> String {
        match self {
            Holder::Team(id) => id.to_string(),
            Holder::ServiceAccount(id) => id.to_string(),
        }
    }

    /// How an audit target names it: `team:<id>` or `service_account:<id>`.
    fn target(self) -> String {
        match self {
            Holder::Team(id) => format!("team:{id}"),
            Holder::ServiceAccount(id) => format!("service_account:{id}"),
        }
    }

    fn audited(self, removed: bool) -> Audited {
        match (self, removed) {
            (Holder::Team(_), false) => Audited::ProjectTeamRoleChanged,
            (Holder::Team(_), true) => Audited::ProjectTeamRemoved,
            (Holder::ServiceAccount(_), false) => Audited::ProjectServiceAccountRoleChanged,
            (Holder::ServiceAccount(_), true) => Audited::ProjectServiceAccountRemoved,
        }
    }
}

/// Sets (`to`) or removes (`None`) the role `holder` holds on a project. Needs the right to
/// manage the project's members.
///
/// Errors: `NotFound` for a project the caller cannot see or a holder without a role on it;
/// `Conflict` for an archived project.
pub(crate) async fn change_held_grant(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    holder: Holder,
    to: Option<ProjectRole>,
) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org, project, _) =
        begin_project_change(svc, actor, project_id, ProjectAction::ManageMembers).await?;
    let (table, column) = (holder.table(), holder.column());
    // Table and column names come from the closed set above, never from input.
    let from: Option<String> = sqlx::query_scalar(&format!(
        "SELECT role FROM {table} WHERE project_id = $1 AND {column} = $2 AND org_id = $3"
    ))
    .bind(project.to_string())
    .bind(holder.id())
    .bind(org.to_string())
    .fetch_optional(change.conn())
    .await?;
    let from = parse_project_role(&from.ok_or(Error::NotFound)?)?;
    match to {
        Some(role) => {
            sqlx::query(&format!(
                "UPDATE {table} SET role = $3 WHERE project_id = $1 AND {column} = $2"
            ))
            .bind(project.to_string())
            .bind(holder.id())
            .bind(role.as_str())
            .execute(change.conn())
            .await?
        }
        None => {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE project_id = $1 AND {column} = $2"
            ))
            .bind(project.to_string())
            .bind(holder.id())
            .execute(change.conn())
            .await?
        }
    };
    let detail = match to {
        Some(role) => format!(" {} role:{from}->{role}", holder.target()),
        None => format!(" {} role:{from}", holder.target()),
    };
    let action = holder.audited(to.is_none());
    finish(change, actor, org, action, project, &detail, now).await
}
