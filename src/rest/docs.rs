//! `/api/docs`: the API reference, rendered on the server from the OpenAPI document (no
//! external assets), with its route.

use leptos::prelude::*;
use leptos_router::{components::Route, Lazy, MatchNestedRoutes, SsrMode};
use serde::{Deserialize, Serialize};

use crate::{
    components::{lazy_page, DataCard},
    error::AppError,
    i18n::{td, td_string, use_locale, Locale},
    paths::{self, Route as Path},
};

/// One operation of the API, as the reference page lists it (read from the OpenAPI document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub scope: Option<String>,
    /// `(name, where, required, description)`.
    pub parameters: Vec<(String, String, bool, String)>,
    /// The request body's fields: `(name, type, required)`.
    pub body_fields: Vec<(String, String, bool)>,
    /// `(status, description)`.
    pub responses: Vec<(String, String)>,
}

/// One problem type of the API's errors: `(slug, status, title, when)`.
pub type ProblemTypeDoc = (String, u16, String, String);

/// The API reference page's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    pub operations: Vec<ApiOperation>,
    pub problems: Vec<ProblemTypeDoc>,
}

/// The API reference: every operation of the OpenAPI document and every problem type. Public.
#[server(prefix = "/fn", endpoint = "api_reference")]
pub async fn get_api_reference() -> Result<ApiReference, AppError> {
    Ok(reference())
}

/// `/api/docs`.
#[component(transparent)]
pub fn DocsRoutes() -> impl MatchNestedRoutes + Clone {
    view! { <Route path=Path(paths::API_DOCS) view={Lazy::<ApiDocsRoute>::new()} ssr=SsrMode::Async/> }.into_inner()
}

// Loaded from wasm chunks of their own (see `lazy_page!`).
lazy_page!(ApiDocsRoute => ApiDocsPage);

/// `/api/docs`: every API operation and problem type, from the OpenAPI document.
#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| get_api_reference());
    let locale = use_locale();
    view! {
        <DataCard
            title=td_string!(locale, api_docs.title)
            here=paths::API_DOCS
            data=reference
            wide=true
            content=move |reference: ApiReference| {
                view! {
                    <p>
                        {td!(locale, api_docs.base_url)} <code>{paths::API_V1}</code>
                        {td!(locale, api_docs.authenticate)}
                        <code>"Authorization: Bearer roster_pat_…"</code>
                        {td!(locale, api_docs.make_token)}
                        <a href=paths::SETTINGS_TOKENS>{td!(locale, settings_tabs.tokens)}</a>
                        {td!(locale, api_docs.bodies)}
                        <code>"Content-Type: application/json"</code>
                        {td!(locale, api_docs.machine)}
                        <a href=paths::OPENAPI_JSON rel="external">{paths::OPENAPI_JSON}</a>
                        {td!(locale, api_docs.openapi)}
                    </p>
                    // The API speaks English to programs; a reader in another language is told.
                    {(locale != Locale::en).then(|| view! {
                        <p class="muted">{td!(locale, api_docs.english_note)}</p>
                    })}
                    {reference
                        .operations
                        .into_iter()
                        .map(|op| view! { <Operation op/> })
                        .collect_view()}
                    <h2 id="problems">{td!(locale, api_docs.errors)}</h2>
                    <p>
                        {td!(locale, api_docs.errors_are)} <code>"application/problem+json"</code>
                        {td!(locale, api_docs.errors_with)} <code>"type"</code> ", "
                        <code>"title"</code> ", " <code>"status"</code> ", " <code>"detail"</code>
                        {td!(locale, api_docs.and)} <code>"request_id"</code> "; "
                        <code>"errors"</code> {td!(locale, api_docs.errors_lists)}
                        <code>"type"</code> {td!(locale, api_docs.errors_stable)}
                    </p>
                    <dl class="problems">
                        {reference
                            .problems
                            .into_iter()
                            .map(|(slug, status, title, when)| {
                                view! {
                                    <dt id=format!("problem-{slug}")>
                                        <code>{format!("{}#problem-{slug}", paths::API_DOCS)}</code>
                                        " " {status} " " {title}
                                    </dt>
                                    <dd>{when}</dd>
                                }
                            })
                            .collect_view()}
                    </dl>
                }
            }
        />
    }
}

/// One operation of the reference.
#[component]
fn Operation(op: ApiOperation) -> impl IntoView {
    let locale = use_locale();
    view! {
        <section class="operation">
            <h2>
                <code>{format!("{} {}", op.method, op.path)}</code>
                " " {op.summary.clone()}
            </h2>
            {(!op.description.is_empty()).then(|| view! { <p>{op.description.clone()}</p> })}
            <p>
                {td!(locale, api_docs.scope)}
                {match op.scope.clone() {
                    Some(scope) => view! { <code>{scope}</code> }.into_any(),
                    None => td!(locale, api_docs.scope_none).into_any(),
                }}
            </p>
            {(!op.parameters.is_empty())
                .then(|| {
                    view! {
                        <h3>{td!(locale, api_docs.parameters)}</h3>
                        <ul>
                            {op
                                .parameters
                                .iter()
                                .map(|(name, place, required, what)| {
                                    view! {
                                        <li>
                                            <code>{name.clone()}</code> " (" {place.clone()}
                                            {required.then(|| td!(locale, api_docs.required_parameter))}
                                            ") " {what.clone()}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            {(!op.body_fields.is_empty())
                .then(|| {
                    view! {
                        <h3>{td!(locale, api_docs.body)}</h3>
                        <ul>
                            {op
                                .body_fields
                                .iter()
                                .map(|(name, kind, required)| {
                                    view! {
                                        <li>
                                            <code>{name.clone()}</code> ": " {kind.clone()}
                                            {required.then(|| td!(locale, api_docs.required_field))}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            <h3>{td!(locale, api_docs.responses)}</h3>
            <ul>
                {op
                    .responses
                    .iter()
                    .map(|(status, what)| {
                        view! {
                            <li>
                                <code>{status.clone()}</code> " " {what.clone()}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[cfg(feature = "ssr")]
/// A field's type as the reference page shows it: `string`, `string | null`, the allowed
/// values when there are a few, or "one of N values" for a long list (the time zones).
fn type_summary(
    schema: &serde_json::Value,
    resolve: &dyn Fn(&serde_json::Value) -> serde_json::Value,
) -> String {
    use serde_json::Value;
    let word = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| "null".into())
    };
    if let Some(values) = schema["enum"].as_array() {
        return if values.len() > 8 {
            format!("one of {} values (see the OpenAPI document)", values.len())
        } else {
            values.iter().map(word).collect::<Vec<_>>().join(" | ")
        };
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return options
            .iter()
            .map(|o| type_summary(&resolve(o), resolve))
            .collect::<Vec<_>>()
            .join(" | ");
    }
    match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts.iter().map(word).collect::<Vec<_>>().join(" | "),
        _ => "see the OpenAPI document".to_string(),
    }
}

#[cfg(feature = "ssr")]
/// The reference page's content, read from the OpenAPI document: each operation with its
/// scope, parameters, body fields and responses, and each problem type.
pub fn reference() -> ApiReference {
    use serde_json::Value;
    let doc = serde_json::to_value(super::openapi::openapi()).unwrap_or_default();
    // Descriptions use Markdown code spans; the page shows plain text.
    let text = |v: &Value| v.as_str().unwrap_or_default().replace('`', "");
    let resolve = |v: &Value| -> Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => doc
                .pointer(r.trim_start_matches('#'))
                .cloned()
                .unwrap_or_default(),
            None => v.clone(),
        }
    };
    let mut operations = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let scope = op["security"][0]["bearer"][0].as_str().map(str::to_string);
                let parameters = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                (
                                    text(&p["name"]),
                                    text(&p["in"]),
                                    p["required"].as_bool().unwrap_or(false),
                                    text(&p["description"]),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let body = resolve(&op["requestBody"]["content"]["application/json"]["schema"]);
                let required: Vec<&str> = body["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let body_fields = body["properties"]
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(name, schema)| {
                                let schema = resolve(schema);
                                let kind = type_summary(&schema, &resolve);
                                (name.clone(), kind, required.contains(&name.as_str()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let responses = op["responses"]
                    .as_object()
                    .map(|rs| {
                        rs.iter()
                            .map(|(status, r)| (status.clone(), text(&resolve(r)["description"])))
                            .collect()
                    })
                    .unwrap_or_default();
                operations.push(ApiOperation {
                    method: method.to_uppercase(),
                    path: format!("{}{path}", crate::paths::API_V1),
                    summary: text(&op["summary"]),
                    description: text(&op["description"]),
                    scope,
                    parameters,
                    body_fields,
                    responses,
                });
            }
        }
    }
    let problems = super::problem::ProblemType::ALL
        .iter()
        .map(|kind| {
            let (slug, status, title, when) = kind.describe();
            (
                slug.to_string(),
                status.as_u16(),
                title.to_string(),
                when.to_string(),
            )
        })
        .collect();
    ApiReference {
        operations,
        problems,
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_reference_names_field_types_briefly() {
        let reference = reference();
        let patch_me = reference
            .operations
            .iter()
            .find(|op| op.method == "PATCH" && op.path == "/api/v1/me")
            .unwrap();
        let kind = |name: &str| {
            patch_me
                .body_fields
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, kind, _)| kind.clone())
                .unwrap()
        };
        assert_eq!(kind("theme"), "system | light | dark | null");
        assert!(
            kind("time_zone").starts_with("one of "),
            "{}",
            kind("time_zone")
        );
        assert_eq!(kind("bio"), "string | null");
        assert!(!patch_me.description.contains('`'));
    }
}
