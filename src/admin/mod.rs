//! The admin console: `/admin/users` (list, search, filter, sort, page), `/admin/users/new`,
//! `/admin/users/{id}` (edit, sign out everywhere, reset password, delete), export, import and
//! `/admin/audit`. Every service takes an [`Admin`](crate::auth::Admin) capability, so only an
//! active administrator (or the operator at the command line) reaches them.

pub mod api;
pub mod audit_page;
pub mod clients;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod import;
pub mod import_page;
#[cfg(feature = "ssr")]
pub mod list;
pub mod outbox;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod users;

use serde::{Deserialize, Serialize};

pub use crate::domain::SortKey;
use crate::{
    domain::{AccountStatus, DisplayName, Email, Password, Role},
    error::FieldErrors,
    paths,
    profiles::{ProfileChange, ProfileChangeText},
};

/// Rows per page of the user list.
pub const PAGE_SIZE: u32 = 50;

/// Longest search text kept, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;

/// The state of the user list, all of it in the URL query (`q`, `role`, `status`, `sort`,
/// `dir`, `page`) so links, reloads and the back button work, with or without JavaScript.
/// Anything unreadable in the URL falls back to its default rather than failing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserListQuery {
    /// Search text, matched case-insensitively as a substring of email or display name (by
    /// the `user_search` trigram index from 3 characters on; shorter text by a scan, ASCII case).
    pub q: String,
    pub role: Option<Role>,
    pub status: Option<AccountStatus>,
    /// Only confirmed (`verified=yes`) or unconfirmed (`verified=no`) addresses.
    pub verified: Option<bool>,
    /// Only people with (`two_factor=yes`) or without (`two_factor=no`) a second factor.
    pub two_factor: Option<bool>,
    pub sort: SortKey,
    /// Descending order (`dir=desc`); the default for `created` is newest first.
    pub desc: bool,
    /// 1-based page number.
    pub page: u32,
}

impl UserListQuery {
    /// Reads the list state from URL query parameters (`get(name)`).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let q: String = get("q")
            .unwrap_or_default()
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_SEARCH_CHARS)
            .collect();
        let sort = get("sort")
            .and_then(|s| SortKey::parse(&s))
            .unwrap_or_default();
        let desc = match get("dir").as_deref() {
            Some("asc") => false,
            Some("desc") => true,
            _ => sort == SortKey::Created,
        };
        Self {
            q,
            role: get("role").and_then(|r| Role::parse(&r).ok()),
            status: get("status").and_then(|s| AccountStatus::parse(&s).ok()),
            verified: match get("verified").as_deref() {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            },
            two_factor: match get("two_factor").as_deref() {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            },
            sort,
            desc,
            page: get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    }

    /// Which users the store lets through for this state.
    #[cfg(feature = "ssr")]
    pub fn filter(&self) -> crate::store::user_list::ListFilter {
        crate::store::user_list::ListFilter {
            q: self.q.clone(),
            role: self.role,
            status: self.status,
            verified: self.verified,
            two_factor: self.two_factor,
        }
    }

    /// The store's order for this state.
    #[cfg(feature = "ssr")]
    pub fn order(&self) -> crate::store::user_list::ListOrder {
        crate::store::user_list::ListOrder {
            column: self.sort,
            desc: self.desc,
        }
    }

    /// `/admin/users?...` for this state.
    pub fn href(&self) -> String {
        self.href_at(paths::ADMIN_USERS)
    }

    /// The export of this (whole, every page) list as CSV (`/admin/users/export.csv?...`) or
    /// JSON.
    pub fn export_href(&self, json: bool) -> String {
        let path = if json {
            paths::ADMIN_EXPORT_JSON
        } else {
            paths::ADMIN_EXPORT_CSV
        };
        self.on_page(1).href_at(path)
    }

    fn href_at(&self, path: &str) -> String {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            url.append_pair("q", &self.q);
        }
        if let Some(role) = self.role {
            url.append_pair("role", role.as_str());
        }
        if let Some(status) = self.status {
            url.append_pair("status", status.as_str());
        }
        if let Some(verified) = self.verified {
            url.append_pair("verified", if verified { "yes" } else { "no" });
        }
        if let Some(two_factor) = self.two_factor {
            url.append_pair("two_factor", if two_factor { "yes" } else { "no" });
        }
        url.append_pair("sort", self.sort.as_str());
        url.append_pair("dir", if self.desc { "desc" } else { "asc" });
        if self.page > 1 {
            url.append_pair("page", &self.page.to_string());
        }
        format!("{path}?{}", url.finish())
    }

    /// The same list on page `page`.
    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }

    /// The list sorted by `key`: ascending first, descending when it already is ascending by it.
    pub fn sorted_by(&self, key: SortKey) -> Self {
        Self {
            sort: key,
            desc: self.sort == key && !self.desc,
            page: 1,
            ..self.clone()
        }
    }
}

/// One row of the user list; times in the administrator's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub status: AccountStatus,
    pub created: String,
    pub last_login: Option<String>,
    /// The address is confirmed.
    pub verified: bool,
    /// The person has a second factor.
    pub two_factor: bool,
}

/// One page of the user list with the total that matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub rows: Vec<UserRow>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
}

/// One user as `/admin/users/{id}` shows and edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
    pub role: Role,
    pub status: AccountStatus,
    pub created: String,
    pub last_login: Option<String>,
    pub active_sessions: i64,
    pub must_change_password: bool,
    /// The address is confirmed.
    pub verified: bool,
    /// The person has a second factor (authenticator app or passkey).
    pub two_factor: bool,
    /// Right after "Reset password": the one-time password, shown this once.
    pub one_time_password: Option<String>,
    /// The administrator is looking at their own account (role, status and delete are locked).
    pub is_self: bool,
}

/// The admin's edit form as submitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserEditForm {
    pub id: i64,
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
    pub role: String,
    pub status: String,
}

/// A change to a user by an administrator: each field present changes (the edit form sends
/// every field, `PATCH /api/v1/users/{id}` some).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    pub profile: ProfileChange,
    pub role: Option<Role>,
    pub status: Option<AccountStatus>,
}

/// The fields of a user change as sent, each optional (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChangeText<'a> {
    pub profile: ProfileChangeText<'a>,
    pub role: Option<&'a str>,
    pub status: Option<&'a str>,
}

impl UserChangeText<'_> {
    /// The profile fields' rules (as for the person's own profile), plus role and status.
    ///
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<UserChange, FieldErrors> {
        let profile = self.profile.parse();
        let mut errors = profile.clone().err().unwrap_or_default();
        let role = self.role.and_then(|r| errors.check("role", Role::parse(r)));
        let status = self
            .status
            .and_then(|s| errors.check("status", AccountStatus::parse(s)));
        errors.into_result(|| UserChange {
            profile: profile.unwrap_or_default(),
            role,
            status,
        })
    }
}

impl UserEditForm {
    /// The same field rules as the person's own profile form, plus role and status.
    ///
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<UserChange, FieldErrors> {
        UserChangeText {
            profile: ProfileChangeText {
                display_name: Some(&self.display_name),
                bio: Some(&self.bio),
                location: Some(&self.location),
                website: Some(&self.website),
                ..Default::default()
            },
            role: Some(&self.role),
            status: Some(&self.status),
        }
        .parse()
    }
}

/// The admin's new-user form as submitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewUserForm {
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

/// A new user that passed every field rule.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    pub password: Password,
}

impl NewUser {
    /// The row to insert for this user with password hash `hash`.
    #[cfg(feature = "ssr")]
    pub fn row<'a>(
        &'a self,
        hash: &'a crate::server::password::PasswordHashString,
    ) -> crate::store::users::NewUser<'a> {
        crate::store::users::NewUser {
            email: self.email.as_str(),
            password_hash: &hash.0,
            role: self.role,
            must_change_password: false,
            display_name: self.display_name.as_str(),
        }
    }
}

impl NewUserForm {
    /// The same rules as sign-up, plus the role.
    ///
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<NewUser, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(&self.email));
        let display_name = errors.check("display_name", DisplayName::parse(&self.display_name));
        let role = errors.check("role", Role::parse(&self.role));
        let password = errors.check("password", Password::parse(&self.password));
        match (email, display_name, role, password) {
            (Some(email), Some(display_name), Some(role), Some(password)) if errors.is_empty() => {
                Ok(NewUser {
                    email,
                    display_name,
                    role,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Most rows one import takes (the form body is capped at 64 KiB anyway).
pub const MAX_IMPORT_ROWS: usize = 1000;

/// What an import found, or did: the rows that are ready and every bad row by its line number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// `(line, email, display name, role)` of each good row.
    pub ready: Vec<(u64, String, String, Role)>,
    /// `(line, what is wrong)` of each bad row.
    pub problems: Vec<(u64, ImportProblem)>,
    /// How many users were created: `None` for a preview (dry run), which writes nothing.
    pub imported: Option<usize>,
}

/// What is wrong with one row of an import; `Display` gives the English, the import page words
/// it in its own language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ImportProblem {
    #[error("This line is not valid CSV.")]
    NotCsv,
    /// The first row past [`MAX_IMPORT_ROWS`]; the check stops there.
    #[error("More than {max} rows; split the file.")]
    TooManyRows { max: usize },
    /// A row without two or three fields.
    #[error("Expected: email, display name, role.")]
    Columns,
    /// What the account rules refuse in the row's email, display name and role, in that order.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<crate::domain::Refusal>),
    /// An email an earlier line of the file has.
    #[error("{email} repeats line {first}.")]
    Repeats { email: String, first: u64 },
    /// An email an account has.
    #[error("An account with {email} already exists.")]
    Exists { email: String },
}

/// The last import of this administrator's session: the CSV as sent and its report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportState {
    pub csv: String,
    pub report: Option<ImportReport>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn query(pairs: &[(&str, &str)]) -> UserListQuery {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        UserListQuery::from_params(|k| map.get(k).cloned())
    }

    #[test]
    fn list_state_round_trips_through_the_url() {
        let state = query(&[
            ("q", " ann "),
            ("role", "admin"),
            ("status", "disabled"),
            ("sort", "email"),
            ("dir", "asc"),
            ("page", "3"),
        ]);
        assert_eq!(state.q, "ann");
        assert_eq!(state.role, Some(Role::Admin));
        assert_eq!(state.page, 3);
        let href = state.href();
        let parsed = url::Url::parse(&format!("http://x{href}")).unwrap();
        let again = UserListQuery::from_params(|k| {
            parsed
                .query_pairs()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.into_owned())
        });
        assert_eq!(again, state);
    }

    #[test]
    fn junk_in_the_url_falls_back_to_defaults() {
        let state = query(&[("role", "root"), ("sort", "password_hash"), ("page", "-1")]);
        assert_eq!(
            state,
            UserListQuery {
                page: 1,
                desc: true,
                ..Default::default()
            }
        );
    }

    #[test]
    fn sorting_by_the_same_column_again_flips_the_order() {
        let by_name = UserListQuery::default().sorted_by(SortKey::Name);
        assert!(!by_name.desc);
        assert!(by_name.sorted_by(SortKey::Name).desc);
        assert_eq!(by_name.on_page(4).sorted_by(SortKey::Email).page, 1);
    }

    #[test]
    fn edit_form_applies_profile_rules_and_role_and_status() {
        let errors = UserEditForm {
            display_name: "".into(),
            website: "ftp://x".into(),
            role: "root".into(),
            status: "gone".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        for field in ["display_name", "website", "role", "status"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }
}
