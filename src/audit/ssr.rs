//! Writing audit events.

use crate::server::db::{query, Ex};
use serde_json::{Map, Value};

use super::AuditAction;
use crate::{
    error::{AppError, OrInternal},
    request::{Client, RequestContext, Via},
};

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: AuditAction,
    /// Who did it (`None`: anonymous, or the command line).
    pub actor: Option<i64>,
    /// Whom it concerned.
    pub target: Option<i64>,
    pub client: Client,
    /// Details as a JSON object; never secrets.
    pub details: Map<String, Value>,
}

impl AuditEvent {
    /// An event of the request `ctx`, by its client. Through a personal access token the
    /// details start with `"via": "api"` and the token's id.
    pub fn new(
        action: AuditAction,
        actor: Option<i64>,
        target: Option<i64>,
        ctx: &RequestContext,
    ) -> Self {
        let mut details = Map::new();
        if let Via::Token(id) = ctx.via {
            details.insert("via".into(), "api".into());
            details.insert("token_id".into(), id.into());
        }
        Self {
            action,
            actor,
            target,
            client: ctx.client.clone(),
            details,
        }
    }

    /// Adds one detail.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }
}

/// Appends `event`, as happened at `now` (Unix seconds), through `db` (a pool, or the
/// transaction of the change it records, so that both are written or neither).
///
/// Errors: `Internal` when the database write fails.
pub async fn record(db: impl Into<Ex<'_>>, event: &AuditEvent, now: i64) -> Result<(), AppError> {
    query(
        "INSERT INTO audit_events \
         (occurred_at, actor_user_id, action, target_user_id, ip, user_agent, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now)
    .bind(event.actor)
    .bind(event.action.as_str())
    .bind(event.target)
    .bind(event.client.ip_text())
    .bind(event.client.user_agent.as_deref())
    .bind(Value::Object(event.details.clone()).to_string())
    .execute(db)
    .await
    .or_internal()?;
    Ok(())
}
