//! The emails Gatehouse sends, each as plain text and as simple, inline-styled HTML. Every value
//! put into HTML is escaped.

use super::Mail;

/// An invitation to join an organization.
pub fn invitation(to: &str, organization: &str, inviter: &str, role: &str, link: &str) -> Mail {
    let subject = format!("{inviter} invited you to {organization} on Gatehouse");
    let text = format!(
        "{inviter} invited you to join {organization} on Gatehouse as {role}.\n\n\
         Accept the invitation:\n{link}\n\n\
         The link works once and expires in 7 days. If you did not expect this invitation, \
         you can ignore this email.\n"
    );
    let html = layout(
        &subject,
        &format!(
            "<p><strong>{}</strong> invited you to join <strong>{}</strong> on Gatehouse as {}.</p>",
            escape(inviter),
            escape(organization),
            escape(role)
        ),
        "Accept invitation",
        link,
        "The link works once and expires in 7 days. If you did not expect this invitation, \
         you can ignore this email.",
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
    }
}

/// An API key expires soon: rotate it, or make a new one, before it stops working.
pub fn key_expiring(to: &str, key: &str, holder: &str, expires: &str, link: &str) -> Mail {
    let subject = format!("API key \u{201c}{key}\u{201d} expires {expires}");
    let text = format!(
        "The API key \u{201c}{key}\u{201d} of {holder} expires {expires}. Whatever uses it \
         stops working then.\n\nRotate it, or create a new one:\n{link}\n"
    );
    let html = layout(
        &subject,
        &format!(
            "<p>The API key <strong>{}</strong> of {} expires {}. Whatever uses it stops \
             working then.</p>",
            escape(key),
            escape(holder),
            escape(expires)
        ),
        "Rotate or replace it",
        link,
        "You receive this because you own the key or the organization it belongs to.",
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
    }
}

/// An organization's Owners are reminded that no access review was completed in 90 days.
pub fn access_review_due(to: &str, organization: &str, link: &str) -> Mail {
    let subject = format!("Time to review who has access to {organization}");
    let text = format!(
        "No access review of {organization} was completed in the last 90 days.\n\n\
         Review who has access: everyone with Owner or Admin rights, members who have not \
         signed in for 30 days, members without MFA where your policy requires it, and each \
         person's projects and teams. Keep, change, remove or deactivate each one:\n{link}\n"
    );
    let html = layout(
        &subject,
        &format!(
            "<p>No access review of <strong>{}</strong> was completed in the last 90 days.</p>\
             <p>Review who has access: everyone with Owner or Admin rights, members who have \
             not signed in for 30 days, members without MFA where your policy requires it, and \
             each person's projects and teams.</p>",
            escape(organization)
        ),
        "Start an access review",
        link,
        "You receive this because you are an Owner of the organization. We remind you once \
         each time a review is due.",
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
    }
}

/// A link to choose a new password.
pub fn password_reset(to: &str, link: &str) -> Mail {
    let subject = "Reset your Gatehouse password".to_string();
    let text = format!(
        "Someone asked to reset the password of your Gatehouse account.\n\n\
         Choose a new password:\n{link}\n\n\
         The link works once and expires in 30 minutes. If you did not ask for it, you can \
         ignore this email: your password stays as it is.\n"
    );
    let html = layout(
        &subject,
        "<p>Someone asked to reset the password of your Gatehouse account.</p>",
        "Choose a new password",
        link,
        "The link works once and expires in 30 minutes. If you did not ask for it, you can \
         ignore this email: your password stays as it is.",
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
    }
}

/// A link that proves the account's owner receives mail at its address.
pub fn email_verification(to: &str, link: &str) -> Mail {
    let subject = "Verify your email address for Gatehouse".to_string();
    let text = format!(
        "Confirm that this is your email address for your Gatehouse account.\n\n\
         Verify your email address:\n{link}\n\n\
         The link works once and expires in 24 hours. If you did not create a Gatehouse \
         account, you can ignore this email.\n"
    );
    let html = layout(
        &subject,
        "<p>Confirm that this is your email address for your Gatehouse account.</p>",
        "Verify email address",
        link,
        "The link works once and expires in 24 hours. If you did not create a Gatehouse \
         account, you can ignore this email.",
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
    }
}

/// The facts every security notice states.
#[derive(Debug, Clone, Copy)]
pub struct NoticeFacts<'a> {
    pub what: &'a str,
    /// "2026-11-30 11:22 UTC".
    pub when: &'a str,
    /// "Chrome on Windows".
    pub device: &'a str,
    pub ip: &'a str,
    /// What to do if it was not them.
    pub advice: &'a str,
    pub settings_link: &'a str,
}

/// A change to the account's protection, or a sign-in from a new device.
pub fn security_notice(to: &str, subject: &str, facts: &NoticeFacts<'_>) -> Mail {
    let NoticeFacts {
        what,
        when,
        device,
        ip,
        advice,
        settings_link,
    } = *facts;
    let text = format!(
        "{what}\n\nWhen: {when}\nDevice: {device}\nIP address: {ip}\n\n\
         If this was you, there is nothing to do. {advice}\n\n\
         Review your account's security:\n{settings_link}\n"
    );
    let html = layout(
        subject,
        &format!(
            "<p>{}</p><p>When: {}<br>Device: {}<br>IP address: {}</p>",
            escape(what),
            escape(when),
            escape(device),
            escape(ip)
        ),
        "Review security settings",
        settings_link,
        &format!(
            "If this was you, there is nothing to do. {}",
            escape(advice)
        ),
    );
    Mail {
        to: to.to_string(),
        subject: subject.to_string(),
        text,
        html,
    }
}

fn layout(title: &str, intro: &str, action: &str, link: &str, footnote: &str) -> String {
    let (title, link) = (escape(title), escape(link));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;color:#1f2328;line-height:1.5\">\
         <div style=\"max-width:32rem;margin:2rem auto\">{intro}\
         <p><a href=\"{link}\" style=\"display:inline-block;padding:.6rem 1rem;border-radius:6px;\
         background:#1f4fd1;color:#ffffff;text-decoration:none;font-weight:600\">{action}</a></p>\
         <p style=\"font-size:.9rem\">Or paste this link into your browser:<br>{link}</p>\
         <p style=\"font-size:.9rem;color:#57606a\">{footnote}</p></div></body></html>"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_in_html_and_kept_in_text() {
        let mail = invitation(
            "a@example.com",
            "<Acme & Co>",
            "Eve \"x\"",
            "Admin",
            "http://h/invite/t",
        );
        assert!(mail.html.contains("&lt;Acme &amp; Co&gt;"));
        assert!(!mail.html.contains("<Acme"));
        assert!(mail.text.contains("<Acme & Co>"));
        assert!(mail.text.contains("http://h/invite/t"));
        assert!(mail.html.contains("href=\"http://h/invite/t\""));
    }
}
