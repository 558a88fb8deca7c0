//! The stores: all SQL on the users and profiles tables, one named row type per shape
//! (lldap's `sql_user_backend_handler.rs` keeps its user SQL the same way). Features map these
//! rows to their own types. Functions that write more than one statement take the caller's
//! transaction (`&mut SqliteConnection`), so whether they join it is visible at the call.

pub mod seed;
pub mod user_list;
pub mod users;

use sqlx::{
    encode::IsNull,
    error::BoxDynError,
    sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef},
    Decode, Encode, Sqlite, Type,
};

use crate::domain::{AccountStatus, Role, Theme};

/// Stores a domain enum as its text name (`Role::as_str`) and reads it back through its
/// `parse`, so rows carry typed values and a value the domain does not know is a decode error,
/// not a silent default (the columns' CHECK constraints allow only known names anyway).
macro_rules! stored_as_text {
    ($($ty:ty),*) => {$(
        impl Type<Sqlite> for $ty {
            fn type_info() -> SqliteTypeInfo {
                <&str as Type<Sqlite>>::type_info()
            }

            fn compatible(ty: &SqliteTypeInfo) -> bool {
                <&str as Type<Sqlite>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Sqlite> for $ty {
            fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<Sqlite>>::decode(value)?;
                Ok(<$ty>::parse(text)?)
            }
        }

        impl<'q> Encode<'q, Sqlite> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut Vec<SqliteArgumentValue<'q>>,
            ) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Sqlite>>::encode(self.as_str(), buf)
            }
        }
    )*};
}

stored_as_text!(Role, AccountStatus, Theme);
