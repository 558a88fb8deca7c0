//! Request bodies and parameters: a JSON extractor whose every refusal is a problem, and the
//! API's rule that text is taken exactly as it is to be stored.

use axum::{
    extract::{rejection::JsonRejection, FromRequest},
    Json,
};

use super::problem::{Problem, ProblemType};
use crate::{
    error::{AppError, FieldErrors},
    server::MAX_BODY_BYTES,
};

/// A JSON body whose every refusal is a problem: 415 without a JSON content type, 400
/// `malformed-json` for bad syntax, 400 `unknown-field` for a field the operation does not
/// take, 400 `invalid-body` for a wrong shape, 413 over [`MAX_BODY_BYTES`].
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Problem> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_problem(&rejection)),
        }
    }
}

fn json_problem(rejection: &JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            ProblemType::UnsupportedMediaType,
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        JsonRejection::JsonSyntaxError(e) => {
            Problem::new(ProblemType::MalformedJson, e.body_text())
        }
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            let kind = if text.contains("unknown field") {
                ProblemType::UnknownField
            } else {
                ProblemType::InvalidBody
            };
            Problem::new(kind, text)
        }
        JsonRejection::BytesRejection(_) => Problem::new(
            ProblemType::PayloadTooLarge,
            format!("The body is larger than {MAX_BODY_BYTES} bytes."),
        ),
        _ => Problem::new(ProblemType::InvalidBody, "The body could not be read."),
    }
}

/// 400 `invalid-parameter` with `text`.
pub fn parameter_problem(text: String) -> Problem {
    Problem::new(ProblemType::InvalidParameter, text)
}

/// The API takes text as it is meant to be stored: a field with white space at either end, or a
/// bio with a carriage return, is refused rather than silently changed, so the schema's
/// patterns say exactly what is accepted.
pub fn exact_text(errors: &mut FieldErrors, field: &str, value: Option<&str>) {
    let Some(value) = value else { return };
    if value.trim() != value {
        errors.add(field, "Remove the spaces at the start and end");
    } else if field == "bio" && value.contains('\r') {
        errors.add(field, "Use \\n for line breaks");
    }
}

/// [`exact_text`] for the profile fields of a change (display name, bio, location, website).
///
/// Errors: 400 `validation-error` listing each refused field.
pub fn exact_profile_text(values: [Option<&str>; 4]) -> Result<(), Problem> {
    let mut errors = FieldErrors::new();
    for (field, value) in ["display_name", "bio", "location", "website"]
        .into_iter()
        .zip(values)
    {
        exact_text(&mut errors, field, value);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors).into())
    }
}
