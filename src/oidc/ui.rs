//! `/oauth/authorize`: the consent page of "Sign in with Roster" ("Allow {app} to use your
//! account?", what each scope shares, "Allow" and "Deny"), or why a request is refused; and
//! its route.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Route, hooks::use_query_map, Lazy, MatchNestedRoutes, SsrMode};

use super::{
    api::{oauth_authorize, oauth_logout_target, OauthDecide, OauthLogout},
    shares, AuthorizeQuery, AuthorizeView, OidcScope,
};
use crate::{
    components::{error_text, lazy_page, ReturnTo},
    i18n::{fill, td, td_string, use_locale},
    paths::{self, Route as Path},
};

/// `/oauth/authorize` and `/oauth/logout`.
#[component(transparent)]
pub fn OidcRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=Path(paths::OAUTH_AUTHORIZE) view={Lazy::<AuthorizeRoute>::new()} ssr=SsrMode::Async/>
        <Route path=Path(paths::OAUTH_LOGOUT) view={Lazy::<LogoutRoute>::new()} ssr=SsrMode::Async/>
    }
    .into_inner()
}

// Loaded from wasm chunks of their own (see `lazy_page!`).
lazy_page!(AuthorizeRoute => AuthorizePage);
lazy_page!(LogoutRoute => LogoutPage);

/// The authorization request of this page's URL.
fn request_of(q: &leptos_router::params::ParamsMap) -> AuthorizeQuery {
    let text = |key: &str| q.get(key).unwrap_or_default();
    AuthorizeQuery {
        response_type: text("response_type"),
        client_id: text("client_id"),
        redirect_uri: text("redirect_uri"),
        scope: text("scope"),
        state: q.get("state"),
        nonce: q.get("nonce"),
        code_challenge: text("code_challenge"),
        code_challenge_method: text("code_challenge_method"),
        prompt: q.get("prompt"),
        max_age: q.get("max_age"),
    }
}

/// `/oauth/authorize`: a request from another app; see `oidc::authorize`.
#[component]
pub fn AuthorizePage() -> impl IntoView {
    let query = use_query_map();
    let request = Memo::new(move |_| query.with(request_of));
    let answer = Resource::new(move || request.get(), oauth_authorize);
    let decide = ServerAction::<OauthDecide>::new();
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, oidc.title)/>
        <section class="card narrow">
            <Suspense fallback=move || view! { <p aria-busy="true">{td!(locale, common.loading)}</p> }>
                {move || {
                    answer
                        .get()
                        .map(|answer| match answer {
                            Ok(AuthorizeView::Consent { app, scopes }) => {
                                view! {
                                    <Consent app scopes request=request.get_untracked() action=decide/>
                                }
                                    .into_any()
                            }
                            Ok(AuthorizeView::Refused(why)) => {
                                view! {
                                    <h1>{td!(locale, oidc.refused_heading)}</h1>
                                    <p class="error" role="alert">{why.text(locale)}</p>
                                    <p><a href=paths::HOME>{td!(locale, oidc.go_to_roster)}</a></p>
                                }
                                    .into_any()
                            }
                            Ok(AuthorizeView::Redirecting) => {
                                view! { <p role="status">{td!(locale, oidc.taking_you_back)}</p> }
                                    .into_any()
                            }
                            Err(e) => {
                                view! { <p class="error" role="alert">{error_text(locale, &e)}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
    }
}

/// The question, what each scope shares, and the two answers (each its own form, so the
/// answer is the form sent, with or without JavaScript).
#[component]
fn Consent(
    app: String,
    scopes: Vec<OidcScope>,
    request: AuthorizeQuery,
    action: ServerAction<OauthDecide>,
) -> impl IntoView {
    let hidden = move |request: &AuthorizeQuery| {
        let mut fields = vec![
            ("query[response_type]", request.response_type.clone()),
            ("query[client_id]", request.client_id.clone()),
            ("query[redirect_uri]", request.redirect_uri.clone()),
            ("query[scope]", request.scope.clone()),
            ("query[code_challenge]", request.code_challenge.clone()),
            (
                "query[code_challenge_method]",
                request.code_challenge_method.clone(),
            ),
        ];
        for (name, value) in [
            ("query[state]", &request.state),
            ("query[nonce]", &request.nonce),
            ("query[prompt]", &request.prompt),
            ("query[max_age]", &request.max_age),
        ] {
            if let Some(value) = value {
                fields.push((name, value.clone()));
            }
        }
        fields
            .into_iter()
            .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
            .collect_view()
    };
    let allow_fields = hidden(&request);
    let deny_fields = hidden(&request);
    let locale = use_locale();
    view! {
        <h1>{fill(td_string!(locale, oidc.allow_question), &[("app", &app)])}</h1>
        <p>{fill(td_string!(locale, oidc.will_get), &[("app", &app)])}</p>
        <ul class="scopes">
            {scopes
                .into_iter()
                .map(|scope| {
                    view! {
                        <li>
                            <strong>{shares(locale, scope)}</strong>
                            " "
                            <code>{scope.as_str()}</code>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <p class="muted">{td!(locale, oidc.revoke_any_time)}</p>
        <div class="actions">
            <ActionForm action=action>
                <ReturnTo/>
                {allow_fields}
                <input type="hidden" name="decision" value="allow"/>
                <button type="submit" class="primary">{td!(locale, oidc.allow)}</button>
            </ActionForm>
            <ActionForm action=action>
                <ReturnTo/>
                {deny_fields}
                <input type="hidden" name="decision" value="deny"/>
                <button type="submit">{td!(locale, oidc.deny)}</button>
            </ActionForm>
        </div>
    }
}

/// `/oauth/logout`: an app asks to sign the person out of Roster too. Signing out changes
/// state, so the page asks and a form does it (a GET never changes anything).
#[component]
pub fn LogoutPage() -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<OauthLogout>::new();
    let field = move |key: &'static str| query.with(|q| q.get(key).unwrap_or_default());
    // Checked on the server: where "Sign out" returns (and so where its form may end).
    let target = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("id_token_hint"),
                    q.get("client_id"),
                    q.get("post_logout_redirect_uri"),
                )
            })
        },
        |(hint, client, uri)| oauth_logout_target(hint, client, uri),
    );
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, oidc.sign_out_title)/>
        <section class="card narrow">
            <h1>{td!(locale, oidc.sign_out_question)}</h1>
            <p>{td!(locale, oidc.sign_out_asks)}</p>
            <Suspense fallback=|| ()>
                {move || {
                    target
                        .get()
                        .and_then(Result::ok)
                        .flatten()
                        .map(|uri| {
                            view! {
                                <p class="muted">
                                    {fill(td_string!(locale, oidc.afterwards), &[("uri", &uri)])}
                                </p>
                            }
                        })
                }}
            </Suspense>
            <ActionForm action=action>
                <ReturnTo/>
                <input type="hidden" name="id_token_hint" value=move || field("id_token_hint")/>
                <input type="hidden" name="client_id" value=move || field("client_id")/>
                <input
                    type="hidden"
                    name="post_logout_redirect_uri"
                    value=move || field("post_logout_redirect_uri")
                />
                <input type="hidden" name="state" value=move || field("state")/>
                <button type="submit" class="primary">{td!(locale, oidc.sign_out)}</button>
            </ActionForm>
            <p class="aside"><a href=paths::HOME>{td!(locale, oidc.stay_signed_in)}</a></p>
        </section>
    }
}
