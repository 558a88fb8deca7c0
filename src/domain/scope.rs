use serde::{Deserialize, Serialize};

/// What a personal access token may do. A call needs its operation's scope; the `users:*`
/// scopes also need the owner to be an active administrator at the time of the call, so a
/// demoted administrator's tokens lose them at once (`shared/SECURITY.md`, API tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// `profile:read`: read one's own profile and settings.
    ProfileRead,
    /// `profile:write`: change one's own profile and settings.
    ProfileWrite,
    /// `users:read`: list and read every user (administrators only).
    UsersRead,
    /// `users:write`: create, change and delete users (administrators only).
    UsersWrite,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::ProfileRead,
        Scope::ProfileWrite,
        Scope::UsersRead,
        Scope::UsersWrite,
    ];

    /// The scope's name as tokens, the OpenAPI document and errors spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ProfileRead => "profile:read",
            Scope::ProfileWrite => "profile:write",
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
        }
    }

    /// Parses a scope name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Parses a stored, space-separated list, skipping names it does not know.
    pub fn parse_list(stored: &str) -> Vec<Self> {
        stored.split_whitespace().filter_map(Self::parse).collect()
    }

    /// The space-separated list as stored.
    pub fn list(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Only an administrator may hold (and use) this scope.
    pub fn admin_only(self) -> bool {
        matches!(self, Scope::UsersRead | Scope::UsersWrite)
    }

    /// The form field of the scope's checkbox on `/settings/tokens`.
    pub fn field(self) -> &'static str {
        match self {
            Scope::ProfileRead => "profile_read",
            Scope::ProfileWrite => "profile_write",
            Scope::UsersRead => "users_read",
            Scope::UsersWrite => "users_write",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_by_name_and_as_a_list() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("users:admin"), None);
        assert!(Scope::UsersWrite.admin_only() && !Scope::ProfileWrite.admin_only());
        let stored = Scope::list(&[Scope::ProfileRead, Scope::UsersWrite]);
        assert_eq!(stored, "profile:read users:write");
        assert_eq!(
            Scope::parse_list(&format!("{stored} junk")),
            vec![Scope::ProfileRead, Scope::UsersWrite]
        );
    }
}
