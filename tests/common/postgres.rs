//! A database of its own on a PostgreSQL server for each test, when the suite runs on
//! PostgreSQL (`ROSTER_TEST_POSTGRES_URL`, a URL whose user may create databases; `scripts/test`
//! starts a throw-away cluster and sets it). Each is a copy of a template migrated once per
//! schema (`CREATE DATABASE ... TEMPLATE`, far faster than migrating every time) and is
//! dropped when the test's app is.

use std::sync::atomic::{AtomicU32, Ordering};

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};

/// The server the suite runs on, if PostgreSQL.
pub fn server_url() -> Option<String> {
    std::env::var("ROSTER_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// `server`'s URL naming database `name` instead.
pub fn database_url(server: &str, name: &str) -> String {
    let mut url = reqwest::Url::parse(server).expect("ROSTER_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The template's name: one per content of `migrations/postgres`, so a server kept between runs
/// never hands out a stale schema.
fn template_name() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("migrations/postgres")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        hash.update(std::fs::read(file).unwrap());
    }
    let digest = hash.finalize();
    format!(
        "roster_template_{:x}",
        u64::from_be_bytes(digest[..8].try_into().unwrap())
    )
}

/// Makes the template once (any process may be first: an advisory lock orders them).
async fn template(server: &str) -> String {
    static DONE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DONE.get_or_init(|| async {
        let name = template_name();
        let mut admin = PgConnection::connect(server)
            .await
            .expect("connects to PostgreSQL");
        sqlx::query("SELECT pg_advisory_lock(7411)")
            .execute(&mut admin)
            .await
            .unwrap();
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&name)
                .fetch_one(&mut admin)
                .await
                .unwrap();
        if !exists {
            let building = format!("{name}_building");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .unwrap();
            sqlx::query(&format!(
                "CREATE DATABASE {building} ENCODING 'UTF8' TEMPLATE template0"
            ))
            .execute(&mut admin)
            .await
            .unwrap();
            let db = roster::server::db::open(&database_url(server, &building))
                .await
                .expect("the template migrates");
            db.close().await;
            sqlx::query(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        sqlx::query("SELECT pg_advisory_unlock(7411)")
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.ok();
        name
    })
    .await
    .clone()
}

/// One test's database; dropped (with its connections) when this is.
pub struct TestDatabase {
    server: String,
    name: String,
    /// The URL the app connects to.
    pub url: String,
}

impl TestDatabase {
    /// A fresh copy of the migrated template.
    pub async fn new() -> Self {
        let server = server_url().expect("ROSTER_TEST_POSTGRES_URL");
        let template = template(&server).await;
        Self::copy_of(server, &template).await
    }

    /// A database with no tables yet (a copy of `template0`).
    pub async fn empty() -> Self {
        let server = server_url().expect("ROSTER_TEST_POSTGRES_URL");
        Self::copy_of(server, "template0").await
    }

    async fn copy_of(server: String, template: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "roster_t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(&server)
            .await
            .expect("connects to PostgreSQL");
        // Copies of one template are made one at a time by the server; a copy made while
        // another session reads the template waits, so retry briefly.
        let mut tries = 0;
        loop {
            let made = sqlx::query(&format!(
                "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE {template}"
            ))
            .execute(&mut admin)
            .await;
            match made {
                Ok(_) => break,
                Err(e) if tries < 50 && e.to_string().contains("being accessed") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("CREATE DATABASE {name}: {e}"),
            }
        }
        admin.close().await.ok();
        Self {
            url: database_url(&server, &name),
            server,
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let mut admin = PgConnection::connect(&server).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}
