//! The JSON API and personal access tokens over HTTP (`shared/SECURITY.md`, API tokens), by
//! noun: tokens (made once, hashed, refused when missing, revoked, expired or misplaced, rate
//! limited), `/me`, `/users` (scopes, the console's rules, keyset pages) and the OpenAPI
//! document against the router. Problem bodies are pinned whole, the request id redacted.

mod me;
mod openapi;
mod tokens;
mod users;

use crate::common::TestApp;
use serde_json::Value;

/// Every scope's form field.
pub const ALL_SCOPES: [&str; 4] = ["profile_read", "profile_write", "users_read", "users_write"];

/// Signs up a person (or, for an administrator, creates one through the command line's path)
/// and signs them in; returns the session cookie.
pub async fn person(app: &TestApp, email: &str, admin: bool) -> String {
    if admin {
        app.with_admin(email).await
    } else {
        app.sign_up(email, "Pat Person").await
    }
}

/// The problem body every refused bearer token gets.
pub fn invalid_token(detail: &str) -> Value {
    serde_json::json!({
        "type": "/api/docs#problem-invalid-token",
        "title": "Invalid token",
        "status": 401,
        "detail": detail,
        "request_id": "<request-id>",
    })
}

/// The problem body of a call whose token lacks `scope`.
pub fn insufficient_scope(scope: &str, admin_only: bool) -> Value {
    let detail = if admin_only {
        format!("This operation needs the scope `{scope}`, held by an administrator.")
    } else {
        format!("This operation needs the scope `{scope}`.")
    };
    serde_json::json!({
        "type": "/api/docs#problem-insufficient-scope",
        "title": "Insufficient scope",
        "status": 403,
        "detail": detail,
        "request_id": "<request-id>",
        "scope": scope,
    })
}

/// The problem body of a route the API does not have.
pub fn no_such_route() -> Value {
    serde_json::json!({
        "type": "/api/docs#problem-not-found",
        "title": "Not found",
        "status": 404,
        "detail": "There is no such API route.",
        "request_id": "<request-id>",
    })
}

/// The problem body of a refused body or parameters, `errors` as `(field, message)`.
pub fn validation_error(errors: &[(&str, &str)]) -> Value {
    let errors: Vec<Value> = errors
        .iter()
        .map(|(field, message)| serde_json::json!({"field": field, "message": message}))
        .collect();
    serde_json::json!({
        "type": "/api/docs#problem-validation-error",
        "title": "Validation failed",
        "status": 400,
        "detail": "One or more fields were refused.",
        "request_id": "<request-id>",
        "errors": errors,
    })
}
