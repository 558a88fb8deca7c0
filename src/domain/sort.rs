use serde::{Deserialize, Serialize};

/// A column a list of users can be sorted by (the admin console's list; the store orders by
/// it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    Name,
    Email,
    Role,
    Status,
    #[default]
    Created,
    LastLogin,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Name,
        SortKey::Email,
        SortKey::Role,
        SortKey::Status,
        SortKey::Created,
        SortKey::LastLogin,
    ];

    /// The name used in the URL (`sort=`).
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Email => "email",
            SortKey::Role => "role",
            SortKey::Status => "status",
            SortKey::Created => "created",
            SortKey::LastLogin => "last_login",
        }
    }

    /// The key named `s` in a URL, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}
