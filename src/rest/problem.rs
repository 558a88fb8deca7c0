//! API errors as `application/problem+json` (RFC 9457): one stable `type` per kind of error,
//! each a link to its entry on the API reference page (`/api/docs#problem-<slug>`).

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::Scope,
    error::{current_request_id, AppError},
};

/// The media type of every API error body (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// `realm` of every `WWW-Authenticate` challenge (RFC 6750 §3).
const REALM: &str = "roster";

/// Every kind of API error. The slug is the stable part of the `type` URI; clients may match
/// on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    AuthenticationRequired,
    InvalidToken,
    TokenInQuery,
    InsufficientScope,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    ValidationError,
    MalformedJson,
    UnknownField,
    InvalidBody,
    InvalidParameter,
    UnsupportedMediaType,
    PayloadTooLarge,
    Conflict,
    RateLimited,
    RequestTimeout,
    InternalError,
}

impl ProblemType {
    pub const ALL: [ProblemType; 18] = [
        ProblemType::AuthenticationRequired,
        ProblemType::InvalidToken,
        ProblemType::TokenInQuery,
        ProblemType::InsufficientScope,
        ProblemType::Forbidden,
        ProblemType::NotFound,
        ProblemType::MethodNotAllowed,
        ProblemType::ValidationError,
        ProblemType::MalformedJson,
        ProblemType::UnknownField,
        ProblemType::InvalidBody,
        ProblemType::InvalidParameter,
        ProblemType::UnsupportedMediaType,
        ProblemType::PayloadTooLarge,
        ProblemType::Conflict,
        ProblemType::RateLimited,
        ProblemType::RequestTimeout,
        ProblemType::InternalError,
    ];

    /// `(slug, status, title, when it is answered)`.
    pub fn describe(self) -> (&'static str, StatusCode, &'static str, &'static str) {
        use ProblemType::*;
        match self {
            AuthenticationRequired => ("authentication-required", StatusCode::UNAUTHORIZED, "Authentication required", "No `Authorization: Bearer` header, or another scheme."),
            InvalidToken => ("invalid-token", StatusCode::UNAUTHORIZED, "Invalid token", "The token is malformed, unknown, revoked or expired, or its owner is disabled."),
            TokenInQuery => ("token-in-query", StatusCode::BAD_REQUEST, "Token in the query string", "A token was sent in the URL; send it only in the `Authorization` header (RFC 6750 §2.3 is not supported)."),
            InsufficientScope => ("insufficient-scope", StatusCode::FORBIDDEN, "Insufficient scope", "The token lacks the operation's scope (named in `scope`), or it is an administrators' scope and the owner is no longer an administrator."),
            Forbidden => ("forbidden", StatusCode::FORBIDDEN, "Forbidden", "The token's owner may not do this."),
            NotFound => ("not-found", StatusCode::NOT_FOUND, "Not found", "No such route, or no such user."),
            MethodNotAllowed => ("method-not-allowed", StatusCode::METHOD_NOT_ALLOWED, "Method not allowed", "The route exists but not with this method."),
            ValidationError => ("validation-error", StatusCode::BAD_REQUEST, "Validation failed", "One or more fields were refused; `errors` lists each with its message."),
            MalformedJson => ("malformed-json", StatusCode::BAD_REQUEST, "Malformed JSON", "The body is not valid JSON."),
            UnknownField => ("unknown-field", StatusCode::BAD_REQUEST, "Unknown field", "The body has a field the operation does not take."),
            InvalidBody => ("invalid-body", StatusCode::BAD_REQUEST, "Invalid body", "The body is JSON of the wrong shape: a missing field or a value of the wrong type."),
            InvalidParameter => ("invalid-parameter", StatusCode::BAD_REQUEST, "Invalid parameter", "A path or query parameter could not be read."),
            UnsupportedMediaType => ("unsupported-media-type", StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", "A body was sent without `Content-Type: application/json`."),
            PayloadTooLarge => ("payload-too-large", StatusCode::PAYLOAD_TOO_LARGE, "Payload too large", "The body is over 64 KiB."),
            Conflict => ("conflict", StatusCode::CONFLICT, "Conflict", "The change clashes with existing data (an email in use, the last administrator)."),
            RateLimited => ("rate-limited", StatusCode::TOO_MANY_REQUESTS, "Too many requests", "The token made too many calls; wait `Retry-After` seconds."),
            RequestTimeout => ("request-timeout", StatusCode::REQUEST_TIMEOUT, "Request timeout", "The request took too long."),
            InternalError => ("internal-error", StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "Something failed on the server; the log has the cause under `request_id`."),
        }
    }

    pub fn slug(self) -> &'static str {
        self.describe().0
    }

    pub fn status(self) -> StatusCode {
        self.describe().1
    }

    /// The `type` member: a relative URI of the problem's entry on the reference page.
    pub fn uri(self) -> String {
        format!("{}#problem-{}", crate::paths::API_DOCS, self.slug())
    }

    /// The type answered for an error status that carries no more detail.
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::UNAUTHORIZED => ProblemType::AuthenticationRequired,
            StatusCode::FORBIDDEN => ProblemType::Forbidden,
            StatusCode::NOT_FOUND => ProblemType::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ProblemType::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ProblemType::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ProblemType::UnsupportedMediaType,
            StatusCode::CONFLICT => ProblemType::Conflict,
            StatusCode::TOO_MANY_REQUESTS => ProblemType::RateLimited,
            StatusCode::REQUEST_TIMEOUT => ProblemType::RequestTimeout,
            s if s.is_client_error() => ProblemType::InvalidParameter,
            _ => ProblemType::InternalError,
        }
    }
}

/// One refused field of a `validation-error` (or the field of a `conflict`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProblemField {
    /// The request body's field, e.g. `display_name`.
    pub field: String,
    pub message: String,
}

/// An API error body (RFC 9457 problem details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of error: `/api/docs#problem-<slug>`.
    #[serde(rename = "type")]
    #[schema(example = "/api/docs#problem-validation-error")]
    pub kind: String,
    /// Short summary of the kind of error; the same for every occurrence.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for a person to read.
    pub detail: String,
    /// The request's id (`x-request-id`); the server log has the cause under it.
    pub request_id: String,
    /// For `validation-error` and `conflict`: each refused field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<ProblemField>,
    /// For `insufficient-scope`: the scope the operation needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub scope: Option<String>,
    /// For `rate-limited`: seconds to wait (also in `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub retry_after: Option<u64>,
    #[serde(skip)]
    challenge: Option<String>,
}

impl Problem {
    /// A problem of type `kind` with `detail`.
    pub fn new(kind: ProblemType, detail: impl Into<String>) -> Self {
        let (_, status, title, _) = kind.describe();
        Self {
            kind: kind.uri(),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            request_id: current_request_id(),
            errors: Vec::new(),
            scope: None,
            retry_after: None,
            challenge: None,
        }
    }

    /// 401 without a usable `Authorization` header, with the bare Bearer challenge.
    pub fn authentication_required() -> Self {
        let mut p = Self::new(
            ProblemType::AuthenticationRequired,
            "Send a personal access token as `Authorization: Bearer roster_pat_...`.",
        );
        p.challenge = Some(format!("Bearer realm=\"{REALM}\""));
        p
    }

    /// 401 for a refused token (RFC 6750 §3.1 `invalid_token`).
    pub fn invalid_token(detail: &str) -> Self {
        let mut p = Self::new(ProblemType::InvalidToken, detail);
        p.challenge = Some(format!(
            "Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{detail}\""
        ));
        p
    }

    /// 403 naming the missing scope (RFC 6750 §3.1 `insufficient_scope`).
    pub fn insufficient_scope(scope: Scope) -> Self {
        let name = scope.as_str();
        let detail = if scope.admin_only() {
            format!("This operation needs the scope `{name}`, held by an administrator.")
        } else {
            format!("This operation needs the scope `{name}`.")
        };
        let mut p = Self::new(ProblemType::InsufficientScope, detail);
        p.scope = Some(name.to_string());
        p.challenge = Some(format!(
            "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{name}\""
        ));
        p
    }

    /// 429 with `Retry-After`.
    pub fn rate_limited(retry_after: u64) -> Self {
        let mut p = Self::new(
            ProblemType::RateLimited,
            format!("Too many calls with this token. Try again in {retry_after} s."),
        );
        p.retry_after = Some(retry_after);
        p
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Validation(fields) => {
                let mut p = Self::new(
                    ProblemType::ValidationError,
                    "One or more fields were refused.",
                );
                p.errors = fields
                    .0
                    .into_iter()
                    .map(|f| ProblemField {
                        field: f.field,
                        message: f.message,
                    })
                    .collect();
                p
            }
            AppError::Conflict { field, message, .. } => {
                let mut p = Self::new(ProblemType::Conflict, message.clone());
                p.errors = vec![ProblemField { field, message }];
                p
            }
            AppError::BadRequest => {
                Self::new(ProblemType::InvalidBody, "The request could not be read.")
            }
            AppError::Unauthorized | AppError::InvalidCredentials => {
                Self::authentication_required()
            }
            AppError::Forbidden | AppError::AccountDisabled | AppError::EmailUnconfirmed => {
                Self::new(ProblemType::Forbidden, error.to_string())
            }
            AppError::NotFound => Self::new(ProblemType::NotFound, "No such user."),
            AppError::RateLimited { retry_after } => Self::rate_limited(retry_after),
            AppError::Internal { request_id } => {
                let mut p = Self::new(
                    ProblemType::InternalError,
                    "Something went wrong on our side. Please try again.",
                );
                p.request_id = request_id;
                p
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(challenge) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let Some(wait) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        res
    }
}

/// Middleware of `/api/v1`: turns every error answer that is not yet a problem (axum's 404,
/// 405, 413 and the like) into one, so every API error has the same shape.
pub async fn problems_only(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let kind = ProblemType::for_status(status);
        let mut problem = Problem::new(kind, kind.describe().3);
        problem.status = status.as_u16();
        if status == StatusCode::UNAUTHORIZED {
            problem = Problem::authentication_required();
        }
        let mut answer = problem.into_response();
        if let Some(allow) = res.headers().get(header::ALLOW) {
            answer.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return answer;
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_statuses_are_errors() {
        let mut slugs: Vec<&str> = ProblemType::ALL.iter().map(|t| t.slug()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemType::ALL.len());
        for kind in ProblemType::ALL {
            assert!(kind.status().as_u16() >= 400, "{kind:?}");
        }
    }

    #[test]
    fn validation_errors_list_each_field() {
        let mut fields = crate::error::FieldErrors::new();
        fields.add("display_name", "Enter a name");
        fields.add("website", "Use http or https");
        let p = Problem::from(AppError::Validation(fields));
        assert_eq!(p.status, 400);
        assert_eq!(p.kind, "/api/docs#problem-validation-error");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["errors"][1]["field"], "website");
        assert!(json.get("scope").is_none());
    }

    #[test]
    fn internal_errors_keep_only_the_request_id() {
        let p = Problem::from(AppError::Internal {
            request_id: "abc".into(),
        });
        assert_eq!(p.status, 500);
        assert_eq!(p.request_id, "abc");
        assert!(!p.detail.contains("abc"));
    }
}
