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
}

impl AuditAction {
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
        }
    }
}
