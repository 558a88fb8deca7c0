//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations (so every
//! route is in it and nothing else is), with the problem responses every operation can give.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use utoipa::{
    openapi::{
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder,
    },
    Modify, OpenApi,
};

use super::problem::{Problem, ProblemField, PROBLEM_JSON};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster API",
        version = "1",
        description = "Read and manage Roster's profiles with a personal access token \
            (`Authorization: Bearer roster_pat_...`, made on /settings/tokens). Errors are \
            `application/problem+json` (RFC 9457); see /api/docs for every problem type."
    ),
    servers((url = "/api/v1")),
    components(schemas(Problem, ProblemField)),
    tags(
        (name = "me", description = "The token owner's own profile and settings"),
        (name = "users", description = "Every user (administrators' tokens)"),
    ),
    modifiers(&CommonResponses),
)]
pub(super) struct ApiDoc;

/// Adds the bearer scheme, the problem responses every operation can give, and the ones that
/// depend on its parameters and body.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("roster_pat_...")
                    .description(Some("A personal access token from /settings/tokens"))
                    .build(),
            ),
        );
        for (name, description) in COMMON_RESPONSES {
            let mut response = ResponseBuilder::new().description(description).content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            );
            if name == "TooManyRequests" {
                response = response.header(
                    "Retry-After",
                    utoipa::openapi::HeaderBuilder::new()
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::Type::Integer),
                        ))
                        .description(Some("Seconds to wait"))
                        .build(),
                );
            }
            components
                .responses
                .insert(name.into(), response.build().into());
        }
    }
}

/// Named problem responses: `(component name, description)`.
const COMMON_RESPONSES: [(&str, &str); 9] = [
    ("BadRequest", "Invalid parameters or body (`validation-error`, `malformed-json`, `unknown-field`, `invalid-body`, `invalid-parameter`, `token-in-query`)"),
    ("Unauthorized", "No token, or a malformed, unknown, revoked or expired one (`authentication-required`, `invalid-token`)"),
    ("Forbidden", "The token lacks the operation's scope (`insufficient-scope`)"),
    ("NotFound", "No such user (`not-found`)"),
    ("Conflict", "The change clashes with existing data (`conflict`)"),
    ("PayloadTooLarge", "The body is over 64 KiB (`payload-too-large`)"),
    ("UnsupportedMediaType", "The body is not `application/json` (`unsupported-media-type`)"),
    ("TooManyRequests", "The token's rate limit is reached (`rate-limited`)"),
    ("InternalError", "A failure on the server (`internal-error`)"),
];

/// Puts the named problem responses on each operation: every operation can be refused for
/// its token (401, 403, 429), fail (500) or get bad parameters (400); those with an `{id}`
/// can find nothing (404); those with a body can get the wrong one (413, 415); writes to users
/// can conflict (409).
pub(super) fn add_problem_responses(doc: &mut OpenApiDoc) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, writes) in operations {
            let Some(op) = operation.as_mut() else {
                continue;
            };
            let mut add = |status: &str, name: &str| {
                op.responses
                    .responses
                    .entry(status.into())
                    .or_insert_with(|| Ref::from_response_name(name).into());
            };
            add("400", "BadRequest");
            add("401", "Unauthorized");
            add("403", "Forbidden");
            add("429", "TooManyRequests");
            add("500", "InternalError");
            if path.contains("{id}") {
                add("404", "NotFound");
            }
            if writes && path.starts_with("/users") {
                add("409", "Conflict");
            }
            if op.request_body.is_some() {
                add("413", "PayloadTooLarge");
                add("415", "UnsupportedMediaType");
            }
        }
    }
}

/// The OpenAPI document, made once.
pub fn openapi() -> &'static OpenApiDoc {
    static DOC: std::sync::OnceLock<OpenApiDoc> = std::sync::OnceLock::new();
    DOC.get_or_init(|| super::router().1)
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> Response {
    match openapi().to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => Problem::from(crate::error::internal(e)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_its_problem_responses() {
        let doc = openapi();
        let me = doc.paths.paths["/me"].patch.as_ref().unwrap();
        for status in ["200", "400", "401", "403", "413", "415", "429", "500"] {
            assert!(me.responses.responses.contains_key(status), "{status}");
        }
        let delete = doc.paths.paths["/users/{id}"].delete.as_ref().unwrap();
        for status in ["204", "404", "409"] {
            assert!(delete.responses.responses.contains_key(status), "{status}");
        }
    }
}
