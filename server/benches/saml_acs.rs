//! ACS verification time per response: what the ACS spends on one signed SAML response before
//! any database work — the pre-scan (comments, wrapping, signatures) and samael's verification
//! on Debian's xmlsec1 (parse, canonicalize, RSA-SHA256, conditions), with the organization's
//! metadata parsed each time as the ACS does. One response signed by `xmlsec1`, verified
//! `SAML_BENCH_ROUNDS` times (default 2000) on one thread. Run with `make bench-saml`.
#![expect(
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark reports on stdout and stops on a broken setup"
)]

use std::time::{Duration, Instant};

use gatehouse_server::saml::ServiceProviderUrls;
use gatehouse_server::saml::verify::{self, Expected};

#[path = "../tests/it/saml/crafted.rs"]
mod crafted;

fn main() {
    let rounds: usize = std::env::var("SAML_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let base = "https://gatehouse.example/saml/0b9e3c52-0000-4000-8000-000000000000";
    let sp = ServiceProviderUrls {
        entity_id: format!("{base}/metadata"),
        acs_url: format!("{base}/acs"),
        metadata_url: format!("{base}/metadata"),
    };
    let request = "_0123456789abcdef0123456789abcdef";
    let metadata = crafted::idp_metadata("idp-cert.pem");
    let response = crafted::Answer::for_sp(&sp, request, "sam@corp.example").signed();
    let expected = Expected {
        entity_id: &sp.entity_id,
        acs_url: &sp.acs_url,
        request_id: request,
        idp_metadata_xml: &metadata,
    };
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        verify::scan(&response).expect("a well-formed response");
        verify::verify(&response, &expected).expect("a valid response");
        times.push(started.elapsed());
    }
    times.sort();
    let total: Duration = times.iter().sum();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "ACS verification, {rounds} responses of {} bytes: mean {:.3} ms, p50 {:.3} ms, p99 {:.3} ms, {:.0} responses/s on one core",
        response.len(),
        total.as_secs_f64() * 1000.0 / rounds as f64,
        at(0.5).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
        rounds as f64 / total.as_secs_f64(),
    );
}
