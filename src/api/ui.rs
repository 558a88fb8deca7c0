//! `/settings/tokens` (make, list and revoke personal access tokens) and `/api/docs` (the API
//! reference, rendered on the server from the OpenAPI document; no external assets).

use leptos::prelude::*;

use super::{
    tokens::{get_api_reference, get_tokens, CreateToken, RevokeToken},
    ApiOperation, ApiReference, Scope, TokenView, TokensPage, EXPIRY_CHOICES,
};
use crate::{
    account::ui::SettingsNav,
    app::ViewerContext,
    components::{
        saved_signal, DataCard, Field, FormFeedback, FormMessage, SelectField, SubmitButton,
    },
};

/// `/settings/tokens`: personal access tokens for the JSON API.
#[component]
pub fn TokensSettingsPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(create);
    cx.refresh_after(revoke);
    let feedback = FormFeedback::new(create);
    let revoke_feedback = FormFeedback::new(revoke);
    let revoked = saved_signal(revoke, "revoked");
    let saves = cx.saves();
    let page = Resource::new(move || saves.get(), |_| get_tokens());
    view! {
        <SettingsNav/>
        <DataCard
            title="Tokens"
            here="/settings/tokens"
            data=page
            wide=true
            content=move |page: TokensPage| {
                let TokensPage { tokens, new_token, is_admin } = page;
                view! {
                    <p class="muted">
                        "Personal access tokens let scripts and other programs use the "
                        <a href="/api/docs">"API reference"</a>
                        " (" <a href="/api/openapi.json" rel="external">"OpenAPI document"</a>
                        ") as you. Send one as "
                        <code>"Authorization: Bearer roster_pat_…"</code> "."
                    </p>
                    {new_token.map(|token| view! { <NewToken token/> })}
                    <Show when=move || revoked.get()>
                        <p class="success" role="status">"Token revoked"</p>
                    </Show>
                    <FormMessage message=revoke_feedback.form()/>
                    <TokenTable tokens action=revoke/>
                    <h2>"Create a token"</h2>
                    <ActionForm action=create>
                        <FormMessage message=feedback.form()/>
                        <Field
                            label="Token name"
                            name="name"
                            hint="What it is for, e.g. \"backup script\"."
                            error=feedback.field("name")
                        />
                        <fieldset
                            class="field"
                            class:invalid=move || feedback.field("scopes").with(Option::is_some)
                        >
                            <legend>"Scopes"</legend>
                            {Scope::ALL
                                .into_iter()
                                .filter(|s| is_admin || !s.admin_only())
                                .map(|s| {
                                    view! {
                                        <label class="check">
                                            <input type="checkbox" name=s.field()/>
                                            " " <code>{s.as_str()}</code> " " {s.description()}
                                        </label>
                                    }
                                })
                                .collect_view()}
                            <p class="field-error" id="f-scopes-error">
                                {move || feedback.field("scopes").get()}
                            </p>
                        </fieldset>
                        <SelectField
                            label="Expires"
                            name="expires"
                            options=EXPIRY_CHOICES
                                .iter()
                                .map(|(value, label, _)| (value.to_string(), label.to_string()))
                                .collect()
                            selected=EXPIRY_CHOICES[0].0
                            error=feedback.field("expires")
                        />
                        <SubmitButton label="Create token" pending=create.pending().into()/>
                    </ActionForm>
                }
            }
        />
    }
}

/// The token just made, shown once, with a "Copy" button (JavaScript on; without it, select
/// the text).
#[component]
fn NewToken(token: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = token.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            // The promise settles after the click; the text is in the clipboard by then.
            let _ = window().navigator().clipboard().write_text(&text);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
        copied.set(true);
    };
    view! {
        <div class="notice new-token" role="status">
            <p>
                <strong>"Your new token"</strong>
                " — copy it now: it is shown only this once and Roster keeps no copy."
            </p>
            <label for="new-token">"New token"</label>
            <input id="new-token" type="text" readonly value=token class="token" spellcheck="false"/>
            <button type="button" on:click=copy>
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </div>
    }
}

/// The list of tokens, each with its "Revoke" button.
#[component]
fn TokenTable(tokens: Vec<TokenView>, action: ServerAction<RevokeToken>) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="muted">"No tokens yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
        <table class="tokens">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Scopes"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {tokens
                    .into_iter()
                    .map(|t| {
                        let expires = match (&t.expires, t.expired) {
                            (None, _) => "Never".to_string(),
                            (Some(at), true) => format!("Expired {at}"),
                            (Some(at), false) => at.clone(),
                        };
                        view! {
                            <tr>
                                <td>{t.name.clone()}</td>
                                <td>{t.scopes.join(" ")}</td>
                                <td>{t.created.clone()}</td>
                                <td>{expires}</td>
                                <td>{t.last_used.clone().unwrap_or_else(|| "Never".into())}</td>
                                <td>
                                    <ActionForm action=action>
                                        <input type="hidden" name="id" value=t.id.to_string()/>
                                        <button
                                            type="submit"
                                            class="danger"
                                            aria-label=format!("Revoke {}", t.name)
                                        >
                                            "Revoke"
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        </div>
    }
    .into_any()
}

/// `/api/docs`: every API operation and problem type, from the OpenAPI document.
#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| get_api_reference());
    view! {
        <DataCard
            title="API reference"
            here="/api/docs"
            data=reference
            wide=true
            content=|reference: ApiReference| {
                view! {
                    <p>
                        "Base URL " <code>"/api/v1"</code> ". Authenticate with "
                        <code>"Authorization: Bearer roster_pat_…"</code>
                        " (make a token on " <a href="/settings/tokens">"Tokens"</a>
                        "); a token in the URL is refused. Bodies are JSON ("
                        <code>"Content-Type: application/json"</code>
                        "). The machine-readable description is "
                        <a href="/api/openapi.json" rel="external">"/api/openapi.json"</a>
                        " (OpenAPI 3.1)."
                    </p>
                    {reference
                        .operations
                        .into_iter()
                        .map(|op| view! { <Operation op/> })
                        .collect_view()}
                    <h2 id="problems">"Errors"</h2>
                    <p>
                        "Errors are " <code>"application/problem+json"</code>
                        " (RFC 9457) with " <code>"type"</code> ", " <code>"title"</code> ", "
                        <code>"status"</code> ", " <code>"detail"</code> " and "
                        <code>"request_id"</code> "; " <code>"errors"</code>
                        " lists each refused field. The " <code>"type"</code>
                        " is stable: one of these."
                    </p>
                    <dl class="problems">
                        {reference
                            .problems
                            .into_iter()
                            .map(|(slug, status, title, when)| {
                                view! {
                                    <dt id=format!("problem-{slug}")>
                                        <code>{format!("/api/docs#problem-{slug}")}</code>
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
    view! {
        <section class="operation">
            <h2>
                <code>{format!("{} {}", op.method, op.path)}</code>
                " " {op.summary.clone()}
            </h2>
            {(!op.description.is_empty()).then(|| view! { <p>{op.description.clone()}</p> })}
            <p>
                "Scope: "
                <code>{op.scope.clone().unwrap_or_else(|| "none".into())}</code>
            </p>
            {(!op.parameters.is_empty())
                .then(|| {
                    view! {
                        <h3>"Parameters"</h3>
                        <ul>
                            {op
                                .parameters
                                .iter()
                                .map(|(name, place, required, what)| {
                                    view! {
                                        <li>
                                            <code>{name.clone()}</code> " (" {place.clone()}
                                            {required.then_some(", required")} ") " {what.clone()}
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
                        <h3>"Body"</h3>
                        <ul>
                            {op
                                .body_fields
                                .iter()
                                .map(|(name, kind, required)| {
                                    view! {
                                        <li>
                                            <code>{name.clone()}</code> ": " {kind.clone()}
                                            {required.then_some(" (required)")}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            <h3>"Responses"</h3>
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
