//! An organization's own SAML identity provider, against crafted responses signed by Debian's
//! `xmlsec1` (an independent XML-DSig implementation) with the committed test keys in `saml/`:
//! `idp-*` is the organization's provider, `other-*` an attacker's. Each refusal the ACS owes
//! is a case here; the browser round trip through a real provider (pysaml2) is Playwright's.

use base64::Engine;
use gatehouse_server::error::{Denial, MetadataProblem, Problem};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use gatehouse_server::saml::{self, Answered, Arrival, ConnectionInput, Refusal};
use gatehouse_server::sign_in::SignInStep;
use gatehouse_server::{Actor, Error, OrgId, Role, Services, sign_in};

use crate::expect::expect_denied;
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of};

mod crafted;
mod domains;
mod metadata;
mod refusals;

use crafted::{Answer, IDP, IDP_SSO, certificate, idp_metadata, sign};

on_both_databases!(
    a_first_sign_in_makes_a_member_just_in_time,
    only_addresses_in_the_organizations_domains_are_linked_or_created,
    a_browser_that_did_not_start_the_trip_cannot_finish_it,
    the_sign_in_restriction_holds_for_saml_as_for_oidc,
);

async fn connect(svc: &Services, owner: &Actor, default_role: &str) {
    let xml = idp_metadata("idp-cert.pem");
    let input = ConnectionInput {
        idp_metadata_xml: &xml,
        default_role,
        enabled: true,
    };
    saml::update_connection(svc, owner, input, None)
        .await
        .expect("connection saved");
}

/// A good answer from the organization's provider to `request`.
fn answer_to(svc: &Services, org: OrgId, request: &str, name_id: &str) -> Answer {
    Answer::for_sp(&saml::service_provider(svc, org), request, name_id)
}

fn encode(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml)
}

/// Starts a sign-in: the request ID the answer must name, read from the AuthnRequest the
/// browser carries to the provider (which names this organization's service provider).
async fn request(env: &TestEnv, svc: &Services, org: OrgId) -> String {
    use std::io::Read;
    let started = saml::start(
        svc,
        &org.to_string(),
        Some("/settings/profile"),
        &env.client(),
    )
    .await
    .expect("start")
    .expect("a connection");
    let url = started.url;
    let encoded = url
        .strip_prefix(&format!("{IDP_SSO}?SAMLRequest="))
        .unwrap_or_else(|| panic!("to the provider: {url}"));
    let encoded = encoded.split('&').next().unwrap_or_default();
    let encoded = percent_decode(encoded);
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .read_to_string(&mut xml)
        .expect("DEFLATE");
    let sp = saml::service_provider(svc, org);
    assert!(
        xml.contains(&format!(r#"AssertionConsumerServiceURL="{}""#, sp.acs_url)),
        "{xml}"
    );
    assert!(xml.contains(&format!(">{}</", sp.entity_id)), "{xml}");
    let id = xml
        .split(" ID=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an ID");
    assert!(id.len() >= 33, "128 random bits: {id}");
    BROWSER
        .lock()
        .expect("cookie jar")
        .insert(id.to_string(), started.binding.expose().to_string());
    id.to_string()
}

fn percent_decode(text: &str) -> String {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// The browser's cookie jar: each trip's binding cookie, by request ID.
static BROWSER: LazyLock<Mutex<HashMap<String, String>>> = LazyLock::new(Mutex::default);

/// Posts `xml` to the ACS.
async fn answer(env: &TestEnv, svc: &Services, org: OrgId, xml: &str) -> Answered {
    saml::acs(svc, &org.to_string(), &encode(xml), &env.client())
        .await
        .expect("acs")
}

/// The binding cookie of the trip `xml` answers, as the browser that started it holds it.
fn binding_for(xml: &str) -> Option<String> {
    let id = xml.split("InResponseTo=\"").nth(1)?.split('"').next()?;
    BROWSER.lock().ok()?.get(id).cloned()
}

/// Posts `xml` to the ACS and, verified, finishes the trip in the browser that started it.
async fn post(env: &TestEnv, svc: &Services, org: OrgId, xml: &str) -> Arrival {
    match answer(env, svc, org, xml).await {
        Answered::Verified { token } => {
            let binding = binding_for(xml);
            finish(env, svc, org, token.expose(), binding.as_deref()).await
        }
        Answered::Refused(why) => Arrival::Refused(why),
    }
}

async fn finish(
    env: &TestEnv,
    svc: &Services,
    org: OrgId,
    token: &str,
    binding: Option<&str>,
) -> Arrival {
    saml::finish(svc, &org.to_string(), token, binding, &env.client(), None)
        .await
        .expect("finish")
}

fn refused(arrival: &Arrival) -> Option<Refusal> {
    match arrival {
        Arrival::Refused(why) => Some(*why),
        _ => None,
    }
}

async fn refusals_audited(env: &TestEnv, org: OrgId) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT target FROM audit_events WHERE org_id = $1 AND action = 'sso.sign_in_refused' \
         ORDER BY seq",
    )
    .bind(org.to_string())
    .fetch_all(env.svc.db.pool())
    .await
    .expect("audit")
}

/// The Owner of Acme with its connection on, and `corp.example` proved Acme's.
async fn acme(env: &TestEnv) -> (Actor, OrgId) {
    let (owner, org) = connected_acme(env).await;
    proved(env, org, "corp.example").await;
    (owner, org)
}

/// The Owner of Acme with its connection on, no domain proved.
async fn connected_acme(env: &TestEnv) -> (Actor, OrgId) {
    let owner = acme_owner(env).await;
    connect(&env.svc, &owner, "member").await;
    let org = org_of(&owner);
    (owner, org)
}

/// Marks `domain` verified for `org` (the DNS round trip is `saml/domains.rs`'s).
async fn proved(env: &TestEnv, org: OrgId, domain: &str) {
    sqlx::query(
        "INSERT INTO sso_domains (org_id, domain, token, created_at, verified_at) \
         VALUES ($1, $2, 'test', 0, 0)",
    )
    .bind(org.to_string())
    .bind(domain)
    .execute(env.svc.db.pool())
    .await
    .expect("domain");
}

async fn a_first_sign_in_makes_a_member_just_in_time(env: &TestEnv) {
    let (_, org) = acme(env).await;
    let id = request(env, &env.svc, org).await;
    let arrival = post(
        env,
        &env.svc,
        org,
        &answer_to(&env.svc, org, &id, "sam@corp.example").signed(),
    )
    .await;
    let Arrival::SignedIn {
        step: SignInStep::Done(session),
        next,
    } = arrival
    else {
        panic!("expected a session, got {arrival:?}");
    };
    assert_eq!(next, "/settings/profile");
    let caller = env.resolve(&session).await.expect("the session works");
    let here = caller.org.as_ref().expect("in the organization");
    assert_eq!((here.id, here.role), (org, Role::Member));
    assert_eq!(
        caller.auth.via_provider,
        saml::provider_key_of(&org.to_string())
    );
    let (name, password): (String, String) =
        sqlx::query_as("SELECT name, password_hash FROM users WHERE email = 'sam@corp.example'")
            .fetch_one(env.svc.db.pool())
            .await
            .expect("the new account");
    assert_eq!((name.as_str(), password.as_str()), ("Sam Lee", ""));
    let provisioned: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE org_id = $1 AND action = 'sso.member_provisioned'",
    )
    .bind(org.to_string())
    .fetch_one(env.svc.db.pool())
    .await
    .expect("audit");
    assert_eq!(provisioned, 1);

    // The next sign-in finds the same person by (connection, NameID), even with another email.
    let id = request(env, &env.svc, org).await;
    let mut again = answer_to(&env.svc, org, &id, "sam@corp.example");
    again.email = Some("samuel@corp.example".into());
    let arrival = post(env, &env.svc, org, &again.signed()).await;
    assert!(matches!(arrival, Arrival::SignedIn { .. }), "{arrival:?}");
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count");
    assert_eq!(accounts, 2, "the owner and Sam, once");
}

async fn only_addresses_in_the_organizations_domains_are_linked_or_created(env: &TestEnv) {
    let (_, org) = acme(env).await;
    let carol = env
        .sign_up_as("Carol", "carol@corp.example", "Carol's Co")
        .await;
    // Any organization can bring a provider that asserts any address: outside the domains
    // Acme proved, nobody is linked or created.
    for email in ["owner@example.com", "new@elsewhere.example"] {
        let id = request(env, &env.svc, org).await;
        let xml = answer_to(&env.svc, org, &id, email).signed();
        assert_eq!(
            refused(&post(env, &env.svc, org, &xml).await),
            Some(Refusal::UnverifiedDomain),
            "{email}"
        );
    }
    let identities: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM identities")
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count");
    assert_eq!((identities, users), (0, 2), "the owner and Carol only");
    assert_eq!(
        refusals_audited(env, org).await,
        ["reason:unverified_domain", "reason:unverified_domain"]
    );

    // Inside them, the existing account is linked and joins with the default role.
    let id = request(env, &env.svc, org).await;
    let xml = answer_to(&env.svc, org, &id, "carol@corp.example").signed();
    let Arrival::SignedIn {
        step: SignInStep::Done(session),
        ..
    } = post(env, &env.svc, org, &xml).await
    else {
        panic!("expected Carol signed in");
    };
    assert_eq!(session.user_id, carol.user_id);
    let verified: Option<i64> = sqlx::query_scalar(
        "SELECT email_verified_at FROM users WHERE email = 'carol@corp.example'",
    )
    .fetch_one(env.svc.db.pool())
    .await
    .expect("Carol");
    assert!(
        verified.is_some(),
        "the proven domain's provider vouched for the address"
    );
    let caller = env.resolve(&session).await.expect("the session works");
    let here = caller.org.as_ref().expect("in Acme");
    assert_eq!((here.id, here.role), (org, Role::Member));
}

async fn a_browser_that_did_not_start_the_trip_cannot_finish_it(env: &TestEnv) {
    let (_, org) = acme(env).await;
    let id = request(env, &env.svc, org).await;
    let xml = answer_to(&env.svc, org, &id, "sam@corp.example").signed();
    // The answer an attacker obtained, posted from a victim's browser (login CSRF).
    let Answered::Verified { token } = answer(env, &env.svc, org, &xml).await else {
        panic!("a valid answer");
    };
    let stranger = "0".repeat(43);
    for binding in [None, Some(stranger.as_str())] {
        assert_eq!(
            refused(&finish(env, &env.svc, org, token.expose(), binding).await),
            Some(Refusal::OtherBrowser)
        );
    }
    // The browser that started it finishes it, once.
    let binding = binding_for(&xml);
    let arrival = finish(env, &env.svc, org, token.expose(), binding.as_deref()).await;
    assert!(matches!(arrival, Arrival::SignedIn { .. }), "{arrival:?}");
    assert_eq!(
        refused(&finish(env, &env.svc, org, token.expose(), binding.as_deref()).await),
        Some(Refusal::UnknownRequest)
    );
    assert_eq!(
        refused(&finish(env, &env.svc, org, "not-a-token", binding.as_deref()).await),
        Some(Refusal::UnknownRequest)
    );
}

async fn restrict(env: &TestEnv, owner: &Actor, provider: Option<&str>) -> Result<(), Error> {
    gatehouse_server::oauth::update_sign_in_restriction(&env.svc, owner, provider, false, None)
        .await
}

async fn the_sign_in_restriction_holds_for_saml_as_for_oidc(env: &TestEnv) {
    let (owner, org) = acme(env).await;
    let key = saml::provider_key_of(&org.to_string()).expect("key");
    expect_denied(
        restrict(env, &owner, Some(&key)).await,
        Denial::SignInWithProviderFirst {
            provider: "Single sign-on (SAML)".into(),
        },
    );
    // Another organization's connection is no provider here.
    let beta = env.sign_up_as("Bea", "bea@example.com", "Beta").await;
    let beta = env.actor(&beta).await;
    connect(&env.svc, &beta, "member").await;
    let theirs = saml::provider_key_of(&org_of(&beta).to_string()).expect("key");
    assert!(matches!(
        restrict(env, &owner, Some(&theirs)).await,
        Err(Error::Validation(_))
    ));

    // With example.com proved Acme's, the Owner signs in through the provider once (their
    // account is linked), then requires it.
    proved(env, org, "example.com").await;
    let id = request(env, &env.svc, org).await;
    let xml = answer_to(&env.svc, org, &id, "owner@example.com").signed();
    let arrival = post(env, &env.svc, org, &xml).await;
    assert!(matches!(arrival, Arrival::SignedIn { .. }), "{arrival:?}");
    restrict(env, &owner, Some(&key))
        .await
        .expect("restricted to SAML");

    // Passwords are refused, naming the way in.
    env.join_only(org, "member@example.com", Role::Member).await;
    let refused_password = sign_in::sign_in(
        &env.svc,
        "member@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session);
    expect_denied(
        refused_password,
        Denial::ProviderRequired {
            organization: "Acme".into(),
            provider: "Single sign-on (SAML)".into(),
        },
    );
    // The connection cannot be switched off while it is required.
    let xml = idp_metadata("idp-cert.pem");
    let off = ConnectionInput {
        idp_metadata_xml: &xml,
        default_role: "member",
        enabled: false,
    };
    expect_denied(
        saml::update_connection(&env.svc, &owner, off, None).await,
        Denial::SsoRequiredToStayEnabled {
            organization: "Acme".into(),
        },
    );
    // And a SAML sign-in still works.
    let id = request(env, &env.svc, org).await;
    let arrival = post(
        env,
        &env.svc,
        org,
        &answer_to(&env.svc, org, &id, "sam@corp.example").signed(),
    )
    .await;
    assert!(matches!(arrival, Arrival::SignedIn { .. }), "{arrival:?}");

    // Beta requires another provider: its SAML sign-ins are refused, and nobody is made.
    let id = request(env, &env.svc, org_of(&beta)).await;
    sqlx::query("INSERT INTO security_policies (org_id, roles, grace_days, updated_at, sign_in_provider, provider_enforces_mfa) VALUES ($1, 'owner,admin,member', 7, 0, 'testid', 0)")
        .bind(org_of(&beta).to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("restrict beta");
    env.svc.cache.invalidate_all_for_tests();
    let beta_org = org_of(&beta);
    let arrival = post(
        env,
        &env.svc,
        beta_org,
        &answer_to(&env.svc, beta_org, &id, "new@corp.example").signed(),
    )
    .await;
    assert_eq!(refused(&arrival), Some(Refusal::NotAllowed));
    let made: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'new@corp.example'")
            .fetch_one(env.svc.db.pool())
            .await
            .expect("count");
    assert_eq!(made, 0);
}
