//! The stores: all SQL on the users and profiles tables, one named row type per shape
//! (lldap's `sql_user_backend_handler.rs` keeps its user SQL the same way). Features map these
//! rows to their own types. Functions that write more than one statement take the caller's
//! transaction (`&mut SqliteConnection`), so whether they join it is visible at the call.

pub mod seed;
pub mod user_list;
pub mod users;
