//! The stores: all SQL on the users and profiles tables (and the tables that hang off them:
//! mailed links, known devices, the outbox), one named row type per shape
//! (lldap's `sql_user_backend_handler.rs` keeps its user SQL the same way). Features map these
//! rows to their own types. Functions that write more than one statement take the caller's
//! transaction (`&mut Tx`), so whether they join it is visible at the call. Every statement is
//! a `server::db::Query`, run on SQLite or PostgreSQL alike.

pub mod clients;
pub mod data_keys;
pub mod devices;
pub mod factors;
pub mod grants;
pub mod links;
pub mod outbox;
pub mod seed;
pub mod user_list;
pub mod users;

use sqlx::{error::BoxDynError, Decode, Postgres, Sqlite, Type};

use crate::domain::{AccountStatus, MailKind, MailState, Role, Theme};

/// Reads a domain enum back from its text name (`Role::as_str`, which is also how
/// `server::db::Arg` binds it) through its `parse`, on either backend, so rows carry typed
/// values and a value the domain does not know is a decode error, not a silent default (the
/// columns' CHECK constraints allow only known names anyway).
macro_rules! stored_as_text {
    ($($ty:ty),*) => {$(
        stored_as_text!(@on Sqlite, $ty);
        stored_as_text!(@on Postgres, $ty);
    )*};
    (@on $db:ty, $ty:ty) => {
        impl Type<$db> for $ty {
            fn type_info() -> <$db as sqlx::Database>::TypeInfo {
                <&str as Type<$db>>::type_info()
            }

            fn compatible(ty: &<$db as sqlx::Database>::TypeInfo) -> bool {
                <&str as Type<$db>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, $db> for $ty {
            fn decode(value: <$db as sqlx::Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<$db>>::decode(value)?;
                Ok(<$ty>::parse(text)?)
            }
        }
    };
}

stored_as_text!(Role, AccountStatus, Theme, MailKind, MailState);
