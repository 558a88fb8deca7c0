//! The audit trail: an append-only record of security events (sign-ups, logins, logouts) and
//! of administrators' changes (`shared/SECURITY.md`, Errors and logs; OWASP ASVS 4.0.3 V7.1,
//! V7.2): writing events ([`ssr`]), and reading them back ([`query`], for `/admin/audit` and a
//! person's own data export) with the filter and page types the audit page uses.

#[cfg(feature = "ssr")]
pub mod query;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// Events per page of `/admin/audit`.
pub const PAGE_SIZE: u32 = 50;

/// Longest filter text kept, in characters.
pub const MAX_FILTER_CHARS: usize = 100;

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
    EmailVerified,
    VerificationSent,
    EmailChangeRequested,
    EmailChanged,
    PasswordResetRequested,
    PasswordResetByLink,
    ResetLinkSent,
    MailRetried,
    TestMailSent,
    SecondFactorAdded,
    SecondFactorRemoved,
    RecoveryCodesRegenerated,
    RecoveryCodeUsed,
    SecondFactorFailed,
    SecondFactorReset,
    ClientCreated,
    ClientAuthorized,
    ClientDenied,
    OidcTokenIssued,
    OidcGrantRevoked,
    ClientChanged,
}

impl AuditAction {
    /// Every action, in the order the audit filter lists them.
    pub const ALL: [AuditAction; 35] = [
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
        AuditAction::EmailVerified,
        AuditAction::VerificationSent,
        AuditAction::EmailChangeRequested,
        AuditAction::EmailChanged,
        AuditAction::PasswordResetRequested,
        AuditAction::PasswordResetByLink,
        AuditAction::ResetLinkSent,
        AuditAction::MailRetried,
        AuditAction::TestMailSent,
        AuditAction::SecondFactorAdded,
        AuditAction::SecondFactorRemoved,
        AuditAction::RecoveryCodesRegenerated,
        AuditAction::RecoveryCodeUsed,
        AuditAction::SecondFactorFailed,
        AuditAction::SecondFactorReset,
        AuditAction::ClientCreated,
        AuditAction::ClientAuthorized,
        AuditAction::ClientDenied,
        AuditAction::OidcTokenIssued,
        AuditAction::OidcGrantRevoked,
        AuditAction::ClientChanged,
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
            AuditAction::EmailVerified => "email.verified",
            AuditAction::VerificationSent => "email.verification_sent",
            AuditAction::EmailChangeRequested => "email.change_requested",
            AuditAction::EmailChanged => "email.changed",
            AuditAction::PasswordResetRequested => "password.reset_requested",
            AuditAction::PasswordResetByLink => "password.reset",
            AuditAction::ResetLinkSent => "user.reset_link_sent",
            AuditAction::MailRetried => "mail.retried",
            AuditAction::TestMailSent => "mail.test_sent",
            AuditAction::SecondFactorAdded => "second_factor.added",
            AuditAction::SecondFactorRemoved => "second_factor.removed",
            AuditAction::RecoveryCodesRegenerated => "recovery_codes.regenerated",
            AuditAction::RecoveryCodeUsed => "recovery_code.used",
            AuditAction::SecondFactorFailed => "login.second_factor_failed",
            AuditAction::SecondFactorReset => "user.second_factor_reset",
            AuditAction::ClientCreated => "oidc.client_created",
            AuditAction::ClientAuthorized => "oidc.authorized",
            AuditAction::ClientDenied => "oidc.denied",
            AuditAction::OidcTokenIssued => "oidc.token_issued",
            AuditAction::OidcGrantRevoked => "oidc.grant_revoked",
            AuditAction::ClientChanged => "oidc.client_changed",
        }
    }
}

/// The filters of `/admin/audit`, all in the URL query (`actor`, `action`, `target`, `from`,
/// `to`, `page`). `actor` and `target` are an email or a user id; `from` and `to` are dates
/// (`YYYY-MM-DD`, UTC, both days included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub from: String,
    pub to: String,
    /// 1-based page number.
    pub page: u32,
}

impl AuditQuery {
    /// Reads the filters from URL query parameters (`get(name)`); junk becomes "no filter".
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |name: &str| -> String {
            get(name)
                .unwrap_or_default()
                .trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_FILTER_CHARS)
                .collect()
        };
        Self {
            actor: text("actor"),
            action: text("action"),
            target: text("target"),
            from: text("from"),
            to: text("to"),
            page: get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    }

    /// `/admin/audit?...` for these filters.
    pub fn href(&self) -> String {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                url.append_pair(name, value);
            }
        }
        if self.page > 1 {
            url.append_pair("page", &self.page.to_string());
        }
        format!("{}?{}", crate::paths::ADMIN_AUDIT, url.finish())
    }

    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }
}

/// One audit event as `/admin/audit` shows it; time in the administrator's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub occurred: String,
    /// The actor's email, `#id` for a deleted account, or "—" (an anonymous caller, or the
    /// command line).
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    /// The details object as JSON text.
    pub details: String,
}

/// One page of audit events, newest first, with the total that matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    /// Every action name, for the filter.
    pub actions: Vec<String>,
}
