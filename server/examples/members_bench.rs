//! Benchmark of the Members screen at 10,000 members: latency of `members::list_members` (one
//! page of 25, with "last active" and the total) for the first page, a deep page, and searches.
//! Seeds a fresh SQLite database (and, with `BENCH_DATABASE_URL`, a PostgreSQL one) and prints
//! p50/p99/max per scenario. Run it with `make bench-members` (release build).
#![expect(
    clippy::print_stdout,
    clippy::expect_used,
    reason = "a benchmark prints its results"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use gatehouse_server::config::ServiceConfig;
use gatehouse_server::{ClientInfo, Db, Services, SystemClock, accounts, members, sessions};

const MEMBERS: usize = 10_000;
const ROUNDS: usize = 300;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    run("SQLite", &sqlite).await;
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
        run("PostgreSQL", &url).await;
    }
}

async fn run(backend: &str, url: &str) {
    let db = Db::connect(url).await.expect("connect and migrate");
    // Re-runs against one PostgreSQL database sign an owner up each time, from one address.
    let config = ServiceConfig {
        signup_limit_per_hour: 0,
        ..ServiceConfig::default()
    };
    let svc = Services::new(db, Arc::new(SystemClock), config)
        .await
        .expect("services");
    let client = ClientInfo::new(Some("127.0.0.1".into()), "bench");
    let email = format!("owner-{}@example.com", uuid::Uuid::new_v4());
    let input = accounts::SignUp {
        name: "Bench Owner",
        email: &email,
        password: "Bench-Mark-2026!",
        organization: "Bench",
    };
    let owner = accounts::sign_up(&svc, input, &client, None)
        .await
        .expect("sign up");
    let actor = sessions::resolve(&svc, owner.token.expose(), client.clone())
        .await
        .expect("resolve")
        .active()
        .expect("signed in")
        .admit(svc.clock.now())
        .expect("admitted");
    let org = actor.org.as_ref().expect("organization").id;
    seed(&svc, &org.to_string()).await;

    println!("{backend}: list_members with {MEMBERS} members, {ROUNDS} calls per scenario");
    let scenarios: [(&str, &str, i64); 4] = [
        ("first page", "", 1),
        ("page 200 (of 400)", "", 200),
        ("search \"member 42\" (111 matches)", "member 42", 1),
        ("search by email domain, page 100", "@example.org", 100),
    ];
    for (name, query, page) in scenarios {
        let mut times = Vec::with_capacity(ROUNDS);
        let mut total = 0;
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let listed = members::list_members(&svc, &actor, query, page)
                .await
                .expect("list");
            times.push(started.elapsed());
            total = listed.total;
        }
        times.sort();
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "  {name:<38} total {total:>5}  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
            ms(at(0.50)),
            ms(at(0.99)),
            ms(at(1.0)),
        );
    }
    svc.db.close().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// 10,000 accounts and memberships (and a signed-in device for every tenth), in one transaction
/// of multi-row inserts. The password hash is a placeholder: nobody signs in as them.
async fn seed(svc: &Services, org: &str) {
    let started = Instant::now();
    // Emails are unique per run, so a database can be benchmarked again.
    let run = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let mut tx = svc.db.begin().await.expect("begin");
    for chunk in (0..MEMBERS).collect::<Vec<_>>().chunks(500) {
        let mut users = String::from(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ",
        );
        let mut memberships = String::from(
            "INSERT INTO memberships (org_id, user_id, role, created_at, last_used_at, sort_key) VALUES ",
        );
        let mut devices = String::from(
            "INSERT INTO sessions (id, token_hash, user_id, org_id, user_agent, device, created_at, \
             last_active_at, expires_at) VALUES ",
        );
        let mut any_device = false;
        for (n, i) in chunk.iter().enumerate() {
            let id = uuid::Uuid::new_v4();
            let sep = if n == 0 { "" } else { "," };
            users.push_str(&format!(
                "{sep}('{id}', 'member{i}-{run}@example.org', 'Member {i}', 'x', 0, 0)"
            ));
            let role = if i % 50 == 0 { "admin" } else { "member" };
            let key = format!("member {i} member{i}-{run}@example.org");
            memberships.push_str(&format!("{sep}('{org}', '{id}', '{role}', 0, 0, '{key}')"));
            if i % 10 == 0 {
                let sep = if any_device { "," } else { "" };
                any_device = true;
                devices.push_str(&format!(
                    "{sep}('{}', '{}', '{id}', '{org}', 'bench', 'Bench', 0, {i}, 9999999999999)",
                    uuid::Uuid::new_v4(),
                    uuid::Uuid::new_v4()
                ));
            }
        }
        for statement in [users, memberships, devices] {
            sqlx::query(&statement)
                .execute(&mut *tx)
                .await
                .expect("seed");
        }
    }
    tx.commit().await.expect("commit");
    println!(
        "seeded {MEMBERS} members in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
