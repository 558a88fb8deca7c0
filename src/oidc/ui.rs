//! `/oauth/authorize`: the consent page of "Sign in with Roster" ("Allow {app} to use your
//! account?", what each scope shares, "Allow" and "Deny"), or why a request is refused; and
//! its route.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Route, hooks::use_query_map, Lazy, MatchNestedRoutes, SsrMode};

use super::{
    api::{oauth_authorize, oauth_logout_target, OauthDecide, OauthLogout},
    AuthorizeQuery, AuthorizeView,
};
use crate::{
    components::{lazy_page, ReturnTo},
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
    view! {
        <Title text="Sign in with Roster"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
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
                            Ok(AuthorizeView::Refused(message)) => {
                                view! {
                                    <h1>"This sign-in cannot go on"</h1>
                                    <p class="error" role="alert">{message}</p>
                                    <p><a href=paths::HOME>"Go to Roster"</a></p>
                                }
                                    .into_any()
                            }
                            Ok(AuthorizeView::Redirecting) => {
                                view! { <p role="status">"Taking you back…"</p> }.into_any()
                            }
                            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }
                                .into_any(),
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
    scopes: Vec<(String, String)>,
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
    view! {
        <h1>{format!("Allow {app} to use your account?")}</h1>
        <p>{format!("{app} will get:")}</p>
        <ul class="scopes">
            {scopes
                .into_iter()
                .map(|(name, shares)| view! { <li><strong>{shares}</strong> " " <code>{name}</code></li> })
                .collect_view()}
        </ul>
        <p class="muted">
            "You can revoke its access at any time under Settings → Apps."
        </p>
        <div class="actions">
            <ActionForm action=action>
                <ReturnTo/>
                {allow_fields}
                <input type="hidden" name="decision" value="allow"/>
                <button type="submit" class="primary">"Allow"</button>
            </ActionForm>
            <ActionForm action=action>
                <ReturnTo/>
                {deny_fields}
                <input type="hidden" name="decision" value="deny"/>
                <button type="submit">"Deny"</button>
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
    view! {
        <Title text="Sign out"/>
        <section class="card narrow">
            <h1>"Sign out of Roster?"</h1>
            <p>"An app you used asks to sign you out of Roster as well."</p>
            <Suspense fallback=|| ()>
                {move || {
                    target
                        .get()
                        .and_then(Result::ok)
                        .flatten()
                        .map(|uri| view! { <p class="muted">{format!("Afterwards you return to {uri}.")}</p> })
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
                <button type="submit" class="primary">"Sign out"</button>
            </ActionForm>
            <p class="aside"><a href=paths::HOME>"Stay signed in"</a></p>
        </section>
    }
}
