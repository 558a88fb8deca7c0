//! Test helpers: spawn the real app on port 0 with a fresh database, and talk to it like a
//! browser would (cookies are handled by hand so tests can see and replay them).

#![allow(dead_code)]

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use leptos::config::LeptosOptions;
use reqwest::{header, redirect::Policy, Response, StatusCode};
use roster::server::db::{query, Db};
use roster::{
    app::build_router,
    server::{clock::ManualClock, Config},
};
use tempfile::TempDir;

pub mod postgres;

pub const PASSWORD: &str = "correct horse battery staple";
pub const COOKIE_NAME: &str = "__Host-roster_session";
pub const USER_AGENT: &str = "roster-tests/1.0";

pub struct TestApp {
    pub base: String,
    /// Where the app listens.
    pub addr: std::net::SocketAddr,
    pub pool: Db,
    /// The app's state (its caches, configuration).
    pub state: roster::server::AppState,
    pub client: reqwest::Client,
    /// The app's clock: it moves only when a test advances it.
    pub clock: ManualClock,
    /// The database the app serves (several nodes may share it: [`TestApp::another_node`]).
    pub database_url: String,
    _dir: TempDir,
    /// The test's own PostgreSQL database, dropped with the app (last, after the pool).
    _pg: Option<postgres::TestDatabase>,
}

/// Starts the app on 127.0.0.1:0 with an empty database: a SQLite file in a temporary
/// folder, or a database of its own on the PostgreSQL server of `ROSTER_TEST_POSTGRES_URL`
/// when that is set (`scripts/test` runs the suite both ways).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] on SQLite whatever the suite runs on, for what only SQLite has (its file,
/// pragmas, `roster backup`).
pub async fn spawn_sqlite_app() -> TestApp {
    let options = LeptosOptions::builder().output_name("roster").build();
    spawn_app_on(|_| {}, options, false).await
}

/// [`spawn_app`] with the configuration changed by `adjust` first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let options = LeptosOptions::builder().output_name("roster").build();
    spawn_app_serving(adjust, options).await
}

/// [`spawn_app_with`] serving the site of `options` (its `site_root` holds the static files).
pub async fn spawn_app_serving(
    adjust: impl FnOnce(&mut Config),
    options: LeptosOptions,
) -> TestApp {
    spawn_app_on(adjust, options, postgres::server_url().is_some()).await
}

async fn spawn_app_on(
    adjust: impl FnOnce(&mut Config),
    options: LeptosOptions,
    on_postgres: bool,
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = ManualClock::new();
    let pg = match on_postgres {
        true => Some(postgres::TestDatabase::new().await),
        false => None,
    };
    let database_url = match &pg {
        Some(pg) => pg.url.clone(),
        None => format!("sqlite://{}", dir.path().join("roster.db").display()),
    };
    let mut config = Config {
        database_url,
        clock: std::sync::Arc::new(clock.clone()),
        secret_key_file: dir.path().join("secret.key"),
        ..Config::default()
    };
    adjust(&mut config);
    let database_url = config.database_url.clone();
    let serving = roster::app::serve::Serving::from_config(&config).expect("TLS files load");
    let tls = serving.tls.is_some();
    let built = build_router(config, options).await.expect("app builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    // The very serving code of `roster serve`: its timers and limits apply in every test.
    tokio::spawn(roster::app::serve::serve_on(
        listener,
        built.router,
        serving,
        std::future::pending(),
    ));
    let scheme = if tls { "https" } else { "http" };
    TestApp {
        base: format!("{scheme}://{addr}"),
        addr,
        pool: built.state.pool().clone(),
        state: built.state.clone(),
        clock,
        client: reqwest::Client::builder()
            .redirect(Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .unwrap(),
        database_url,
        _dir: dir,
        _pg: pg,
    }
}

impl TestApp {
    /// A second node: an app of its own (its own throttles, caches, port), serving this one's
    /// database on this one's clock, with the configuration changed by `adjust`.
    pub async fn another_node(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let url = self.database_url.clone();
        let clock = self.clock.clone();
        let key_file = self.state.config().secret_key_file.clone();
        let options = LeptosOptions::builder().output_name("roster").build();
        let mut node = spawn_app_on(
            move |config| {
                config.database_url = url;
                config.clock = std::sync::Arc::new(clock);
                config.secret_key_file = key_file;
                adjust(config);
            },
            options,
            false,
        )
        .await;
        node.clock = self.clock.clone();
        node
    }
}

/// The value of the session cookie a response sets (`name=value`), if any.
pub fn session_cookie(res: &Response) -> Option<String> {
    set_cookie_header(res).map(|h| h.split(';').next().unwrap().trim().to_string())
}

/// The whole `Set-Cookie` header of the session cookie, if any.
pub fn set_cookie_header(res: &Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{COOKIE_NAME}=")))
        .map(str::to_string)
}

/// The sign-up form's fields.
pub fn sign_up_form<'a>(
    email: &'a str,
    display_name: &'a str,
    password: &'a str,
) -> [(&'static str, &'a str); 3] {
    [
        ("email", email),
        ("display_name", display_name),
        ("password", password),
    ]
}

pub fn location(res: &Response) -> Option<String> {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// POSTs a form to a server function as the browser's wasm does (no `Accept: text/html`).
    pub async fn call(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Response {
        let mut req = self
            .client
            .post(self.url(&format!("/fn/{endpoint}")))
            .form(form);
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    /// POSTs a form as a browser without JavaScript does: `Accept: text/html` and a `Referer`.
    pub async fn post_plain(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        referer: &str,
    ) -> Response {
        let mut req = self
            .client
            .post(self.url(&format!("/fn/{endpoint}")))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, self.url(referer))
            .form(form);
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    /// Calls `/api/v1{path}` with the bearer `token`, and `body` as JSON.
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, self.url(&format!("/api/v1{path}")))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    /// Sends the sign-up form (as the wasm does) and returns the raw response.
    pub async fn try_sign_up(&self, email: &str, display_name: &str, password: &str) -> Response {
        self.call(
            "sign_up",
            &sign_up_form(email, display_name, password),
            None,
        )
        .await
    }

    /// Signs up and returns the session cookie (`name=value`).
    pub async fn sign_up(&self, email: &str, display_name: &str) -> String {
        let res = self.try_sign_up(email, display_name, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "sign-up of {email} failed");
        session_cookie(&res).expect("sign-up sets a session cookie")
    }

    pub async fn log_in(&self, email: &str, password: &str, cookie: Option<&str>) -> Response {
        self.call(
            "log_in",
            &[("email", email), ("password", password)],
            cookie,
        )
        .await
    }

    /// The id of the user with this email.
    pub async fn user_id(&self, email: &str) -> i64 {
        query("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .scalar(&self.pool)
            .await
            .unwrap()
    }

    /// The display name of the first (in these tests usually the only) profile.
    pub async fn display_name(&self) -> String {
        query("SELECT display_name FROM profiles ORDER BY user_id LIMIT 1")
            .scalar(&self.pool)
            .await
            .unwrap()
    }

    /// Creates an administrator through the command line's code path (`roster admin create`)
    /// and signs them in; returns their session cookie.
    pub async fn with_admin(&self, email: &str) -> String {
        roster::admin::users::create_admin_from_cli(&self.state, email, "Ada Admin", PASSWORD, 0)
            .await
            .expect("admin created");
        let res = self.log_in(email, PASSWORD, None).await;
        assert_eq!(res.status(), StatusCode::OK);
        session_cookie(&res).unwrap()
    }

    /// Sends the new-token form of `/settings/tokens` (`scopes` by their form field, e.g.
    /// `profile_read`) and returns the raw response.
    pub async fn try_make_token(&self, cookie: &str, scopes: &[&str], expires: &str) -> Response {
        let mut form = vec![("name", "script"), ("expires", expires)];
        for s in scopes {
            form.push((s, "on"));
        }
        self.call("create_token", &form, Some(cookie)).await
    }

    /// Makes a personal access token with `scopes` on `/settings/tokens` and reads it back from
    /// the page's data, where it is shown once.
    pub async fn with_token(&self, cookie: &str, scopes: &[&str], expires: &str) -> String {
        let res = self.try_make_token(cookie, scopes, expires).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        let page: serde_json::Value = self
            .call("tokens", &[], Some(cookie))
            .await
            .json()
            .await
            .unwrap();
        page["new_token"].as_str().expect("shown once").to_string()
    }

    pub async fn count(&self, table: &str) -> i64 {
        query(format!("SELECT COUNT(*) FROM {table}"))
            .scalar(&self.pool)
            .await
            .unwrap()
    }
}

/// The body of a `problem+json` answer (RFC 9457) of `status`, with its request id checked (a
/// server-made UUID, the same as in the `x-request-id` header) and replaced by `<request-id>`,
/// so tests can compare the whole body.
pub async fn problem(res: Response, status: StatusCode) -> serde_json::Value {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let header_id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let mut body: serde_json::Value = res.json().await.unwrap();
    let id = body["request_id"]
        .as_str()
        .expect("a request id")
        .to_string();
    assert_eq!(id, header_id);
    assert!(uuid_shaped(&id), "{id}");
    body["request_id"] = "<request-id>".into();
    body
}

/// `8-4-4-4-12` lower-case hex digits.
fn uuid_shaped(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

/// The `roster` binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_roster");

/// A TCP port free on 127.0.0.1 at the moment of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process (a `roster serve`), killed and reaped when dropped.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `roster serve` process on a free port; killed when dropped.
pub struct Server {
    pub child: Killed,
    pub base: String,
}

pub async fn serve(database_url: &str) -> Server {
    serve_with(database_url, &[]).await
}

/// The data key file of the test server on `database_url`: beside a SQLite file, else in the
/// temp folder under a name made from the URL.
pub fn key_file_for(database_url: &str) -> std::path::PathBuf {
    match database_url.strip_prefix("sqlite://") {
        Some(file) => std::path::PathBuf::from(format!("{file}.key")),
        None => {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            database_url.hash(&mut h);
            std::env::temp_dir().join(format!("roster-test-{:016x}.key", h.finish()))
        }
    }
}

/// [`serve`] with extra environment variables (which win over the defaults above).
pub async fn serve_with(database_url: &str, env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let child = Command::new(BIN)
        .arg("serve")
        .env("ROSTER_DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "roster")
        .env("ROSTER_API_CALLS_PER_MINUTE", "1000000")
        .env("ROSTER_LOG", "warn")
        // One data key file per database (not data/secret.key in the checkout), so a server
        // started again on the same database finds its key.
        .env("ROSTER_SECRET_KEY_FILE", key_file_for(database_url))
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("roster serve starts");
    let server = Server {
        child: Killed(child),
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    // Each try with a deadline: one request must not wait longer than the whole start may.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    while client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
}

pub mod smtp;

/// A mail as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outboxed {
    pub id: i64,
    pub kind: String,
    pub body_text: String,
    pub state: String,
}

impl TestApp {
    /// The mails written to `to`, oldest first.
    pub async fn mails_to(&self, to: &str) -> Vec<Outboxed> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            kind: String,
            body_text: String,
            state: String,
        }
        let rows: Vec<Row> = query(
            "SELECT id, kind, body_text, state FROM outbox WHERE to_address = $1 ORDER BY id",
        )
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .unwrap();
        rows.into_iter()
            .map(|r| Outboxed {
                id: r.id,
                kind: r.kind,
                body_text: r.body_text,
                state: r.state,
            })
            .collect()
    }

    /// The newest mail of `kind` to `to`, waiting up to 5 s for it (some are written after the
    /// answer, by a task of their own).
    pub async fn wait_mail(&self, to: &str, kind: &str) -> Outboxed {
        let start = Instant::now();
        loop {
            if let Some(m) = self
                .mails_to(to)
                .await
                .into_iter()
                .rev()
                .find(|m| m.kind == kind)
            {
                return m;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "no {kind} mail to {to}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The link secret (`token=...`, 64 hex digits) in the newest mail of `kind` to `to`.
    pub async fn link_token(&self, to: &str, kind: &str) -> String {
        token_in(&self.wait_mail(to, kind).await.body_text)
    }
}

/// The link secret in a mail's text.
pub fn token_in(text: &str) -> String {
    let at = text.find("token=").expect("a link with a token") + "token=".len();
    text[at..at + 64].to_string()
}
