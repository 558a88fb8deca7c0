//! One statement for either backend: SQL text with `$1, $2, ...` placeholders (which SQLite
//! reads as numbered parameters too) and its values, bound on whichever pool or transaction
//! runs it. The stores build every statement this way, so one text serves both backends and
//! only the fragments that differ are chosen by [`Backend`].
//!
//! Values are carried as [`Arg`]: the few shapes Roster's columns have (integers, text,
//! booleans, bytes, each possibly NULL). Rows are decoded by `sqlx::FromRow` types that decode
//! on both backends ([`Row`]), single values by [`Scalar`] types.

use std::borrow::Cow;

use futures_util::{stream::BoxStream, StreamExt};
use sqlx::{
    postgres::{PgArguments, PgRow},
    sqlite::{SqliteArguments, SqliteRow},
    Arguments, Decode, FromRow, Postgres, Sqlite, Type,
};

use super::{Db, Ex};

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'q> {
    Int(Option<i64>),
    Text(Option<Cow<'q, str>>),
    Bool(bool),
    Bytes(Option<Cow<'q, [u8]>>),
}

macro_rules! arg_from {
    ($($ty:ty => |$v:ident| $make:expr),* $(,)?) => {$(
        impl<'q> From<$ty> for Arg<'q> {
            fn from($v: $ty) -> Self {
                $make
            }
        }
    )*};
}

arg_from!(
    i64 => |v| Arg::Int(Some(v)),
    Option<i64> => |v| Arg::Int(v),
    u32 => |v| Arg::Int(Some(i64::from(v))),
    i32 => |v| Arg::Int(Some(i64::from(v))),
    bool => |v| Arg::Bool(v),
    &'q str => |v| Arg::Text(Some(Cow::Borrowed(v))),
    &'q String => |v| Arg::Text(Some(Cow::Borrowed(v.as_str()))),
    String => |v| Arg::Text(Some(Cow::Owned(v))),
    Option<&'q str> => |v| Arg::Text(v.map(Cow::Borrowed)),
    Option<String> => |v| Arg::Text(v.map(Cow::Owned)),
    &'q [u8] => |v| Arg::Bytes(Some(Cow::Borrowed(v))),
    Vec<u8> => |v| Arg::Bytes(Some(Cow::Owned(v))),
    Option<&'q [u8]> => |v| Arg::Bytes(v.map(Cow::Borrowed)),
    crate::domain::Role => |v| Arg::Text(Some(Cow::Borrowed(v.as_str()))),
    crate::domain::AccountStatus => |v| Arg::Text(Some(Cow::Borrowed(v.as_str()))),
    crate::domain::Theme => |v| Arg::Text(Some(Cow::Borrowed(v.as_str()))),
    crate::domain::MailKind => |v| Arg::Text(Some(Cow::Borrowed(v.as_str()))),
    crate::domain::MailState => |v| Arg::Text(Some(Cow::Borrowed(v.as_str()))),
);

/// A row type both backends decode (`#[derive(sqlx::FromRow)]` over fields that do).
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// A single value both backends decode (`i64`, `String`, `bool`, `Option` of those, ...).
pub trait Scalar:
    Type<Sqlite>
    + for<'r> Decode<'r, Sqlite>
    + Type<Postgres>
    + for<'r> Decode<'r, Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: Type<Sqlite>
        + for<'r> Decode<'r, Sqlite>
        + Type<Postgres>
        + for<'r> Decode<'r, Postgres>
        + Send
        + Unpin
{
}

/// A statement and its values; see the module documentation.
#[derive(Debug, Clone)]
pub struct Query<'q> {
    sql: Cow<'q, str>,
    args: Vec<Arg<'q>>,
}

/// A statement of `sql`, whose `$n` placeholders take the values bound in order.
pub fn query<'q>(sql: impl Into<Cow<'q, str>>) -> Query<'q> {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

impl<'q> Query<'q> {
    /// Binds the next placeholder (`$1` first).
    pub fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Appends SQL text (never a value: those go through [`Query::push_bind`]).
    pub fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.to_mut().push_str(sql.as_ref());
        self
    }

    /// Appends the next placeholder (`$n`) and binds `value` to it.
    pub fn push_bind(&mut self, value: impl Into<Arg<'q>>) -> &mut Self {
        self.args.push(value.into());
        let n = self.args.len();
        self.sql.to_mut().push_str(&format!("${n}"));
        self
    }

    /// The SQL text so far.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Runs the statement; returns the number of rows it changed.
    pub async fn execute<'c>(self, ex: impl Into<Ex<'c>>) -> Result<u64, sqlx::Error> {
        let (sql, args) = (self.sql, self.args);
        on!(ex.into(), e: DB => {
            sqlx::query_with(&sql, args_of::<DB>(args)?)
                .execute(e)
                .await
                .map(|done| done.rows_affected())
        })
    }

    /// The first row, or `RowNotFound`.
    pub async fn fetch_one<'c, T: Row>(self, ex: impl Into<Ex<'c>>) -> Result<T, sqlx::Error> {
        let (sql, args) = (self.sql, self.args);
        on!(ex.into(), e: DB => {
            sqlx::query_as_with::<_, T, _>(&sql, args_of::<DB>(args)?)
                .fetch_one(e)
                .await
        })
    }

    /// The first row, if any.
    pub async fn fetch_optional<'c, T: Row>(
        self,
        ex: impl Into<Ex<'c>>,
    ) -> Result<Option<T>, sqlx::Error> {
        let (sql, args) = (self.sql, self.args);
        on!(ex.into(), e: DB => {
            sqlx::query_as_with::<_, T, _>(&sql, args_of::<DB>(args)?)
                .fetch_optional(e)
                .await
        })
    }

    /// Every row.
    pub async fn fetch_all<'c, T: Row>(self, ex: impl Into<Ex<'c>>) -> Result<Vec<T>, sqlx::Error> {
        let (sql, args) = (self.sql, self.args);
        on!(ex.into(), e: DB => {
            sqlx::query_as_with::<_, T, _>(&sql, args_of::<DB>(args)?)
                .fetch_all(e)
                .await
        })
    }

    /// The first column of the first row, or `RowNotFound`.
    pub async fn scalar<'c, T: Scalar>(self, ex: impl Into<Ex<'c>>) -> Result<T, sqlx::Error> {
        let (sql, args) = (self.sql, self.args);
        on!(ex.into(), e: DB => {
            sqlx::query_scalar_with::<_, T, _>(&sql, args_of::<DB>(args)?)
                .fetch_one(e)
                .await
        })
    }

    /// The first column of the first row, if there is a row.
    pub async fn scalar_optional<'c, T: Scalar>(
        self,
        ex: impl Into<Ex<'c>>,
    ) -> Result<Option<T>, sqlx::Error> {
        let (sql, args) = (self.sql, self.args);
        on!(ex.into(), e: DB => {
            sqlx::query_scalar_with::<_, T, _>(&sql, args_of::<DB>(args)?)
                .fetch_optional(e)
                .await
        })
    }

    /// The first column of every row.
    pub async fn scalars<'c, T: Scalar>(
        self,
        ex: impl Into<Ex<'c>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        let (sql, args) = (self.sql, self.args);
        on!(ex.into(), e: DB => {
            sqlx::query_scalar_with::<_, T, _>(&sql, args_of::<DB>(args)?)
                .fetch_all(e)
                .await
        })
    }

    /// The rows one at a time, read from `db` as they are consumed (never all in memory).
    pub fn fetch<'e, T: Row + 'e>(&'e self, db: &'e Db) -> BoxStream<'e, Result<T, sqlx::Error>> {
        let args = self.args.clone();
        match db {
            Db::Sqlite(pool) => match args_of::<Sqlite>(args) {
                Ok(args) => sqlx::query_as_with::<_, T, _>(&self.sql, args)
                    .fetch(pool)
                    .boxed(),
                Err(e) => futures_util::stream::once(async { Err(e) }).boxed(),
            },
            Db::Postgres(pool) => match args_of::<Postgres>(args) {
                Ok(args) => sqlx::query_as_with::<_, T, _>(&self.sql, args)
                    .fetch(pool)
                    .boxed(),
                Err(e) => futures_util::stream::once(async { Err(e) }).boxed(),
            },
        }
    }
}

/// The values as one backend's argument list.
fn args_of<'q, DB: BindAll<'q>>(args: Vec<Arg<'q>>) -> Result<DB::Args, sqlx::Error> {
    DB::bind_all(args).map_err(sqlx::Error::Encode)
}

/// Binding [`Arg`]s on one backend.
trait BindAll<'q> {
    type Args;
    fn bind_all(args: Vec<Arg<'q>>) -> Result<Self::Args, sqlx::error::BoxDynError>;
}

macro_rules! bind_all {
    ($db:ty, $args:ty) => {
        impl<'q> BindAll<'q> for $db {
            type Args = $args;
            fn bind_all(args: Vec<Arg<'q>>) -> Result<$args, sqlx::error::BoxDynError> {
                let mut out = <$args>::default();
                for arg in args {
                    match arg {
                        Arg::Int(v) => out.add(v)?,
                        Arg::Text(Some(Cow::Borrowed(v))) => out.add(v)?,
                        Arg::Text(Some(Cow::Owned(v))) => out.add(v)?,
                        Arg::Text(None) => out.add(None::<String>)?,
                        Arg::Bool(v) => out.add(v)?,
                        Arg::Bytes(Some(Cow::Borrowed(v))) => out.add(v)?,
                        Arg::Bytes(Some(Cow::Owned(v))) => out.add(v)?,
                        Arg::Bytes(None) => out.add(None::<Vec<u8>>)?,
                    }
                }
                Ok(out)
            }
        }
    };
}

bind_all!(Sqlite, SqliteArguments<'q>);
bind_all!(Postgres, PgArguments);
