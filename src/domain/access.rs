use serde::{Deserialize, Serialize};

/// What an account may do: `user` (own profile and settings) or `admin` (everyone's, through
/// the admin console). Stored in `users.role`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    User,
    Admin,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::User, Role::Admin];

    /// Parses the stored or submitted name (`user`, `admin`).
    ///
    /// Errors (a `Refusal`): any other text.
    pub fn parse(input: &str) -> Result<Self, super::Refusal> {
        match input.trim() {
            "user" => Ok(Role::User),
            "admin" => Ok(Role::Admin),
            _ => Err(super::Refusal::ChooseRole),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }
}

/// Whether an account may sign in: `active`, or `disabled` (sign-in refused, sessions ended).
/// Stored in `users.status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    #[default]
    Active,
    Disabled,
}

impl AccountStatus {
    pub const ALL: [AccountStatus; 2] = [AccountStatus::Active, AccountStatus::Disabled];

    /// Parses the stored or submitted name (`active`, `disabled`).
    ///
    /// Errors (a `Refusal`): any other text.
    pub fn parse(input: &str) -> Result<Self, super::Refusal> {
        match input.trim() {
            "active" => Ok(AccountStatus::Active),
            "disabled" => Ok(AccountStatus::Disabled),
            _ => Err(super::Refusal::ChooseStatus),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_statuses_round_trip_and_refuse_junk() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        for status in AccountStatus::ALL {
            assert_eq!(AccountStatus::parse(status.as_str()), Ok(status));
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::parse("Admin").is_err());
        assert!(AccountStatus::parse("").is_err());
    }

    /// The JSON names are the stored names (the API and the browser read them).
    #[cfg(feature = "ssr")]
    #[test]
    fn json_names_are_the_stored_names() {
        for role in Role::ALL {
            assert_eq!(serde_json_name(&role), role.as_str());
        }
        for status in AccountStatus::ALL {
            assert_eq!(serde_json_name(&status), status.as_str());
        }
    }

    #[cfg(feature = "ssr")]
    fn serde_json_name<T: serde::Serialize>(value: &T) -> String {
        serde_json::to_value(value)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }
}
