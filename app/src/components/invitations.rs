//! The Members screen's invitations: "Invite member" (a dialog with email, full name, role,
//! teams and "Send invitation email", then the link to copy) and the pending list with Copy
//! link, Resend and Revoke.

use leptos::prelude::*;

use crate::api::invitations::{
    InvitationView, InviteChoicesView, InviteMember, ResendInvitation, RevokeInvitation,
    TeamChoice, invite_choices, list_invitations,
};
use crate::auth::use_auth;
use crate::components::copy::CopyField;
use crate::components::dialog::Modal;
use crate::components::form::{Field, FieldMessages, FormError, action_error};
use crate::components::toast::use_toasts;
use crate::error::AppError;
use crate::load::{Loaded, load};
use crate::pages::members::role_label;
use crate::time;

/// The invitation actions and the pending list they refresh. Created with the page, outside any
/// `Suspense`, so server and browser create the list's resource in the same order.
#[derive(Clone, Copy)]
pub struct InvitationState {
    invite: ServerAction<InviteMember>,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
    pending: Loaded<Result<(Vec<InvitationView>, i64), AppError>>,
}

impl Default for InvitationState {
    fn default() -> Self {
        let invite = ServerAction::<InviteMember>::new();
        let resend = ServerAction::<ResendInvitation>::new();
        let revoke = ServerAction::<RevokeInvitation>::new();
        let pending = load(
            move || {
                (
                    invite.version().get(),
                    resend.version().get(),
                    revoke.version().get(),
                )
            },
            |_| async {
                list_invitations()
                    .await
                    .map(|list| (list, time::now_millis()))
            },
        );
        Self {
            invite,
            resend,
            revoke,
            pending,
        }
    }
}

#[component]
pub fn Invitations(
    state: InvitationState,
    /// Owners may invite Owners.
    owner: bool,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let InvitationState {
        invite,
        resend,
        revoke,
        pending,
    } = state;
    let invite_error = action_error(invite);
    let resend_error = action_error(resend);
    let revoke_error = action_error(revoke);
    let list_error = Signal::derive(move || resend_error.get().or_else(|| revoke_error.get()));
    Effect::new(move |_| {
        for error in [invite_error.get(), list_error.get()].into_iter().flatten() {
            auth.expired(&error);
        }
    });
    let invite_open = RwSignal::new(false);
    let link_open = RwSignal::new(false);
    // The latest link issued or renewed, with what to say about it.
    let issued = RwSignal::new(None::<(String, String)>);
    Effect::new(move |_| {
        if let Some(Ok(done)) = invite.value().get() {
            let note = if done.emailed {
                "We emailed the invitation. You can also share this link: it works once and \
                 expires in 7 days."
            } else {
                "Share this link with the person you invited: it works once and expires in 7 days."
            };
            issued.set(Some((done.link, note.to_string())));
            invite_open.set(false);
            link_open.set(true);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(done)) = resend.value().get() {
            let note = if done.emailed {
                "Invitation sent again. The earlier link no longer works; this one expires in 7 days."
            } else {
                "A new link was created. The earlier link no longer works; this one expires in 7 days."
            };
            issued.set(Some((done.link, note.to_string())));
            link_open.set(true);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = revoke.value().get() {
            toasts.show(crate::saved::Saved::InvitationRevoked.toast());
        }
    });

    let list_view = move || {
        Suspend::new(async move {
            let (list, now) = match pending.await {
                Ok(loaded) => loaded,
                Err(err) => return view! { <p class="form-error">{err.message}</p> }.into_any(),
            };
            if list.is_empty() {
                return view! { <p class="muted">"No pending invitations."</p> }.into_any();
            }
            view! {
                <div class="table-scroll">
                    <table class="invitations-table">
                        <thead>
                            <tr>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"Invited by"</th>
                                <th scope="col">"Expires"</th>
                                <th scope="col">"Actions"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|invitation| view! { <InvitationRow invitation now owner resend revoke/> })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        })
    };

    view! {
        <section class="panel panel-table" aria-labelledby="invitations-heading">
            <div class="panel-head">
                <h2 id="invitations-heading">"Pending invitations"</h2>
                <button type="button" class="button primary" on:click=move |_| invite_open.set(true)>
                    "Invite member"
                </button>
            </div>
            <FormError error=list_error/>
            <Suspense fallback=|| view! { <p class="loading">"Loading invitations…"</p> }>
                {list_view}
            </Suspense>
        </section>
        <Modal id="invite-dialog" title="Invite member" open=invite_open close_label="Cancel">
            <InviteForm invite owner error=invite_error/>
        </Modal>
        <Modal id="invite-link-dialog" title="Invitation link" open=link_open>
            {move || issued.get().map(|(link, note)| view! {
                <p>{note}</p>
                <CopyField label="Invitation link" id="invitation-link" value=link/>
            })}
        </Modal>
    }
}

/// The invite dialog's form. Its teams and whether email can go out are fetched when it opens.
#[component]
fn InviteForm(
    invite: ServerAction<InviteMember>,
    owner: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let choices = LocalResource::new(invite_choices);
    let name_invalid = move || error.get().is_some_and(|e| !e.field("name").is_empty());
    view! {
        <ActionForm action=invite attr:class="invite-form">
            <FormError error/>
            <Field label="Email" name="email" kind="email" autocomplete="off" maxlength=254 error/>
            <div class="field" class:invalid=name_invalid>
                <label for="invite-name">"Full name (optional)"</label>
                <input
                    id="invite-name"
                    type="text"
                    name="name"
                    autocomplete="off"
                    maxlength="100"
                    aria-invalid=move || name_invalid().then_some("true")
                    aria-describedby="invite-name-hint invite-name-errors"
                />
                <p class="field-hint" id="invite-name-hint">
                    "Starts their account's name; they can change it when they accept."
                </p>
                <FieldMessages id="invite-name-errors" names=&["name"] error/>
            </div>
            <div class="field">
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role">
                    <option value="member" selected>"Member"</option>
                    <option value="admin">"Admin"</option>
                    <option value="auditor">"Auditor"</option>
                    {owner.then(|| view! { <option value="owner">"Owner"</option> })}
                </select>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading teams…"</p> }>
                {move || Suspend::new(async move {
                    match choices.await {
                        Ok(choices) => view! { <InviteChoices choices error/> }.into_any(),
                        Err(err) => view! { <p class="form-error">{err.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <button type="submit" class="button primary" disabled=move || invite.pending().get()>
                "Send Invitation"
            </button>
        </ActionForm>
    }
}

/// "Teams" (optional, several) and "Send invitation email".
#[component]
fn InviteChoices(choices: InviteChoicesView, error: Signal<Option<AppError>>) -> impl IntoView {
    let InviteChoicesView {
        teams,
        email_available,
    } = choices;
    let send = RwSignal::new(email_available);
    let filter = RwSignal::new(String::new());
    // A filter once the list no longer fits at a glance.
    let filterable = teams.len() > 8;
    let team_list = if teams.is_empty() {
        view! {
            <p class="muted">"The organization has no teams yet: create them under Settings → Teams."</p>
        }
        .into_any()
    } else {
        view! {
            {filterable.then(|| view! {
                <label for="invite-team-filter" class="visually-hidden">"Filter teams"</label>
                <input
                    id="invite-team-filter"
                    type="search"
                    class="team-filter"
                    placeholder="Filter teams"
                    autocomplete="off"
                    on:input=move |ev| filter.set(event_target_value(&ev).to_lowercase())
                />
            })}
            <div class="team-choices">
                {teams
                    .into_iter()
                    .enumerate()
                    .map(|(i, team)| view! { <TeamCheckbox i team filter/> })
                    .collect_view()}
            </div>
        }
        .into_any()
    };
    let email_hint = if email_available {
        "They get an email with the link. You can copy the link afterwards either way."
    } else {
        "Email is not set up on this server: you get a link to share with them yourself."
    };
    view! {
        <fieldset class="roles invite-teams" aria-describedby="invite-teams-errors">
            <legend>"Teams (optional)"</legend>
            <p class="field-hint">"Accepting the invitation joins these teams."</p>
            {team_list}
            <FieldMessages id="invite-teams-errors" names=&["team_id", "team_ids"] error/>
        </fieldset>
        <div class="field">
            // The checkbox has no name: the hidden field says `true` or `false` either way,
            // where an unchecked box would send nothing (and the server's default is `true`).
            <input type="hidden" name="send_email" prop:value=move || send.get().to_string()/>
            <label class="check">
                <input
                    type="checkbox"
                    id="invite-send-email"
                    prop:checked=move || send.get()
                    disabled=!email_available
                    aria-describedby="invite-send-email-hint"
                    on:change=move |ev| send.set(event_target_checked(&ev))
                />
                "Send invitation email"
            </label>
            <p class="field-hint" id="invite-send-email-hint">{email_hint}</p>
        </div>
    }
}

#[component]
fn TeamCheckbox(i: usize, team: TeamChoice, filter: RwSignal<String>) -> impl IntoView {
    let key = team.name.to_lowercase();
    let hidden = move || {
        let filter = filter.read();
        !filter.is_empty() && !key.contains(filter.as_str())
    };
    let count = match team.member_count {
        1 => "1 person".to_string(),
        n => format!("{n} people"),
    };
    view! {
        <label class="check" hidden=hidden>
            <input type="checkbox" name=format!("team_ids[{i}]") value=team.team_id/>
            <span>{team.name} <span class="muted team-size">{format!(" · {count}")}</span></span>
        </label>
    }
}

#[component]
fn InvitationRow(
    invitation: InvitationView,
    now: i64,
    owner: bool,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
) -> impl IntoView {
    let expired = invitation.status == "expired";
    let expires = time::parse_iso(&invitation.expires_at).map_or_else(
        || invitation.expires_at.clone(),
        |at| time::relative(at, now),
    );
    let may_act = owner || invitation.role != "owner";
    let id = invitation.id.clone();
    let email = invitation.email.clone();
    view! {
        <tr class:expired=expired data-email=invitation.email.clone()>
            <th scope="row">{invitation.email.clone()}</th>
            <td>{role_label(&invitation.role)}</td>
            <td data-label="Invited by">{invitation.invited_by.clone()}</td>
            <td>
                {if expired {
                    view! { <span class="status deactivated">"Expired"</span> }.into_any()
                } else {
                    view! {
                        <time datetime=invitation.expires_at.clone() title=time::exact(&invitation.expires_at)>
                            {expires}
                        </time>
                    }
                    .into_any()
                }}
            </td>
            <td>
                {may_act.then(|| {
                    let (copy_id, resend_id, revoke_id) = (id.clone(), id.clone(), id.clone());
                    view! {
                    <div class="row-actions">
                        <button
                            type="button"
                            class="button small"
                            title="Creates a new link; the earlier one stops working"
                            aria-label=format!("Copy link for {email}")
                            on:click=move |_| {
                                resend.dispatch(ResendInvitation {
                                    invitation_id: copy_id.clone(),
                                    send_email: Some(false),
                                });
                            }
                        >
                            "Copy link"
                        </button>
                        <ActionForm action=resend>
                            <input type="hidden" name="invitation_id" value=resend_id/>
                            <button type="submit" class="button small">"Resend"</button>
                        </ActionForm>
                        <ActionForm action=revoke>
                            <input type="hidden" name="invitation_id" value=revoke_id/>
                            <button type="submit" class="button small danger-text">"Revoke"</button>
                        </ActionForm>
                    </div>
                }})}
            </td>
        </tr>
    }
}
