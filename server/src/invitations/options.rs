//! What an invitation may carry besides the address and the role: the invitee's name, the
//! teams accepting joins, and whether the link is emailed.

use super::*;

/// What an invitation may carry besides the address and the role.
#[derive(Debug, Clone, Copy)]
pub struct InviteOptions<'a> {
    /// The invitee's full name, to start their account with; empty for none.
    pub name: &'a str,
    /// Teams of the organization that accepting joins.
    pub team_ids: &'a [String],
    /// Whether to email the link (when SMTP is configured); otherwise it is only shown.
    pub send_email: bool,
}

impl Default for InviteOptions<'_> {
    fn default() -> Self {
        Self {
            name: "",
            team_ids: &[],
            send_email: true,
        }
    }
}

/// Teams one invitation may name.
pub const TEAMS_PER_INVITATION_MAX: usize = 20;

/// The distinct teams named by `team_ids` (at most [`TEAMS_PER_INVITATION_MAX`]); whether they
/// are the organization's is checked when they are stored.
pub(super) fn invited_teams(
    team_ids: &[String],
    errors: &mut FieldErrors,
) -> Result<Vec<TeamId>, Error> {
    let mut teams = Vec::new();
    for id in team_ids
        .iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty())
    {
        let team = TeamId::parse(id).ok_or(Error::NotFound)?;
        if !teams.contains(&team) {
            teams.push(team);
        }
    }
    if teams.len() > TEAMS_PER_INVITATION_MAX {
        errors.add(
            "team_id",
            Problem::TooManyTeamsChosen {
                max: TEAMS_PER_INVITATION_MAX,
            },
        );
    }
    Ok(teams)
}
