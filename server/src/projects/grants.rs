//! Reading, inside a change, the roles someone holds on a project: their own grant and their
//! teams'.

use super::*;

/// Every way `user` holds a role on `project` (their grant first, then their teams'), read
/// inside a change.
pub(crate) async fn paths_of(
    conn: &mut AnyConnection,
    project: ProjectId,
    user: UserId,
) -> Result<Vec<Path>, Error> {
    let rows: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT NULL, role FROM project_grants WHERE project_id = $1 AND user_id = $2 \
         UNION ALL \
         SELECT g.team_id, g.role FROM team_project_grants g \
         JOIN team_members m ON m.team_id = g.team_id \
         WHERE g.project_id = $1 AND m.user_id = $2",
    )
    .bind(project.to_string())
    .bind(user.to_string())
    .fetch_all(conn)
    .await?;
    let mut paths: Vec<Path> = rows
        .into_iter()
        .map(|(team, role)| {
            let role = parse_project_role(&role)?;
            Ok(match team {
                None => Path::Grant(role),
                Some(team) => Path::Team(ids::from_db(&team, TeamId::parse)?, role),
            })
        })
        .collect::<Result<_, Error>>()?;
    // The snapshot's order: the person's own grant, then teams by id.
    paths.sort_by_key(|path| match path {
        Path::Grant(_) => None,
        Path::Team(team, _) => Some(*team),
    });
    Ok(paths)
}

pub(crate) async fn grant_of(
    conn: &mut AnyConnection,
    project: ProjectId,
    user: UserId,
) -> Result<Option<ProjectRole>, Error> {
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM project_grants WHERE project_id = $1 AND user_id = $2",
    )
    .bind(project.to_string())
    .bind(user.to_string())
    .fetch_optional(conn)
    .await?;
    role.as_deref().map(parse_project_role).transpose()
}
