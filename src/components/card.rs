//! The card of a signed-in page whose content needs data from the server.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    error::AppError,
    i18n::{td, use_locale},
    paths::login_url,
};

/// A page titled `title`, whose body is `content(data)` once `data` has loaded. When loading
/// fails because the caller is signed out, it sends them to sign in and back to `here`; other
/// errors are shown in place of the body, with their status ([`ErrorAnswer`]; `Forbidden` as a
/// 403 page). While `data` reloads the old body stays (no flash).
#[component]
pub fn DataCard<T, V>(
    title: &'static str,
    here: &'static str,
    data: Resource<Result<T, AppError>>,
    content: impl Fn(T) -> V + Send + Sync + 'static,
    /// A wider card, for tables.
    #[prop(optional)]
    wide: bool,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    let locale = use_locale();
    view! {
        <Title text=title/>
        <section class="card" class:wide=wide>
            <h1>{title}</h1>
            <Transition fallback=move || view! { <p class="muted">{td!(locale, common.loading)}</p> }>
                {move || {
                    data.get()
                        .map(|result| match result {
                            Ok(value) => content(value).into_any(),
                            Err(AppError::Unauthorized) => {
                                view! { <Redirect path=login_url(here)/> }.into_any()
                            }
                            Err(AppError::Forbidden) => view! { <Forbidden/> }.into_any(),
                            Err(other) => view! { <ErrorAnswer error=other/> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

/// What a signed-in person without the right role sees (status 403 on the server-rendered
/// response).
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(http::StatusCode::FORBIDDEN);
        }
    }
    let locale = use_locale();
    view! {
        <p class="error" role="alert">{td!(locale, common.forbidden)}</p>
        <p><a href="/">{td!(locale, not_found.start_page)}</a></p>
    }
}

/// What a page whose data failed to load shows instead of its body: the error in the page's
/// language (a wait for `RateLimited`, the request id for `Internal`) and the way back to the
/// start page. The server-rendered answer gets the error's status (429 with `Retry-After`,
/// 500, ...), so a crawler or a script never takes it for the page.
#[component]
fn ErrorAnswer(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(
                http::StatusCode::from_u16(error.status())
                    .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let AppError::RateLimited { retry_after } = error {
                res.insert_header(http::header::RETRY_AFTER, retry_after.into());
            }
        }
    }
    let locale = use_locale();
    view! {
        <p class="error" role="alert">{super::error_text(locale, &error)}</p>
        <p><a href="/">{td!(locale, not_found.start_page)}</a></p>
    }
}

/// The box of a wide table, which scrolls sideways on a narrow screen. It takes keyboard focus
/// so the table can be scrolled without a pointer (WCAG 2.2 SC 2.1.1; axe
/// `scrollable-region-focusable`), and is a region named `label` so a screen reader says what
/// that focus is on.
#[component]
pub fn TableWrap(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-label=label tabindex="0">
            {children()}
        </div>
    }
}
