//! `/settings/tokens`: make, list and revoke personal access tokens; and its route.

use leptos::prelude::*;
use leptos_router::{components::Route, Lazy, MatchNestedRoutes, SsrMode};

use super::{
    api::{get_tokens, CreateToken, RevokeToken},
    TokenView, TokensPage, EXPIRY_CHOICES,
};
use crate::{
    auth::ui::ViewerContext,
    components::{
        lazy_page, saved_signal, DataCard, Field, FormFeedback, FormMessage, ReturnTo, SelectField,
        SubmitButton, TableWrap,
    },
    domain::Scope,
    paths::{self, Route as Path},
};

/// `/settings/tokens`, inside the settings area's frame.
#[component(transparent)]
pub fn TokensRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route
            path=Path::below(paths::SETTINGS, paths::SETTINGS_TOKENS)
            view={Lazy::<TokensSettingsRoute>::new()}
            ssr=SsrMode::Async
        />
    }
    .into_inner()
}

// Loaded from wasm chunks of their own (see `lazy_page!`).
lazy_page!(TokensSettingsRoute => TokensSettingsPage);

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
        <DataCard
            title="Tokens"
            here=paths::SETTINGS_TOKENS
            data=page
            wide=true
            content=move |page: TokensPage| {
                let TokensPage { tokens, new_token, is_admin } = page;
                view! {
                    <p class="muted">
                        "Personal access tokens let scripts and other programs use the "
                        <a href=paths::API_DOCS>"API reference"</a>
                        " (" <a href=paths::OPENAPI_JSON rel="external">"OpenAPI document"</a>
                        ") as you. Send one as "
                        <code>"Authorization: Bearer roster_pat_…"</code> "."
                    </p>
                    {new_token.map(|token| view! { <NewToken token/> })}
                    <Show when=move || revoked.get()>
                        <p class="success" role="status">"Token revoked"</p>
                    </Show>
                    <FormMessage feedback=revoke_feedback/>
                    <TokenTable tokens action=revoke/>
                    <h2>"Create a token"</h2>
                    <ActionForm action=create>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <Field
                            label="Token name"
                            name="name"
                            hint="What it is for, e.g. \"backup script\"."
                            error=feedback.field("name")
                        />
                        <fieldset
                            class="field"
                            class:invalid=move || feedback.field("scopes").get().is_some()
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
        <TableWrap label="Tokens">
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
                                        <ReturnTo/>
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
        </TableWrap>
    }
    .into_any()
}
