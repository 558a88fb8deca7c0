//! The schemas of the API's text fields: the same rules as the domain types (lengths, no
//! control characters, no white space at either end), written as JSON Schema for the OpenAPI
//! document, so a client (or schemathesis) knows exactly what is accepted.

use crate::domain::DisplayName;

/// Characters no single-line field takes: C0, DEL and C1 controls (`char::is_control`).
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";
/// What a bio takes besides: every control but tab and line feed (so no carriage return).
const BIO_CONTROL: &str = r"\x00-\x08\x0B-\x1F\x7F-\x9F";

/// A pattern for text without the `excluded` characters that neither starts nor ends with
/// white space (`required`: at least one character).
fn text_pattern(excluded: &str, required: bool) -> String {
    let inner = format!(r"[^\s{excluded}]([^{excluded}]*[^\s{excluded}])?");
    if required {
        format!("^{inner}$")
    } else {
        format!("^({inner})?$")
    }
}

/// A string schema, `null` allowed when `nullable` (an absent or `null` field keeps its value).
fn string_schema(
    nullable: bool,
    min: Option<usize>,
    max: usize,
    pattern: Option<String>,
) -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    let kind: utoipa::openapi::schema::SchemaType = if nullable {
        [Type::String, Type::Null].into_iter().collect()
    } else {
        Type::String.into()
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .min_length(min)
        .max_length(Some(max))
        .pattern(pattern)
        .build()
}

pub fn display_name_schema() -> utoipa::openapi::Object {
    string_schema(
        true,
        Some(1),
        DisplayName::MAX_CHARS,
        Some(text_pattern(CONTROL, true)),
    )
}

pub fn required_display_name_schema() -> utoipa::openapi::Object {
    string_schema(
        false,
        Some(1),
        DisplayName::MAX_CHARS,
        Some(text_pattern(CONTROL, true)),
    )
}

pub fn bio_schema() -> utoipa::openapi::Object {
    string_schema(
        true,
        None,
        crate::domain::Bio::MAX_CHARS,
        Some(text_pattern(BIO_CONTROL, false)),
    )
}

pub fn location_schema() -> utoipa::openapi::Object {
    string_schema(
        true,
        None,
        crate::domain::Location::MAX_CHARS,
        Some(text_pattern(CONTROL, false)),
    )
}

/// Empty, or `http(s)://host[:port][/path...]` with no spaces or controls.
pub fn website_schema() -> utoipa::openapi::Object {
    string_schema(
        true,
        None,
        crate::domain::Website::MAX_CHARS,
        Some(r"^(https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z])?(:[0-9]{1,4})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?)?$".into()),
    )
}

/// One of the server's IANA time zone names.
pub fn time_zone_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    let mut names: Vec<serde_json::Value> = crate::domain::time::time_zone_names()
        .into_iter()
        .map(serde_json::Value::from)
        .collect();
    names.push(serde_json::Value::Null);
    ObjectBuilder::new()
        .schema_type(
            [Type::String, Type::Null]
                .into_iter()
                .collect::<utoipa::openapi::schema::SchemaType>(),
        )
        .enum_values(Some(names))
        .build()
}
