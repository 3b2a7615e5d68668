//! Email domains proved with a DNS TXT record, against a real DNS server on loopback (Debian's
//! python3-dnslib serving `end2end/dns/server.py`'s records file), and "Sign in with SSO".

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use gatehouse_server::error::{Denial, Problem};
use gatehouse_server::saml::{Arrival, domains};
use gatehouse_server::{Error, Role, Services};

use super::{answer_to, connect, connected_acme, post, request};
use crate::expect::{expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::support::TestEnv;

on_both_databases!(
    a_domain_is_verified_by_its_txt_record_and_leads_to_the_provider,
    a_domain_belongs_to_one_organization,
    domain_names_and_owners_only,
);

/// The DNS server, its records file, and services that ask it.
struct Dns {
    child: Child,
    records: PathBuf,
    _dir: tempfile::TempDir,
    svc: Services,
}

impl Dns {
    fn start(env: &TestEnv) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let records = dir.path().join("records.json");
        std::fs::write(&records, "{}").expect("records");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../end2end/dns/server.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            // The server picks its port: one chosen here could be taken by a parallel case
            // before the server binds it.
            .arg("0")
            .arg(&records)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the DNS server (apt install python3-dnslib)");
        let mut ready = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut ready)
            .expect("the DNS server started");
        let port: u16 = ready
            .trim()
            .strip_prefix("DNS on 127.0.0.1:")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the DNS server did not start: {ready:?}"));
        let mut svc = env.svc.clone();
        svc.config.dns_resolver = Some(([127, 0, 0, 1], port).into());
        Self {
            child,
            records,
            _dir: dir,
            svc,
        }
    }

    /// Publishes exactly these TXT records.
    fn publish(&self, records: &[(&str, &str)]) {
        let mut map = serde_json::Map::new();
        for (name, value) in records {
            let values = map
                .entry((*name).to_string())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if let serde_json::Value::Array(list) = values {
                list.push(serde_json::Value::String((*value).to_string()));
            }
        }
        std::fs::write(&self.records, serde_json::Value::Object(map).to_string()).expect("records");
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn problem_of(result: Result<domains::Domain, Error>) -> Problem {
    match result {
        Err(Error::Validation(errors)) => errors.of("domain").first().cloned().expect("a problem"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn a_domain_is_verified_by_its_txt_record_and_leads_to_the_provider(env: &TestEnv) {
    let dns = Dns::start(env);
    let svc = &dns.svc;
    let (owner, org) = connected_acme(env).await;
    let added = domains::add_domain(svc, &owner, " Dept.Example. ")
        .await
        .expect("added");
    assert_eq!(added.domain, "dept.example");
    assert_eq!(added.record_name, "_gatehouse-verification.dept.example");
    assert!(added.record_value.starts_with("gatehouse-verification="));
    assert_eq!(added.verified_at, None);
    let not_yet = Problem::DomainRecordNotFound {
        record_name: added.record_name.clone(),
    };
    // Nothing published, then the wrong value, then at the domain itself: not verified.
    assert_eq!(
        problem_of(domains::verify_domain(svc, &owner, "dept.example").await),
        not_yet
    );
    dns.publish(&[(&added.record_name, "gatehouse-verification=someone-elses")]);
    assert_eq!(
        problem_of(domains::verify_domain(svc, &owner, "dept.example").await),
        not_yet
    );
    dns.publish(&[("dept.example", &added.record_value)]);
    assert_eq!(
        problem_of(domains::verify_domain(svc, &owner, "dept.example").await),
        not_yet
    );
    assert_eq!(
        domains::lookup(svc, "sam@dept.example", &env.client())
            .await
            .expect("lookup"),
        None
    );

    dns.publish(&[
        (&added.record_name, "v=spf1 -all"),
        (&added.record_name, &added.record_value),
    ]);
    let verified = domains::verify_domain(svc, &owner, "dept.example")
        .await
        .expect("verified");
    assert!(verified.verified_at.is_some());
    let listed = domains::list_domains(svc, &owner).await.expect("list");
    assert_eq!(listed, [verified]);

    // "Sign in with SSO" sends dept.example's people to the provider, nobody else.
    let start = format!("/saml/{org}/start");
    for email in ["sam@dept.example", "SAM@DEPT.EXAMPLE"] {
        assert_eq!(
            domains::lookup(svc, email, &env.client())
                .await
                .expect("lookup"),
            Some(start.clone())
        );
    }
    for email in [
        "sam@example.com",
        "sam@sub.dept.example",
        "sam@dept.example.evil",
    ] {
        assert_eq!(
            domains::lookup(svc, email, &env.client())
                .await
                .expect("lookup"),
            None
        );
    }
    assert!(matches!(
        domains::lookup(svc, "not an email", &env.client()).await,
        Err(Error::Validation(_))
    ));

    // A new person from the verified domain starts with a verified address.
    let id = request(env, svc, org).await;
    let arrival = post(
        env,
        svc,
        org,
        &answer_to(svc, org, &id, "sam@dept.example").signed(),
    )
    .await;
    assert!(matches!(arrival, Arrival::SignedIn { .. }), "{arrival:?}");
    let verified_at: Option<i64> =
        sqlx::query_scalar("SELECT email_verified_at FROM users WHERE email = 'sam@dept.example'")
            .fetch_one(env.svc.db.pool())
            .await
            .expect("user");
    assert!(verified_at.is_some());

    // Switched off, or the domain removed: the sign-in page no longer leads there.
    domains::remove_domain(svc, &owner, "dept.example")
        .await
        .expect("removed");
    assert_eq!(
        domains::lookup(svc, "sam@dept.example", &env.client())
            .await
            .expect("lookup"),
        None
    );
    expect_not_found(domains::remove_domain(svc, &owner, "dept.example").await);
}

async fn a_domain_belongs_to_one_organization(env: &TestEnv) {
    let dns = Dns::start(env);
    let svc = &dns.svc;
    let (owner, _) = connected_acme(env).await;
    let beta = env.sign_up_as("Bea", "bea@example.com", "Beta").await;
    let beta = env.actor(&beta).await;
    connect(svc, &beta, "member").await;
    // Both may claim it while nobody has proved it; the first proof wins.
    let ours = domains::add_domain(svc, &owner, "dept.example")
        .await
        .expect("ours");
    let theirs = domains::add_domain(svc, &beta, "dept.example")
        .await
        .expect("theirs");
    assert_ne!(ours.record_value, theirs.record_value);
    assert_eq!(
        problem_of(domains::add_domain(svc, &owner, "dept.example").await),
        Problem::DomainAlreadyListed
    );
    dns.publish(&[
        (&ours.record_name, &ours.record_value),
        (&theirs.record_name, &theirs.record_value),
    ]);
    domains::verify_domain(svc, &owner, "dept.example")
        .await
        .expect("ours first");
    assert_eq!(
        problem_of(domains::verify_domain(svc, &beta, "dept.example").await),
        Problem::DomainClaimed
    );
    let third = env.sign_up_as("Cy", "cy@example.com", "Gamma").await;
    let third = env.actor(&third).await;
    assert_eq!(
        problem_of(domains::add_domain(svc, &third, "dept.example").await),
        Problem::DomainClaimed
    );
}

async fn domain_names_and_owners_only(env: &TestEnv) {
    let (owner, org) = connected_acme(env).await;
    for bad in [
        "",
        "localhost",
        "-dept.example",
        "corp-.example",
        "corp..example",
        "10.0.0.1",
        "corp example.com",
        "ex_ample.com",
        "bücher.example",
    ] {
        assert_eq!(
            problem_of(domains::add_domain(&env.svc, &owner, bad).await),
            Problem::InvalidDomain,
            "{bad:?}"
        );
    }
    let long = format!("{}.example", "a.".repeat(130));
    assert_eq!(
        problem_of(domains::add_domain(&env.svc, &owner, &long).await),
        Problem::TooLong { max: 253 }
    );
    domains::add_domain(&env.svc, &owner, "xn--bcher-kva.example")
        .await
        .expect("punycode");
    for n in 1..domains::MAX_DOMAINS {
        domains::add_domain(&env.svc, &owner, &format!("d{n}.example"))
            .await
            .expect("within the limit");
    }
    assert_eq!(
        problem_of(domains::add_domain(&env.svc, &owner, "one-more.example").await),
        Problem::TooManyDomains {
            max: domains::MAX_DOMAINS
        }
    );
    let admin = env.join(org, "admin@example.com", Role::Admin).await;
    let admin = env.actor(&admin).await;
    expect_denied(
        domains::list_domains(&env.svc, &admin).await,
        Denial::InsufficientRole,
    );
    expect_denied(
        domains::add_domain(&env.svc, &admin, "other.example").await,
        Denial::InsufficientRole,
    );
    expect_denied(
        domains::remove_domain(&env.svc, &admin, "d1.example").await,
        Denial::InsufficientRole,
    );
}
