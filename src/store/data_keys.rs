//! The `data_keys` table and every sealed column: start-up proves the key file opens what the
//! database holds ([`check`]), and `roster keys rotate` seals everything again under a new key
//! ([`rotate`]). The sealing itself is `server::keyring`.

use crate::{
    error::{AppError, OrInternal},
    server::{
        db::{begin_write, query, Db},
        keyring::Keyring,
    },
};

/// The known text each key seals into its `data_keys` row.
const CHECK_TEXT: &[u8] = b"roster data key check";

/// Every sealed column as `(table, id column, sealed column)`; a value's context (its
/// associated data) is `"{table}.{column}:{id}"` ([`context`]).
pub const SEALED_COLUMNS: [(&str, &str, &str); 2] = [
    ("totp_factors", "user_id", "secret"),
    ("signing_keys", "id", "private_key"),
];

/// The context a value in `table.column` of row `id` is sealed for.
pub fn context(table: &str, column: &str, id: i64) -> String {
    format!("{table}.{column}:{id}")
}

fn check_context(key_id: &str) -> String {
    format!("data_keys.check_value:{key_id}")
}

/// Why the key file does not fit the database.
#[derive(Debug, thiserror::Error)]
pub enum KeyCheckError {
    #[error(
        "cannot decrypt stored secrets with {path}: the database was sealed with key {id:?}, \
         which this file does not hold. Restore the key file that belongs to this database \
         (it is kept beside the database, e.g. data/secret.key) or set ROSTER_SECRET_KEY_FILE"
    )]
    Missing { path: String, id: String },
    #[error(
        "cannot decrypt stored secrets with {path}: its key {id:?} is not the one this database \
         was sealed with. Restore the key file that belongs to this database or set \
         ROSTER_SECRET_KEY_FILE"
    )]
    Wrong { path: String, id: String },
    #[error(
        "cannot decrypt stored secrets with {path}: the file does not exist, but this database \
         holds secrets sealed with a data key. Restore the key file that belongs to this \
         database or set ROSTER_SECRET_KEY_FILE"
    )]
    NoFile { path: String },
    #[error("{0}")]
    File(String),
    #[error("cannot check the data keys: {0}")]
    Database(String),
}

/// The data keys for `db`: the key file at `path`, made there (one new key, mode 0600) when
/// it does not exist and the database has sealed nothing yet, then [`check`]ed.
///
/// Errors: `NoFile` when the file is missing while the database has sealed values; `File` for
/// a file that cannot be read or written; those of [`check`].
pub async fn open(db: &Db, path: &std::path::Path, now: i64) -> Result<Keyring, KeyCheckError> {
    let file_error = |e: crate::server::keyring::KeyError| KeyCheckError::File(e.to_string());
    let keyring = if path.exists() {
        Keyring::load(path).map_err(file_error)?
    } else if any(db)
        .await
        .map_err(|e| KeyCheckError::Database(e.to_string()))?
    {
        return Err(KeyCheckError::NoFile {
            path: path.display().to_string(),
        });
    } else {
        match Keyring::create(path) {
            Ok(made) => {
                tracing::info!(path = %path.display(), "data key file created: keep it with every backup");
                made
            }
            // Another node sharing the file made it a moment ago.
            Err(_) if path.exists() => Keyring::load(path).map_err(file_error)?,
            Err(e) => return Err(file_error(e)),
        }
    };
    check(db, &keyring, now).await?;
    Ok(keyring)
}

/// Whether the database holds any key check: a database that does has sealed values (or may
/// have), so a missing key file must stop start-up rather than be made anew.
///
/// Errors: `Internal` when the query fails.
pub async fn any(db: &Db) -> Result<bool, AppError> {
    query("SELECT EXISTS (SELECT 1 FROM data_keys)")
        .scalar(db)
        .await
        .or_internal()
}

/// Proves `keyring` opens what the database sealed: every key the database knows must be in
/// the file and open its check value; the file's keys the database does not know yet get a
/// check value now.
///
/// Errors: `Missing` when a key the database used is not in the file; `Wrong` when a key of
/// that id does not open its check value; `Database` when a query fails.
pub async fn check(db: &Db, keyring: &Keyring, now: i64) -> Result<(), KeyCheckError> {
    #[derive(sqlx::FromRow)]
    struct Stored {
        id: String,
        check_value: String,
    }
    let path = keyring.path().display().to_string();
    let stored: Vec<Stored> = query("SELECT id, check_value FROM data_keys ORDER BY id")
        .fetch_all(db)
        .await
        .map_err(|e| KeyCheckError::Database(e.to_string()))?;
    let held = keyring.ids();
    for row in &stored {
        if !held.contains(&row.id) {
            return Err(KeyCheckError::Missing {
                path,
                id: row.id.clone(),
            });
        }
        match keyring.open(&check_context(&row.id), &row.check_value) {
            Ok(text) if text == CHECK_TEXT => {}
            _ => {
                return Err(KeyCheckError::Wrong {
                    path,
                    id: row.id.clone(),
                })
            }
        }
    }
    for id in held
        .iter()
        .filter(|id| !stored.iter().any(|s| &s.id == *id))
    {
        record_key(db, keyring, id, now)
            .await
            .map_err(|e| KeyCheckError::Database(e.to_string()))?;
    }
    Ok(())
}

/// Writes the check value of the active key `id` (sealed under it).
async fn record_key(db: &Db, keyring: &Keyring, id: &str, now: i64) -> Result<(), sqlx::Error> {
    if keyring.active_id() != id {
        // Only the active key seals; an older key unknown to this database sealed nothing here.
        return Ok(());
    }
    query(
        "INSERT INTO data_keys (id, check_value, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(keyring.seal(&check_context(id), CHECK_TEXT))
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// The new key's id.
    pub key_id: String,
    /// Values sealed again under it.
    pub resealed: u64,
}

/// `roster keys rotate`: adds a key to the file (which then seals), records its check value
/// and seals every stored secret again under it, in one transaction (all or none). Older keys
/// stay in the file, so a backup made before still opens.
///
/// Errors: `Internal` when the key file cannot be written, a value does not open, or a query
/// fails (then the database is unchanged and the new key merely unused).
pub async fn rotate(db: &Db, keyring: &Keyring, now: i64) -> Result<Rotated, AppError> {
    let key_id = keyring
        .add_key()
        .map_err(|e| crate::error::internal(e.to_string()))?;
    let mut transaction = begin_write(db).await?;
    let tx = &mut transaction;
    query("INSERT INTO data_keys (id, check_value, created_at) VALUES ($1, $2, $3)")
        .bind(key_id.as_str())
        .bind(keyring.seal(&check_context(&key_id), CHECK_TEXT))
        .bind(now)
        .execute(&mut *tx)
        .await
        .or_internal()?;
    let mut resealed = 0;
    for (table, id_column, column) in SEALED_COLUMNS {
        #[derive(sqlx::FromRow)]
        struct Sealed {
            id: i64,
            value: String,
        }
        let rows: Vec<Sealed> = query(format!(
            "SELECT {id_column} AS id, {column} AS value FROM {table}"
        ))
        .fetch_all(&mut *tx)
        .await
        .or_internal()?;
        for row in rows {
            let place = context(table, column, row.id);
            let plain = keyring
                .open(&place, &row.value)
                .map_err(|e| crate::error::internal(e.to_string()))?;
            query(format!(
                "UPDATE {table} SET {column} = $1 WHERE {id_column} = $2"
            ))
            .bind(keyring.seal(&place, &plain))
            .bind(row.id)
            .execute(&mut *tx)
            .await
            .or_internal()?;
            resealed += 1;
        }
    }
    transaction.commit().await.or_internal()?;
    Ok(Rotated { key_id, resealed })
}
