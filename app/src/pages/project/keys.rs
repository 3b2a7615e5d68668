//! A project's API keys tab (`/projects/:id/keys`): the caller's personal keys for the project,
//! and "Create key" for those with Use on it (Admin or Member). A personal key acts as its
//! creator on this project only and never allows more than they may do now. Organization Owners
//! and Admins also see, and may revoke, everyone else's keys for the project.

use leptos::prelude::*;
use leptos_meta::Title;

use super::use_project;
use crate::api::keys::{ApiKeyView, project_keys_path};
use crate::auth::use_auth;
use crate::components::api_keys::{
    CreateKeyButton, KeyDialogs, KeyScope, KeyTable, Keys, KeysWithoutScript,
};
use crate::components::form::{FormError, action_error};

#[component]
pub fn ProjectKeys() -> impl IntoView {
    let context = use_project();
    let auth = use_auth();
    let changed = RwSignal::new(0u32);
    let scope = Memo::new(move |_| KeyScope::Project(context.id.get()));
    let keys = Keys::new(scope, changed);
    let here = Signal::derive(move || project_keys_path(&context.id.get()));
    let revoke_error = action_error(keys.revoke);

    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                let project = context.project.await.ok()?;
                let me = auth.current().await?;
                let uses = matches!(project.role.as_str(), "admin" | "member");
                let can_create = uses && !project.archived;
                let (listed, now) = match keys.list.await {
                    Ok(listed) => listed,
                    Err(error) => {
                        return Some(view! { <p class="form-error">{error.message}</p> }.into_any());
                    }
                };
                let (mine, others): (Vec<ApiKeyView>, Vec<ApiKeyView>) = listed
                    .into_iter()
                    .partition(|k| k.user_id.as_deref() == Some(me.user.id.as_str()));
                let cannot_create = if project.archived {
                    Some("This project is archived: no new keys can be created for it.")
                } else if !uses {
                    Some(
                        "Creating a key needs Use on this project (Admin or Member); your role is \
                         Viewer.",
                    )
                } else {
                    None
                };
                let mine_body = if mine.is_empty() {
                    view! {
                        <div class="empty-state" role="status">
                            <p class="empty-title">"You have no keys for this project"</p>
                            <p>"Create one for a script or tool that works on this project as you."</p>
                        </div>
                    }
                    .into_any()
                } else {
                    view! { <KeyTable listed=mine now keys caption="Your keys for this project"/> }
                        .into_any()
                };
                Some(view! {
                    <Title text=format!("{} · API keys", project.name)/>
                    <section class="panel panel-table" aria-labelledby="project-keys-heading">
                        <div class="panel-head">
                            <h2 id="project-keys-heading">"Your API keys"</h2>
                            {can_create.then(|| view! { <CreateKeyButton keys/> })}
                        </div>
                        <p class="panel-intro">
                            "A personal key acts as you on this project only, and never allows more "
                            "than you may do now: if you lose access, your keys lose it too. Send it as "
                            <code>"Authorization: Bearer <key>"</code> "."
                        </p>
                        {cannot_create.map(|text| view! { <p class="muted">{text}</p> })}
                        <KeysWithoutScript keys here/>
                        <FormError error=revoke_error/>
                        {mine_body}
                    </section>
                    {(!others.is_empty()).then(|| view! {
                        <section class="panel panel-table" aria-labelledby="project-others-keys-heading">
                            <h2 id="project-others-keys-heading">"Other people's keys"</h2>
                            <p class="panel-intro">
                                "As an Owner or Admin of the organization you see everyone's personal "
                                "keys for this project and may revoke them; only their owners rotate "
                                "them."
                            </p>
                            <KeyTable
                                listed=others
                                now
                                keys
                                show_owner=true
                                rotates=false
                                caption="Other people's keys for this project"
                            />
                        </section>
                    })}
                }
                .into_any())
            })}
        </Transition>
        <KeyDialogs keys/>
    }
}
