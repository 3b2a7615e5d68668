//! The keys table: each key's hint, status badges, expiry, last use, and its Rotate and Revoke.

use super::*;

/// The keys as a table: `keys` are those to list (the page may split them), `show_owner` adds
/// whose personal key each is.
#[component]
pub fn KeyTable(
    listed: Vec<ApiKeyView>,
    now: i64,
    keys: Keys,
    #[prop(default = false)] show_owner: bool,
    /// Whether Rotate is offered: not for other people's keys, whose new secret would let the
    /// caller act as them.
    #[prop(default = true)]
    rotates: bool,
    /// Names the table for assistive technology.
    caption: &'static str,
) -> impl IntoView {
    let can_manage = listed.iter().any(|k| k.can_manage && is_live(k));
    let rows = listed
        .into_iter()
        .map(|key| view! { <KeyRow key now keys show_owner rotates can_manage/> })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="keys-table">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        {show_owner.then(|| view! { <th scope="col">"Owner"</th> })}
                        <th scope="col">"Key"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Created"</th>
                        {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Neither revoked nor expired: it can still be rotated and revoked.
fn is_live(key: &ApiKeyView) -> bool {
    matches!(key.status.as_str(), "active" | "expiring_soon")
}

/// A time as "3 Dec" with the exact UTC time on hover.
fn day_of(iso: &str, now: i64) -> impl IntoView + use<> {
    let text = time::parse_iso(iso).map_or_else(|| iso.to_string(), |at| time::day(at, now));
    view! { <time datetime=iso.to_string() title=time::exact(iso)>{text}</time> }
}

/// A time as "5 minutes ago" with the exact UTC time on hover.
fn ago(iso: &str, now: i64) -> impl IntoView + use<> {
    let text = time::parse_iso(iso).map_or_else(|| iso.to_string(), |at| time::relative(at, now));
    view! { <time datetime=iso.to_string() title=time::exact(iso)>{text}</time> }
}

/// The status badge: "Active", "Expires in N days", "Expired", "Revoked".
fn status_badge(key: &ApiKeyView, now: i64) -> impl IntoView + use<> {
    let (class, text) = match key.status.as_str() {
        "expiring_soon" => {
            let left = time::parse_iso(&key.expires_at).map_or(0, |at| at - now);
            let days = ((left + 86_399_999) / 86_400_000).max(1);
            let text = if days == 1 {
                "Expires in 1 day".to_string()
            } else {
                format!("Expires in {days} days")
            };
            ("status pending", text)
        }
        "expired" => ("status expired", "Expired".to_string()),
        "revoked" => ("status deactivated", "Revoked".to_string()),
        _ => ("status active", "Active".to_string()),
    };
    view! { <span class=class>{text}</span> }
}

#[component]
fn KeyRow(
    key: ApiKeyView,
    now: i64,
    keys: Keys,
    show_owner: bool,
    rotates: bool,
    can_manage: bool,
) -> impl IntoView {
    let live = is_live(&key);
    let overlap = key.previous_valid_until.clone().map(|until| {
        view! {
            <span class="key-note">
                "Previous secret works until "
                <time datetime=until.clone()>{time::exact(&until)}</time>
            </span>
        }
    });
    let last_used = match (&key.last_used_at, &key.last_used_ip) {
        (Some(at), ip) => view! {
            {ago(at, now)}
            {ip.clone().map(|ip| view! { <span class="key-note">{format!("from {ip}")}</span> })}
        }
        .into_any(),
        (None, _) => view! { <span class="muted">"Never used"</span> }.into_any(),
    };
    let created = view! {
        {key.created_by.clone().map_or_else(|| "On ".to_string(), |by| format!("By {by} on "))}
        {day_of(&key.created_at, now)}
    };
    let owner = show_owner.then(|| {
        let name = key.user_name.clone().unwrap_or_default();
        view! { <td data-label="Owner">{name}</td> }.into_any()
    });
    let actions = can_manage.then(|| {
        let cell = (key.can_manage && live).then(|| {
            let (for_rotate, for_revoke) = (key.clone(), key.clone());
            let (rotate_id, rotate_label) = (key.id.clone(), format!("Rotate key {}", key.name));
            view! {
                <div class="row-actions">
                    {rotates.then(|| view! {
                        <OpenDialogButton
                            label="Rotate"
                            param="rotate"
                            value=rotate_id
                            open=keys.rotate_open
                            class="button small"
                            aria_label=rotate_label
                            on_open=move |()| keys.target.set(Some(for_rotate.clone()))
                        />
                    })}
                    <OpenDialogButton
                        label="Revoke"
                        param="revoke"
                        value=key.id.clone()
                        open=keys.revoke_open
                        class="button small danger-text"
                        aria_label=format!("Revoke key {}", key.name)
                        on_open=move |()| keys.target.set(Some(for_revoke.clone()))
                    />
                </div>
            }
        });
        view! { <td>{cell}</td> }.into_any()
    });
    // Erased: the row's full type nests deep enough to overflow the compiler's query depth in
    // the release build of the server.
    view! {
        <tr class:revoked=!live data-key=key.name.clone()>
            <th scope="row" class="key-name">{key.name.clone()}</th>
            {owner}
            <td data-label="Key"><code class="key-hint">{key.hint.clone()}</code></td>
            <td data-label="Status">{status_badge(&key, now)} {overlap}</td>
            <td data-label="Expires">{day_of(&key.expires_at, now)}</td>
            <td data-label="Last used">{last_used}</td>
            <td data-label="Created" class="muted">{created}</td>
            {actions}
        </tr>
    }
    .into_any()
}
