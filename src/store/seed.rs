//! `roster seed --users N`: fake users for tests and benchmarks, made fast (one password hash
//! shared by all, inserts batched in transactions). Never run it on a real database.

use crate::server::db::{query, Db};
use crate::{
    domain::{Password, Role},
    error::{AppError, OrInternal},
    server::{db::begin_write, password},
};

/// The password of every seeded user.
pub const SEED_PASSWORD: &str = "seeded user password";

const FIRST: [&str; 20] = [
    "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kofi",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Yara",
];
const LAST: [&str; 20] = [
    "Almeida", "Brown", "Chen", "Dubois", "Eriksson", "Fischer", "García", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lopez", "Müller", "Novak", "Okafor", "Petrov", "Rossi", "Silva",
    "Tanaka", "Weber",
];

/// Rows written per transaction.
const BATCH: u64 = 2_000;

/// Adds `count` users (`seed-<n>@example.test`, display names like "Ada Brown 17", role
/// `user`, status `active`, created one minute apart going back from `now`) with the password
/// [`SEED_PASSWORD`]. Numbering continues after earlier seeds, so it can run again. Returns
/// the first and last number used.
///
/// The search index is merged afterwards ([`super::user_list::merge_search_index`]).
///
/// Errors: `Internal` when hashing or a database write fails.
pub async fn seed_users(pool: &Db, count: u64, now: i64) -> Result<(u64, u64), AppError> {
    let hash = password::hash(&Password::parse(SEED_PASSWORD).or_internal()?).await?;
    let start: i64 = query("SELECT COUNT(*) FROM users WHERE email LIKE 'seed-%@example.test'")
        .scalar(pool)
        .await
        .or_internal()?;
    let start = start as u64 + 1;
    let end = start + count;
    let mut n = start;
    while n < end {
        let mut tx = begin_write(pool).await?;
        for i in n..(n + BATCH).min(end) {
            let created = now - (i as i64) * 60;
            let email = format!("seed-{i}@example.test");
            let name = format!(
                "{} {} {i}",
                FIRST[(i % 20) as usize],
                LAST[((i / 20) % 20) as usize]
            );
            let user = super::users::NewUser {
                email: &email,
                password_hash: &hash.0,
                role: Role::User,
                must_change_password: false,
                display_name: &name,
            };
            let id = super::users::insert(&mut tx, &user, created)
                .await?
                .ok_or_else(|| crate::error::internal(format!("{email} exists already")))?;
            if i % 3 != 0 {
                super::users::record_login(&mut tx, id, created + 3600).await?;
            }
        }
        tx.commit().await.or_internal()?;
        n = (n + BATCH).min(end);
    }
    // A bulk load leaves the search index in dozens of segments; searches read them all.
    super::user_list::merge_search_index(pool).await?;
    Ok((start, end - 1))
}
