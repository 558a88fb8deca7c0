//! Mail's own feature: the delivery worker that sends what the outbox holds ([`delivery`]),
//! and the outbox as administrators read it (`/admin/outbox`: every mail, its state and text,
//! "Retry", "Send test mail"; [`service`] and [`api`]). Which mail is written when is each
//! feature's business (`auth::links`, `account`, `tokens`): they write to the outbox in the
//! transaction of the change itself (`store::outbox`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::domain::{MailKind, MailState};

/// Mails per page of `/admin/outbox`.
pub const PAGE_SIZE: u32 = 25;

/// The filters of `/admin/outbox`, all in the URL query: `address` (part of the recipient's
/// address), `state` (`pending`, `sent`, `failed`), `page`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxQuery {
    pub address: String,
    pub state: String,
    pub page: u32,
}

impl OutboxQuery {
    /// The filters from URL query parameters (`get` reads one); unknown states are ignored.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let address: String = get("address")
            .unwrap_or_default()
            .trim()
            .chars()
            .take(254)
            .collect();
        let state = get("state")
            .filter(|s| MailState::parse(s).is_ok())
            .unwrap_or_default();
        let page = get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
        Self {
            address,
            state,
            page,
        }
    }

    /// `/admin/outbox?...` for these filters.
    pub fn href(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if !self.address.is_empty() {
            query.append_pair("address", &self.address);
        }
        if !self.state.is_empty() {
            query.append_pair("state", &self.state);
        }
        if self.page > 1 {
            query.append_pair("page", &self.page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            crate::paths::ADMIN_OUTBOX.to_string()
        } else {
            format!("{}?{query}", crate::paths::ADMIN_OUTBOX)
        }
    }

    /// The same filters on page `page`.
    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }
}

/// One mail as `/admin/outbox` shows it; times in the viewer's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailView {
    pub id: i64,
    pub kind: MailKind,
    pub to: String,
    pub subject: String,
    /// The plain-text body; a link's secret is shown only to its recipient, and to everyone
    /// while no SMTP server is set (the outbox is then how links reach people).
    pub text: String,
    pub state: MailState,
    pub attempts: i64,
    pub created: String,
    /// When a pending mail is tried next; when a sent one went.
    pub when: Option<String>,
    pub last_error: Option<String>,
}

/// One page of the outbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub rows: Vec<MailView>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    /// Whether an SMTP server is configured (else nothing is sent).
    pub smtp: bool,
}
