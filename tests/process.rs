//! The real `roster` binary as an operator runs it (`shared/SECURITY.md`, Data): a backup of a
//! live database, SIGTERM letting a request in flight finish, and SIGKILL during writes losing
//! no acknowledged write.

use std::{
    io::{Read, Write},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::common::{serve, serve_with, spawn_sqlite_app, Server, BIN, PASSWORD};
use reqwest::StatusCode;

/// `roster <args>` on `database_url`, to completion; its standard output.
fn roster(database_url: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(BIN)
        .args(args)
        .env("ROSTER_DATABASE_URL", database_url)
        .env("ROSTER_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("roster runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "roster {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn signal(server: &Server, name: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{name}"), &server.child.0.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{name}");
}

#[tokio::test]
async fn a_backup_of_a_live_database_is_intact_and_holds_the_last_write() {
    let app = spawn_sqlite_app().await;
    let (_, _, file): (i64, String, String) = sqlx::query_as("PRAGMA database_list")
        .fetch_one(app.pool.sqlite().unwrap())
        .await
        .unwrap();
    app.sign_up("first@example.org", "First").await;
    app.sign_up("last@example.org", "Written Just Before").await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");

    // While the app keeps serving (and holds its pool open).
    let out = roster(
        &format!("sqlite://{file}"),
        &["backup", copy.to_str().unwrap()],
        None,
    );
    assert!(out.contains("integrity check ok"), "{out}");
    assert_eq!(
        app.get("/login", None).await.status(),
        StatusCode::OK,
        "still serving"
    );

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", copy.display()))
        .await
        .unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let name: String = sqlx::query_scalar(
        "SELECT p.display_name FROM users u JOIN profiles p ON p.user_id = u.id \
         WHERE u.email = 'last@example.org'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(name, "Written Just Before");

    // An existing file is never overwritten.
    let again = Command::new(BIN)
        .args(["backup", copy.to_str().unwrap()])
        .env("ROSTER_DATABASE_URL", format!("sqlite://{file}"))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_then_exits() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("roster.db").display());
    let mut server = serve(&url).await;
    let addr = server.base.trim_start_matches("http://").to_string();

    // A sign-in whose body is only half sent when the signal comes.
    let body = format!(
        "email=nobody%40example.org&password={}",
        PASSWORD.replace(' ', "+")
    );
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /fn/log_in HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&server, "TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stream.write_all(tail.as_bytes()).unwrap();

    let mut answer = String::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "the request in flight was answered: {answer:?}"
    );

    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no exit within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
    // The checkpoint at exit folded the write-ahead log into the database file.
    let wal = dir.path().join("roster.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "WAL left behind"
    );
}

#[tokio::test]
async fn sigkill_during_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("roster.db").display());
    roster(
        &url,
        &[
            "admin",
            "create",
            "--email",
            "ops@example.org",
            "--display-name",
            "Ops",
            "--password-stdin",
        ],
        Some("a long operator passphrase\n"),
    );
    let token = roster(
        &url,
        &[
            "token",
            "create",
            "--email",
            "ops@example.org",
            "--name",
            "crash",
            "--scope",
            "users:write",
        ],
        None,
    )
    .trim()
    .to_string();
    let mut server = serve(&url).await;

    // Four writers create users as fast as they can; each remembers what was acknowledged.
    let client = reqwest::Client::new();
    let mut writers = Vec::new();
    for w in 0..4 {
        let (client, token, base) = (client.clone(), token.clone(), server.base.clone());
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0.. {
                let email = format!("w{w}-{i}@example.org");
                let sent = client
                    .post(format!("{base}/api/v1/users"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"email": email, "display_name": "Crash"}))
                    .send()
                    .await;
                match sent {
                    Ok(res) if res.status() == StatusCode::CREATED => acknowledged.push(email),
                    Ok(res) => panic!("write refused: {}", res.status()),
                    Err(_) => break, // the server is gone
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.0.kill().unwrap(); // SIGKILL
    server.child.0.wait().unwrap();
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    assert!(acknowledged.len() > 20, "too few writes to mean anything");

    // Restart on the same file: it opens (migrations, pragmas), is intact, has every write.
    let db = roster::server::db::open(&url).await.expect("reopens");
    let pool = db.sqlite().unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    for email in &acknowledged {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(found, 1, "{email} acknowledged but lost");
    }
    let server = serve(&url).await;
    assert_eq!(
        reqwest::get(format!("{}/readyz", server.base))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

/// Fires a request that never gets its answer (it hangs on purpose) and does not wait for it.
fn fire_and_forget(server: &Server, path: &str) {
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    stream.flush().unwrap();
    std::mem::forget(stream);
}

/// SIGTERM ends the process within 30 s whatever a worker or a blocking task is doing: here one
/// runtime worker is blocked for an hour and a blocking task sleeps for an hour (issue 20).
#[tokio::test]
async fn sigterm_exits_within_30_seconds_with_a_stuck_worker_and_a_stuck_blocking_task() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("roster.db").display());
    let mut server = serve_with(&url, &[("ROSTER_TEST_HANGS", "1")]).await;
    fire_and_forget(&server, "/__test/hang-blocking");
    fire_and_forget(&server, "/__test/hang-worker");
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The other worker still serves. When the driver's own worker is the one that blocks, the
    // other sleeps until the watchdog's nudge wakes it (within a second; without the nudge it
    // slept for good and this test failed about one run in six). Each try is a new connection
    // with a deadline, so a failure is reported rather than waited for.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut served = None;
    for attempt in 1..=3 {
        match client.get(format!("{}/healthz", server.base)).send().await {
            Ok(res) => {
                served = Some(res.status());
                break;
            }
            Err(e) => eprintln!("healthz attempt {attempt} failed: {e}"),
        }
    }
    assert_eq!(
        served,
        Some(StatusCode::OK),
        "the other worker still serves"
    );

    let stopped = Instant::now();
    signal(&server, "TERM");
    let status = loop {
        if let Some(status) = server.child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(32),
            "still running {:?} after SIGTERM",
            stopped.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        stopped.elapsed() <= Duration::from_secs(30),
        "{:?}",
        stopped.elapsed()
    );
    assert!(status.code().is_some(), "exited, not killed: {status:?}");
}

/// A worker that stops making progress is noticed within the stall time: `/metrics` counts it
/// and `/readyz` answers 503, so an orchestrator replaces the process (issue 20).
#[tokio::test]
async fn a_stuck_worker_is_counted_in_metrics_and_fails_readiness() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("roster.db").display());
    let server = serve_with(
        &url,
        &[
            ("ROSTER_TEST_HANGS", "1"),
            ("ROSTER_WORKER_STALL_AFTER", "2s"),
        ],
    )
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let ready = client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    fire_and_forget(&server, "/__test/hang-worker");
    let started = Instant::now();
    // Past the stall time (2 s) and the watchdog's tick, no probe may say "ready" again. A
    // probe answers 503 `workers stalled`, or, when the stuck thread holds a task the others
    // cannot take (tokio's LIFO slot), goes unanswered for its 5 s: a failed probe either way,
    // as an orchestrator counts it.
    let mut noticed = false;
    while started.elapsed() < Duration::from_secs(15) {
        let asked = Instant::now();
        if let Ok(res) = client.get(format!("{}/readyz", server.base)).send().await {
            match res.status() {
                StatusCode::SERVICE_UNAVAILABLE => {
                    assert_eq!(res.text().await.unwrap(), "workers stalled");
                    noticed = true;
                    break;
                }
                status => assert!(
                    asked.duration_since(started) < Duration::from_secs(5),
                    "{status} from a probe sent {:?} after the worker stuck",
                    asked.duration_since(started)
                ),
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The gauge, when the scrape is answered (it may meet the stuck thread's task too).
    let scraped = match noticed {
        true => client
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .ok(),
        false => None,
    };
    if let Some(res) = scraped {
        let metrics = res.text().await.unwrap();
        let stalled: f64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix("runtime_workers_stalled "))
            .expect("the gauge is exported")
            .parse()
            .unwrap();
        assert!(stalled >= 1.0, "{metrics}");
    }
}

#[tokio::test]
async fn a_database_without_its_key_file_stops_roster_serve_and_keys_rotate_reseals() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("roster.db").display());
    let key = dir.path().join("secret.key");
    let key_text = key.to_str().unwrap();
    // The first start makes the key file (mode 0600) and records its key in the database.
    let server = serve_with(&db, &[("ROSTER_SECRET_KEY_FILE", key_text)]).await;
    drop(server);
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let run = |args: &[&str], key_file: &str| {
        Command::new(BIN)
            .args(args)
            .env("ROSTER_DATABASE_URL", &db)
            .env("ROSTER_SECRET_KEY_FILE", key_file)
            .env(
                "LEPTOS_SITE_ADDR",
                format!("127.0.0.1:{}", crate::common::free_port()),
            )
            .env("ROSTER_LOG", "warn")
            .output()
            .unwrap()
    };
    let rotated = run(&["keys", "rotate"], key_text);
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let said = String::from_utf8_lossy(&rotated.stdout);
    assert!(said.contains("data key k2 added"), "{said}");
    let signing = run(&["keys", "rotate-signing"], key_text);
    assert!(
        signing.status.success(),
        "{}",
        String::from_utf8_lossy(&signing.stderr)
    );
    let printed = String::from_utf8_lossy(&signing.stdout).to_string();
    assert_eq!(
        printed
            .lines()
            .filter(|l| l.starts_with("new signing key "))
            .count(),
        2,
        "one of each algorithm: {printed}"
    );
    assert_eq!(
        std::fs::read_to_string(&key)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with('k'))
            .count(),
        2
    );

    // The database copied elsewhere without its key file: a clear refusal, nothing served.
    let gone = dir.path().join("gone.key");
    let refused = run(&["serve"], gone.to_str().unwrap());
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("cannot decrypt stored secrets with") && message.contains("gone.key"),
        "{message}"
    );
    assert!(!gone.exists(), "no new key is made over sealed data");
}
