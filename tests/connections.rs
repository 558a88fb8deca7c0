//! Connections as `roster serve` serves them (`shared/SECURITY.md`, Connections; issue 13):
//! clients that trickle or never finish their headers are cut off, idle keep-alive
//! connections too, and HTTPS is served by Roster itself (rustls, TLS 1.2+, HTTP/2 and
//! HTTP/1.1 by ALPN) with the same limits.

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use crate::common::{free_port, spawn_app_with, Killed, TestApp, BIN};
use roster::server::config::TlsFiles;
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpStream,
};

/// How long the tests let a connection take over its headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// Reads until the peer closes (EOF or reset); how long that took from `since`, or `None` if
/// it was still open after `limit`.
async fn closed_within(
    io: &mut (impl AsyncRead + Unpin),
    since: Instant,
    limit: Duration,
) -> Option<Duration> {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((since + limit).into(), io.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(since.elapsed()),
            Ok(Ok(_)) => continue, // a 408 or the like before the close
        }
    }
}

async fn app_with_timeout(tls: Option<TlsFiles>) -> TestApp {
    spawn_app_with(move |config| {
        config.header_read_timeout = HEADER_TIMEOUT;
        config.tls = tls;
    })
    .await
}

#[tokio::test]
async fn sixty_connections_that_never_finish_their_headers_are_all_closed() {
    let app = app_with_timeout(None).await;
    let started = Instant::now();
    let mut connections = Vec::new();
    for _ in 0..60 {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(b"GET /login HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await
            .unwrap();
        connections.push(stream);
    }
    for (i, stream) in connections.iter_mut().enumerate() {
        let took = closed_within(stream, started, Duration::from_secs(45)).await;
        assert!(took.is_some(), "connection {i} still open after 45 s");
    }
    // The server still serves.
    assert_eq!(
        app.get("/healthz", None).await.status(),
        reqwest::StatusCode::OK
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = app_with_timeout(None).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let idle_since = Instant::now();
    let took = closed_within(&mut stream, idle_since, Duration::from_secs(45)).await;
    assert!(took.is_some(), "an idle connection stayed open");
}

/// A certificate for `localhost` and 127.0.0.1, written as PEM files in `dir`.
fn certificate(dir: &Path, name: &str) -> (TlsFiles, rcgen::CertifiedKey) {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let files = TlsFiles {
        cert: dir.join(format!("{name}.crt")),
        key: dir.join(format!("{name}.key")),
    };
    std::fs::write(&files.cert, made.cert.pem()).unwrap();
    std::fs::write(&files.key, made.key_pair.serialize_pem()).unwrap();
    (files, made)
}

/// A TLS client trusting `cert`, offering `alpn`, speaking only `versions`.
fn connector(
    cert: &rcgen::CertifiedKey,
    alpn: &[&[u8]],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn http1_get(io: &mut (impl AsyncRead + AsyncWrite + Unpin), path: &str) -> String {
    io.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let _ = io.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).to_string()
}

#[tokio::test]
async fn https_is_served_with_alpn_and_tls_1_2_or_later() {
    let dir = tempfile::tempdir().unwrap();
    let (files, cert) = certificate(dir.path(), "server");
    let app = app_with_timeout(Some(files)).await;
    assert!(app.base.starts_with("https://"));
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();

    // HTTP/2 when offered.
    let tcp = TcpStream::connect(app.addr).await.unwrap();
    let tls = connector(&cert, &[b"h2", b"http/1.1"], rustls::ALL_VERSIONS)
        .connect(name.clone(), tcp)
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));

    // HTTP/1.1, over TLS 1.2 alone too, with HSTS on the answer.
    for versions in [rustls::ALL_VERSIONS, &[&rustls::version::TLS12]] {
        let tcp = TcpStream::connect(app.addr).await.unwrap();
        let mut tls = connector(&cert, &[b"http/1.1"], versions)
            .connect(name.clone(), tcp)
            .await
            .unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
        let answer = http1_get(&mut tls, "/healthz").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("strict-transport-security: max-age=63072000"),
            "{answer}"
        );
        assert!(answer.ends_with("ok"), "{answer}");
    }
}

#[tokio::test]
async fn over_tls_a_stalled_handshake_and_unfinished_headers_are_cut_off_too() {
    let dir = tempfile::tempdir().unwrap();
    let (files, cert) = certificate(dir.path(), "server");
    let app = app_with_timeout(Some(files)).await;
    let started = Instant::now();

    // Connects and never says hello.
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    // Finishes the handshake, then trickles half a request.
    let tcp = TcpStream::connect(app.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut slow = connector(&cert, &[b"http/1.1"], rustls::ALL_VERSIONS)
        .connect(name, tcp)
        .await
        .unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();

    assert!(closed_within(&mut silent, started, Duration::from_secs(45))
        .await
        .is_some());
    assert!(closed_within(&mut slow, started, Duration::from_secs(45))
        .await
        .is_some());
}

#[tokio::test]
async fn bad_or_mismatched_tls_files_stop_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let (one, _) = certificate(dir.path(), "one");
    let (two, _) = certificate(dir.path(), "two");
    let check = |files: TlsFiles| {
        let config = roster::server::Config {
            tls: Some(files),
            ..Default::default()
        };
        match roster::app::serve::Serving::from_config(&config) {
            Ok(_) => panic!("accepted"),
            Err(message) => message,
        }
    };

    let mismatched = check(TlsFiles {
        cert: one.cert.clone(),
        key: two.key.clone(),
    });
    assert!(
        mismatched.contains("does not fit the certificate"),
        "{mismatched}"
    );
    let missing = check(TlsFiles {
        cert: dir.path().join("nope.crt"),
        key: one.key.clone(),
    });
    assert!(
        missing.contains("cannot read the TLS certificate file"),
        "{missing}"
    );
    let swapped = check(TlsFiles {
        cert: one.key.clone(),
        key: one.cert.clone(),
    });
    assert!(swapped.contains("holds no certificate"), "{swapped}");
}

fn roster_serve(dir: &Path, port: u16, files: &TlsFiles) -> std::process::Command {
    let mut command = std::process::Command::new(BIN);
    command
        .arg("serve")
        .env(
            "ROSTER_DATABASE_URL",
            format!("sqlite://{}", dir.join("roster.db").display()),
        )
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "roster")
        .env("ROSTER_TLS_CERT_FILE", &files.cert)
        .env("ROSTER_TLS_KEY_FILE", &files.key)
        .env("ROSTER_SECRET_KEY_FILE", dir.join("secret.key"))
        .env("ROSTER_LOG", "warn");
    command
}

/// A TLS connection to `port` trusting only `cert`, or the error.
async fn tls_to(
    port: u16,
    cert: &rcgen::CertifiedKey,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    connector(cert, &[b"http/1.1"], rustls::ALL_VERSIONS)
        .connect(name, tcp)
        .await
}

/// SIGHUP makes `roster serve` read its certificate and key again: new connections get the new
/// pair, a connection opened before goes on working (issue 13).
#[tokio::test]
async fn sighup_reads_the_certificate_again_without_dropping_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (files, first) = certificate(dir.path(), "server");
    let port = free_port();
    let process = Killed(
        roster_serve(dir.path(), port, &files)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    let mut open = loop {
        match tls_to(port, &first).await {
            Ok(tls) => break tls,
            Err(_) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("roster serve did not answer over TLS: {e}"),
        }
    };
    open.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = open.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));

    // A new pair in the same files, then SIGHUP.
    let (_, second) = certificate(dir.path(), "server");
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &process.0.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let reloaded = Instant::now();
    loop {
        if tls_to(port, &second).await.is_ok() {
            break;
        }
        assert!(
            reloaded.elapsed() < Duration::from_secs(10),
            "the new certificate was never served"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(tls_to(port, &first).await.is_err(), "the old one is gone");

    // The connection opened before the reload still answers.
    let answer = http1_get(&mut open, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn roster_serve_refuses_to_start_with_a_key_of_another_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (one, _) = certificate(dir.path(), "one");
    let (two, _) = certificate(dir.path(), "two");
    let files = TlsFiles {
        cert: one.cert,
        key: two.key,
    };
    let out = roster_serve(dir.path(), free_port(), &files)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not fit the certificate"), "{stderr}");
}
