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
    i18n::{fill, td, td_string, use_locale, Locale},
    paths::{self, Route as Path},
};

/// What `scope` allows, as the token form explains it.
fn scope_text(locale: Locale, scope: Scope) -> &'static str {
    match scope {
        Scope::ProfileRead => td_string!(locale, tokens.scope_profile_read),
        Scope::ProfileWrite => td_string!(locale, tokens.scope_profile_write),
        Scope::UsersRead => td_string!(locale, tokens.scope_users_read),
        Scope::UsersWrite => td_string!(locale, tokens.scope_users_write),
    }
}

/// The label of the expiry choice `value` (one of [`EXPIRY_CHOICES`]).
fn expiry_text(locale: Locale, value: &str) -> &'static str {
    match value {
        "7" => td_string!(locale, tokens.expiry_7),
        "30" => td_string!(locale, tokens.expiry_30),
        "90" => td_string!(locale, tokens.expiry_90),
        "365" => td_string!(locale, tokens.expiry_365),
        _ => td_string!(locale, tokens.expiry_never),
    }
}

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
    let locale = use_locale();
    view! {
        <DataCard
            title=td_string!(locale, tokens.title)
            here=paths::SETTINGS_TOKENS
            data=page
            wide=true
            content=move |page: TokensPage| {
                let TokensPage { tokens, new_token, is_admin } = page;
                view! {
                    <p class="muted">
                        {td!(locale, tokens.intro_1)}
                        <a href=paths::API_DOCS>{td!(locale, tokens.api_reference)}</a>
                        " (" <a href=paths::OPENAPI_JSON rel="external">{td!(locale, tokens.openapi)}</a>
                        {td!(locale, tokens.intro_2)}
                        <code>"Authorization: Bearer roster_pat_…"</code> "."
                    </p>
                    {new_token.map(|token| view! { <NewToken token/> })}
                    <Show when=move || revoked.get()>
                        <p class="success" role="status">{td!(locale, tokens.revoked)}</p>
                    </Show>
                    <FormMessage feedback=revoke_feedback/>
                    <TokenTable tokens action=revoke/>
                    <h2>{td!(locale, tokens.create_heading)}</h2>
                    <ActionForm action=create>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <Field
                            label=td_string!(locale, tokens.name_label)
                            name="name"
                            hint=td_string!(locale, tokens.name_hint)
                            error=feedback.field("name")
                        />
                        <fieldset
                            class="field"
                            class:invalid=move || feedback.field("scopes").get().is_some()
                        >
                            <legend>{td!(locale, tokens.scopes)}</legend>
                            {Scope::ALL
                                .into_iter()
                                .filter(|s| is_admin || !s.admin_only())
                                .map(|s| {
                                    view! {
                                        <label class="check">
                                            <input type="checkbox" name=s.field()/>
                                            " " <code>{s.as_str()}</code> " " {scope_text(locale, s)}
                                        </label>
                                    }
                                })
                                .collect_view()}
                            <p class="field-error" id="f-scopes-error">
                                {move || feedback.field("scopes").get()}
                            </p>
                        </fieldset>
                        <SelectField
                            label=td_string!(locale, tokens.expires)
                            name="expires"
                            options=EXPIRY_CHOICES
                                .iter()
                                .map(|(value, _)| {
                                    (value.to_string(), expiry_text(locale, value).to_string())
                                })
                                .collect()
                            selected=EXPIRY_CHOICES[0].0
                            error=feedback.field("expires")
                        />
                        <SubmitButton label=td_string!(locale, tokens.create) pending=create.pending().into()/>
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
    let locale = use_locale();
    view! {
        <div class="notice new-token" role="status">
            <p>
                <strong>{td!(locale, tokens.your_new_token)}</strong>
                {td!(locale, tokens.copy_now)}
            </p>
            <label for="new-token">{td!(locale, tokens.new_token)}</label>
            <input id="new-token" type="text" readonly value=token class="token" spellcheck="false"/>
            <button type="button" on:click=copy>
                {move || {
                    if copied.get() {
                        td_string!(locale, tokens.copied)
                    } else {
                        td_string!(locale, tokens.copy)
                    }
                }}
            </button>
        </div>
    }
}

/// The list of tokens, each with its "Revoke" button.
#[component]
fn TokenTable(tokens: Vec<TokenView>, action: ServerAction<RevokeToken>) -> impl IntoView {
    let locale = use_locale();
    if tokens.is_empty() {
        return view! { <p class="muted">{td!(locale, tokens.none)}</p> }.into_any();
    }
    view! {
        <TableWrap label=td_string!(locale, tokens.title)>
        <table class="tokens">
            <thead>
                <tr>
                    <th scope="col">{td!(locale, tokens.name)}</th>
                    <th scope="col">{td!(locale, tokens.scopes)}</th>
                    <th scope="col">{td!(locale, tokens.created)}</th>
                    <th scope="col">{td!(locale, tokens.expires)}</th>
                    <th scope="col">{td!(locale, tokens.last_used)}</th>
                    <th scope="col"><span class="visually-hidden">{td!(locale, tokens.actions)}</span></th>
                </tr>
            </thead>
            <tbody>
                {tokens
                    .into_iter()
                    .map(|t| {
                        let expires = match (&t.expires, t.expired) {
                            (None, _) => td_string!(locale, tokens.never).to_string(),
                            (Some(at), true) => fill(td_string!(locale, tokens.expired_at), &[("at", at)]),
                            (Some(at), false) => at.clone(),
                        };
                        view! {
                            <tr>
                                <td>{t.name.clone()}</td>
                                <td>{t.scopes.join(" ")}</td>
                                <td>{t.created.clone()}</td>
                                <td>{expires}</td>
                                <td>{t.last_used.clone().unwrap_or_else(|| td_string!(locale, tokens.never).into())}</td>
                                <td>
                                    <ActionForm action=action>
                                        <ReturnTo/>
                                        <input type="hidden" name="id" value=t.id.to_string()/>
                                        <button
                                            type="submit"
                                            class="danger"
                                            aria-label=fill(td_string!(locale, tokens.revoke_named), &[("name", &t.name)])
                                        >
                                            {td!(locale, tokens.revoke)}
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
