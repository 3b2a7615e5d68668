//! What an Owner may save as the identity provider's metadata, who may, and the service
//! provider's own metadata.

use super::*;

on_both_databases!(metadata_must_name_what_verifying_needs);

async fn metadata_must_name_what_verifying_needs(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let good = idp_metadata("idp-cert.pem");
    let cases = [
        (String::new(), MetadataProblem::Missing),
        ("<html></html>".to_string(), MetadataProblem::NotMetadata),
        (
            good.replace(&certificate("idp-cert.pem"), ""),
            MetadataProblem::NoSigningCertificate,
        ),
        (
            good.replace("HTTP-Redirect", "HTTP-POST"),
            MetadataProblem::NoRedirectSignOn,
        ),
        (
            format!(
                r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP}"/>"#
            ),
            MetadataProblem::NotIdentityProvider,
        ),
        (
            good.replace(r#"entityID="https://idp.example.test/metadata""#, ""),
            MetadataProblem::NoEntityId,
        ),
        (
            good.replace(&certificate("idp-cert.pem"), "bm90IGEgY2VydGlmaWNhdGU="),
            MetadataProblem::BadCertificate,
        ),
        (
            format!(
                "<!DOCTYPE x [<!ENTITY a \"b\">]>{}",
                good.replace("<?xml version=\"1.0\"?>", "")
            ),
            MetadataProblem::NotMetadata,
        ),
    ];
    for (xml, problem) in cases {
        let input = ConnectionInput {
            idp_metadata_xml: &xml,
            default_role: "member",
            enabled: true,
        };
        match saml::update_connection(&env.svc, &owner, input, None).await {
            Err(Error::Validation(errors)) => assert_eq!(
                errors.of("idp_metadata_xml"),
                [Problem::SamlMetadata(problem)],
                "{problem:?}"
            ),
            other => panic!("{problem:?}: {other:?}"),
        }
    }
    let owner_role = ConnectionInput {
        idp_metadata_xml: &good,
        default_role: "owner",
        enabled: true,
    };
    match saml::update_connection(&env.svc, &owner, owner_role, None).await {
        Err(Error::Validation(errors)) => {
            assert_eq!(errors.of("default_role"), [Problem::UnknownDefaultRole]);
        }
        other => panic!("{other:?}"),
    }
    // Only Owners, and the service provider's metadata names this organization's URLs.
    let admin = env
        .join(org_of(&owner), "admin@example.com", Role::Admin)
        .await;
    let admin = env.actor(&admin).await;
    expect_denied(
        saml::get_connection(&env.svc, &admin).await,
        Denial::InsufficientRole,
    );
    let org = org_of(&owner);
    let sp = saml::metadata(&env.svc, &org.to_string())
        .await
        .expect("metadata");
    let public = &env.svc.config.public_url;
    assert!(
        sp.contains(&format!(r#"entityID="{public}/saml/{org}/metadata""#)),
        "{sp}"
    );
    assert!(
        sp.contains(&format!(r#"Location="{public}/saml/{org}/acs""#)),
        "{sp}"
    );
    assert!(matches!(
        saml::metadata(&env.svc, &OrgId::random().to_string()).await,
        Err(Error::NotFound)
    ));
}
