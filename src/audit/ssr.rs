//! Writing audit events.

use axum::extract::ConnectInfo;
use serde_json::{Map, Value};
use sqlx::SqliteExecutor;

use super::AuditAction;
use crate::{
    error::{internal, AppError},
    server::db::now_unix,
};

/// Longest user agent kept, in characters; longer ones are cut (it is free text from the
/// client).
const MAX_USER_AGENT_CHARS: usize = 512;

/// Where a request came from: the peer's IP address and the `User-Agent` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The client of the request being handled (from Leptos context); empty outside a request.
    pub fn current() -> Self {
        let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() else {
            return Self::default();
        };
        Self::from_parts(&parts)
    }

    /// The client's IP address, parsed.
    pub fn ip_addr(&self) -> Option<std::net::IpAddr> {
        self.ip.as_deref().and_then(|ip| ip.parse().ok())
    }

    /// The client of a request, from its parts.
    pub fn from_parts(parts: &http::request::Parts) -> Self {
        let ip = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect());
        Self { ip, user_agent }
    }
}

/// The `/api/v1` call being handled: its request id, its client and, once the bearer token is
/// checked, the token's id. The API's middleware sets it for the request's task, so events that
/// the shared domain functions record while handling the call name the token as the means
/// (`"via": "api"`, `"token_id"`), and internal errors carry the request id.
#[derive(Debug)]
pub struct ApiCall {
    pub request_id: String,
    pub client: ClientInfo,
    pub token_id: std::sync::OnceLock<i64>,
}

tokio::task_local! {
    /// The API call of the current task, if it is handling one.
    pub static API_CALL: ApiCall;
}

/// The token of the API call being handled, if any.
pub fn api_token() -> Option<i64> {
    API_CALL
        .try_with(|call| call.token_id.get().copied())
        .ok()
        .flatten()
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: AuditAction,
    /// Who did it (`None`: anonymous).
    pub actor: Option<i64>,
    /// Whom it concerned.
    pub target: Option<i64>,
    pub client: ClientInfo,
    /// Details as a JSON object; never secrets.
    pub details: Map<String, Value>,
}

impl AuditEvent {
    /// An event by the current request's client, with no details yet.
    ///
    /// Inside an API call, the client is the call's and the details start with `"via": "api"`
    /// and the token's id.
    pub fn new(action: AuditAction, actor: Option<i64>, target: Option<i64>) -> Self {
        let mut details = Map::new();
        let api = API_CALL
            .try_with(|call| (call.client.clone(), call.token_id.get().copied()))
            .ok();
        let client = match api {
            Some((client, token_id)) => {
                details.insert("via".into(), "api".into());
                if let Some(id) = token_id {
                    details.insert("token_id".into(), id.into());
                }
                client
            }
            None => ClientInfo::current(),
        };
        Self {
            action,
            actor,
            target,
            client,
            details,
        }
    }

    /// Adds one detail.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }
}

/// Appends `event`, at the current time, through `db` (a pool, or the transaction of the change
/// it records, so that both are written or neither).
///
/// Errors: `Internal` when the database write fails.
pub async fn record(db: impl SqliteExecutor<'_>, event: &AuditEvent) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO audit_events \
         (occurred_at, actor_user_id, action, target_user_id, ip, user_agent, details) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(now_unix())
    .bind(event.actor)
    .bind(event.action.as_str())
    .bind(event.target)
    .bind(event.client.ip.as_deref())
    .bind(event.client.user_agent.as_deref())
    .bind(Value::Object(event.details.clone()).to_string())
    .execute(db)
    .await
    .map_err(internal)?;
    Ok(())
}
