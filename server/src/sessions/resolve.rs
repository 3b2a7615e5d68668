//! The per-request lookup of the caller: cache first, else one query; sessions past their
//! expiry or idle limit, or no longer admitted by their organization, end on the way.

use super::*;

/// Resolves a session cookie to the caller: from the cache when it holds the session, otherwise
/// with one query (and then cached). A session past its expiry or idle limit, or one its
/// organization no longer admits ([`admission::admit`]), is ended on the way and the reason
/// returned.
pub async fn resolve(svc: &Services, token: &str, client: ClientInfo) -> Result<Resolved, Error> {
    if !well_formed(token) {
        return Ok(Resolved::Unknown);
    }
    let now = svc.clock.now();
    let hash = token_hash(token);
    if let Some(cached) = svc.cache.get(&hash)
        && cached.expires_at > now
        && cached.last_active_at.until(now) < svc.config.session_idle
    {
        if cached.last_active_at.until(now) >= ACTIVITY_RESOLUTION {
            store::touch(svc.db.pool(), cached.session_id, now).await?;
            svc.cache.touch(&hash, now);
        }
        return Ok(Resolved::Active(Box::new(caller_of(svc, cached, client))));
    }

    let generation = svc.cache.generation();
    let Some(row) = store::lookup(svc.db.pool(), &hash).await? else {
        return Ok(Resolved::Unknown);
    };
    let session_id = ids::from_db(&row.id, SessionId::parse)?;
    let user_id = ids::from_db(&row.user_id, UserId::parse)?;
    if let Some(reason) = row.end_reason.as_deref() {
        return Ok(Resolved::Ended(
            EndReason::parse(reason).unwrap_or(EndReason::SignedOut),
        ));
    }
    let auth = SessionAuth {
        via_provider: row.via_provider.clone(),
        mfa_waived: row.mfa_waived != 0,
    };
    let rules = OrgRules {
        sign_in_provider: row.sign_in_provider.as_deref(),
        provider_enforces_mfa: row.provider_enforces_mfa == Some(1),
    };
    let enabled = row.mfa_enabled_at.is_some();
    let last_active = Timestamp::from_millis(row.last_active_at);
    let ending = if Timestamp::from_millis(row.expires_at) <= now {
        Some(EndReason::Expired)
    } else if last_active.until(now) >= svc.config.session_idle {
        Some(EndReason::Idle)
    } else if row.session_version != row.user_version {
        // Signed in with a password that changed meanwhile (the change raced this sign-in).
        Some(EndReason::PasswordChanged)
    } else if row.deactivated_at.is_some() {
        // Signed in while a deactivation was committing.
        Some(EndReason::Deactivated)
    } else {
        match admission::admit(&auth, enabled, rules) {
            Admission::Admitted => None,
            Admission::ProviderRequired(_) => Some(EndReason::SignInRestricted),
            Admission::SecondFactorRequired => Some(EndReason::SecondFactorRequired),
        }
    };
    if let Some(reason) = ending {
        let mut change = Change::begin(svc).await?;
        end_sessions(&mut change, user_id, &[session_id], reason, &client, now).await?;
        change.commit().await?;
        return Ok(Resolved::Ended(reason));
    }
    let mut last_active_at = last_active;
    if last_active_at.until(now) >= ACTIVITY_RESOLUTION {
        store::touch(svc.db.pool(), session_id, now).await?;
        last_active_at = now;
    }
    let org = match (row.org_id, row.org_name, row.role) {
        (Some(id), Some(name), Some(role)) => Some(OrgContext {
            id: ids::from_db(&id, OrgId::parse)?,
            name,
            role: Role::parse(&role)
                .ok_or_else(|| Error::internal(format!("unknown role in database: {role:?}")))?,
        }),
        _ => None,
    };
    // The organization lets the provider this session came through stand in for our MFA.
    let provider_mfa = rules.trusts_provider_mfa(auth.via_provider.as_deref());
    let policy = admission::SecurityPolicy::from_columns(
        row.enforced_since,
        row.policy_roles.as_deref(),
        row.grace_days,
    );
    let mfa = MfaState {
        enabled,
        backup_codes_left: if enabled { row.backup_codes_left } else { 0 },
        required_by: match &org {
            Some(org) if !enabled && !provider_mfa => policy.mfa_deadline(org.role),
            _ => None,
        },
    };
    let cached = Cached {
        session_id,
        user_id,
        name: row.name,
        email: row.email,
        email_verified: row.email_verified_at.is_some(),
        org,
        mfa,
        auth,
        proven_at: Timestamp::from_millis(row.proven_at.unwrap_or(0).max(row.created_at)),
        expires_at: Timestamp::from_millis(row.expires_at),
        last_active_at,
    };
    svc.cache.insert(hash, cached.clone(), generation);
    Ok(Resolved::Active(Box::new(caller_of(svc, cached, client))))
}

fn caller_of(svc: &Services, cached: Cached, client: ClientInfo) -> Caller {
    Caller {
        user_id: cached.user_id,
        session_id: cached.session_id,
        name: cached.name,
        email: cached.email,
        email_verified: cached.email_verified,
        needs_email_verification: !cached.email_verified && svc.mailer.is_configured(),
        org: cached.org,
        mfa: cached.mfa,
        auth: cached.auth,
        proven_at: cached.proven_at,
        client,
    }
}
