//! The audit trail: an append-only record of security events (sign-ups, logins, logouts) and,
//! later, of administrators' changes (`shared/SECURITY.md`, Errors and logs; OWASP ASVS 4.0.3
//! V7.1, V7.2).

#[cfg(feature = "ssr")]
pub mod ssr;

/// What happened, as stored in `audit_events.action`. Names are stable: filters and reports
/// rely on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    AccountCreated,
    LoginSucceeded,
    LoginFailed,
    Logout,
    PasswordChanged,
    SessionEnded,
    AccountDeleted,
    UserCreated,
    UserUpdated,
    PasswordReset,
    UserDeleted,
    ProfileUpdated,
    TokenCreated,
    TokenRevoked,
}

impl AuditAction {
    /// Every action, in the order the audit filter lists them.
    pub const ALL: [AuditAction; 14] = [
        AuditAction::AccountCreated,
        AuditAction::LoginSucceeded,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::PasswordChanged,
        AuditAction::SessionEnded,
        AuditAction::AccountDeleted,
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::PasswordReset,
        AuditAction::UserDeleted,
        AuditAction::ProfileUpdated,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AccountCreated => "account.created",
            AuditAction::LoginSucceeded => "login.succeeded",
            AuditAction::LoginFailed => "login.failed",
            AuditAction::Logout => "logout",
            AuditAction::PasswordChanged => "password.changed",
            AuditAction::SessionEnded => "session.ended",
            AuditAction::AccountDeleted => "account.deleted",
            AuditAction::UserCreated => "user.created",
            AuditAction::UserUpdated => "user.updated",
            AuditAction::PasswordReset => "user.password_reset",
            AuditAction::UserDeleted => "user.deleted",
            AuditAction::ProfileUpdated => "profile.updated",
            AuditAction::TokenCreated => "token.created",
            AuditAction::TokenRevoked => "token.revoked",
        }
    }
}
