//! Every answer the ACS owes a refusal, crafted and signed with `xmlsec1`: unsigned, another
//! key, SHA-1, altered, signature wrapping, a comment in the NameID, wrong audience or
//! destination, expired, replayed, and answers to no request of this organization's.

use super::*;

on_both_databases!(
    unsigned_and_foreign_signatures_are_refused,
    a_second_unsigned_assertion_is_refused_as_wrapping,
    a_comment_inside_the_name_id_is_refused,
    wrong_audience_destination_and_expired_answers_are_refused,
    an_answer_works_once_on_every_instance,
    answers_to_no_request_of_ours_are_refused,
);

async fn unsigned_and_foreign_signatures_are_refused(env: &TestEnv) {
    let (_, org) = acme(env).await;
    let id = request(env, &env.svc, org).await;
    let answer = answer_to(&env.svc, org, &id, "sam@corp.example");
    assert_eq!(
        refused(&post(env, &env.svc, org, &answer.xml(false)).await),
        Some(Refusal::Unsigned)
    );
    let mut forged = answer_to(&env.svc, org, &id, "sam@corp.example");
    forged.key = "other";
    assert_eq!(
        refused(&post(env, &env.svc, org, &forged.signed()).await),
        Some(Refusal::Signature)
    );
    // Signed by the right key, with SHA-1: refused, as a forgery could be.
    let sha1 = answer
        .xml(true)
        .replace(
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        )
        .replace(
            "http://www.w3.org/2001/04/xmlenc#sha256",
            "http://www.w3.org/2000/09/xmldsig#sha1",
        );
    assert_eq!(
        refused(&post(env, &env.svc, org, &sign(&sha1, "idp")).await),
        Some(Refusal::Signature)
    );
    // A signed answer altered afterwards.
    let tampered = answer
        .signed()
        .replace("sam@corp.example", "owner@example.com");
    assert_eq!(
        refused(&post(env, &env.svc, org, &tampered).await),
        Some(Refusal::Signature)
    );
    // Not a SAML response at all.
    let garbage = saml::acs(&env.svc, &org.to_string(), "%%%", &env.client())
        .await
        .expect("acs");
    assert!(matches!(garbage, Answered::Refused(Refusal::Malformed)));
    assert_eq!(
        refusals_audited(env, org).await,
        [
            "reason:unsigned",
            "reason:signature",
            "reason:signature",
            "reason:signature",
            "reason:malformed"
        ]
    );
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count");
    assert_eq!(users, 1, "nobody was created");
}

async fn a_second_unsigned_assertion_is_refused_as_wrapping(env: &TestEnv) {
    let (_, org) = acme(env).await;
    let id = request(env, &env.svc, org).await;
    let signed = answer_to(&env.svc, org, &id, "sam@corp.example").signed();
    // The attacker's own assertion first, the provider's signed one after it.
    let mut evil = answer_to(&env.svc, org, &id, "owner@example.com");
    evil.assertion_id = "_evil".into();
    let evil_xml = evil.xml(false);
    let start = evil_xml.find("<saml:Assertion").expect("assertion");
    let end = evil_xml.find("</saml:Assertion>").expect("end") + "</saml:Assertion>".len();
    let injected = signed.replacen(
        "<saml:Assertion",
        &format!("{}<saml:Assertion", &evil_xml[start..end]),
        1,
    );
    assert_eq!(
        refused(&post(env, &env.svc, org, &injected).await),
        Some(Refusal::Wrapping)
    );
    // Hidden in the signed assertion's place, the signed one moved into an extension.
    let moved = signed.replacen("<samlp:Status>", "<samlp:Extensions>", 1);
    assert!(refused(&post(env, &env.svc, org, &moved).await).is_some());
}

async fn a_comment_inside_the_name_id_is_refused(env: &TestEnv) {
    let (_, org) = acme(env).await;
    let id = request(env, &env.svc, org).await;
    // The provider vouched for "owner@example.com.evil.test"; canonicalization drops comments,
    // so the signature still holds once one is slipped in, and a careless reader stops at it.
    let signed = answer_to(&env.svc, org, &id, "owner@example.com.evil.test").signed();
    let commented = signed.replace(
        ">owner@example.com.evil.test<",
        ">owner@example.com<!---->.evil.test<",
    );
    assert_ne!(signed, commented);
    assert_eq!(
        refused(&post(env, &env.svc, org, &commented).await),
        Some(Refusal::Comment)
    );
}

/// One thing changed in an otherwise good answer.
type Change = &'static dyn Fn(&mut Answer);

async fn wrong_audience_destination_and_expired_answers_are_refused(env: &TestEnv) {
    let (_, org) = acme(env).await;
    let cases: [(Change, Refusal); 4] = [
        (
            &|a| a.audience = "https://elsewhere.example.test/metadata".into(),
            Refusal::Audience,
        ),
        (
            &|a| a.destination = "https://elsewhere.example.test/acs".into(),
            Refusal::Destination,
        ),
        (&|a| a.valid_for = -600, Refusal::Expired),
        (&|a| a.email = None, Refusal::NoEmail),
    ];
    for (change, why) in cases {
        let id = request(env, &env.svc, org).await;
        let mut answer = answer_to(&env.svc, org, &id, "sam@corp.example");
        change(&mut answer);
        assert_eq!(
            refused(&post(env, &env.svc, org, &answer.signed()).await),
            Some(why)
        );
    }
}

async fn an_answer_works_once_on_every_instance(env: &TestEnv) {
    let (_, org) = acme(env).await;
    let id = request(env, &env.svc, org).await;
    let answer = answer_to(&env.svc, org, &id, "sam@corp.example");
    let signed = answer.signed();
    assert!(matches!(
        post(env, &env.svc, org, &signed).await,
        Arrival::SignedIn { .. }
    ));
    let other = env.another_instance().await;
    assert_eq!(
        refused(&post(env, &other, org, &signed).await),
        Some(Refusal::Replayed)
    );
    // The same assertion answering a new request of ours.
    let id = request(env, &other, org).await;
    let mut replay = answer_to(&env.svc, org, &id, "sam@corp.example");
    replay.assertion_id = answer.assertion_id.clone();
    assert_eq!(
        refused(&post(env, &other, org, &replay.signed()).await),
        Some(Refusal::Replayed)
    );
}

async fn answers_to_no_request_of_ours_are_refused(env: &TestEnv) {
    let (owner, org) = acme(env).await;
    // Unsolicited (provider-initiated) and made-up request IDs.
    let unsolicited = answer_to(&env.svc, org, "_never-asked", "sam@corp.example");
    assert_eq!(
        refused(&post(env, &env.svc, org, &unsolicited.signed()).await),
        Some(Refusal::UnknownRequest)
    );
    // A request of another organization's.
    let beta = env.sign_up_as("Bea", "bea@example.com", "Beta").await;
    let beta = env.actor(&beta).await;
    connect(&env.svc, &beta, "member").await;
    let theirs = request(env, &env.svc, org_of(&beta)).await;
    let crossed = answer_to(&env.svc, org, &theirs, "sam@corp.example");
    assert_eq!(
        refused(&post(env, &env.svc, org, &crossed.signed()).await),
        Some(Refusal::UnknownRequest)
    );
    // Disabled: refused before anything is read, even an answer to a request made before.
    let before = request(env, &env.svc, org).await;
    let xml = idp_metadata("idp-cert.pem");
    let off = ConnectionInput {
        idp_metadata_xml: &xml,
        default_role: "member",
        enabled: false,
    };
    saml::update_connection(&env.svc, &owner, off, None)
        .await
        .expect("off");
    assert!(matches!(
        saml::start(&env.svc, &org.to_string(), None, &env.client())
            .await
            .expect("start"),
        Err(Refusal::Disabled)
    ));
    let answer = answer_to(&env.svc, org, &before, "sam@corp.example");
    assert_eq!(
        refused(&post(env, &env.svc, org, &answer.signed()).await),
        Some(Refusal::Disabled)
    );
    // Switched back on, a request older than its lifetime is no longer waiting.
    connect(&env.svc, &owner, "member").await;
    // Expired: older than the request's lifetime.
    let id = request(env, &env.svc, org).await;
    env.clock
        .advance(saml::REQUEST_TTL + std::time::Duration::from_secs(1));
    let late = answer_to(&env.svc, org, &id, "sam@corp.example");
    assert_eq!(
        refused(&post(env, &env.svc, org, &late.signed()).await),
        Some(Refusal::UnknownRequest)
    );
}
