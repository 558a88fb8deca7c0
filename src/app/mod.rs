//! The composition root: the HTML shell, the root component with every feature's route group,
//! the page frame (header, theme) and the settings area's frame, drawn once for its tabs; and,
//! on the server, the router with its layers ([`router`]), the background tasks ([`tasks`]) and
//! serving with a graceful shutdown ([`serve`]).

#[cfg(feature = "ssr")]
pub mod router;
#[cfg(feature = "ssr")]
pub mod serve;
#[cfg(feature = "ssr")]
pub mod tasks;

#[cfg(feature = "ssr")]
pub use router::{build_router, BuiltApp};

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Outlet, ParentRoute, Route, Router, Routes, A},
    SsrMode,
};

use crate::{
    account::ui::AccountRoutes,
    admin::ui::AdminRoutes,
    auth::{
        api::{LogOut, ResendVerification},
        mail_ui::VerifyNotice,
        ui::{AuthRoutes, SignOutForm, ViewerContext},
    },
    i18n::{td, td_string, use_locale},
    mfa::ui::SecurityRoutes,
    oidc::{apps::AppsRoutes, ui::OidcRoutes},
    paths::{self, Route as Path},
    profiles::ui::{PreferencesRoutes, ProfileRoutes},
    rest::docs::DocsRoutes,
    tokens::ui::TokensRoutes,
};

/// The document around the app: `<head>` with hydration scripts and styles, `<html lang>` in
/// the page's language (the browser's hydration reads it back: `crate::i18n`).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let lang = crate::i18n::language_of(page_locale()).tag();
    #[cfg(not(feature = "ssr"))]
    let lang = "en";
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.ico" sizes="any"/>
                <AutoReload options/>
                {browser_assets()}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The stylesheet and the scripts that hydrate the page (server only: the browser finds them
/// already in the document).
#[cfg(feature = "ssr")]
fn browser_assets() -> impl IntoView {
    crate::server::assets::head_tags()
}

#[cfg(not(feature = "ssr"))]
fn browser_assets() -> impl IntoView {}

/// The language of the page being rendered: the signed-in person's setting, else the
/// request's `Accept-Language`, else English (`crate::i18n::choose`).
#[cfg(feature = "ssr")]
fn page_locale() -> crate::i18n::Locale {
    let setting = crate::auth::caller::current_caller()
        .and_then(|caller| caller.viewer().and_then(|viewer| viewer.language));
    crate::i18n::choose(setting, crate::i18n::accept_language().as_deref())
}

/// Provides the page's language to every component ([`crate::i18n::use_locale`]): on the
/// server [`page_locale`]'s; in the browser the `<html lang>` the server wrote, so hydration
/// draws the same words. It never changes while a page is open (saving another language loads
/// the settings page again: `profiles::ui::SettingsPage`; a sign-in with a setting takes effect
/// on the next page load).
fn provide_page_language() {
    #[cfg(feature = "ssr")]
    let locale = page_locale();
    #[cfg(not(feature = "ssr"))]
    let locale = document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|tag| crate::domain::Language::from_tag(&tag))
        .map(crate::i18n::locale_of)
        .unwrap_or_default();
    provide_context(locale);
}

/// The root component: router, layout and routes. Every route renders in `Async` mode: the
/// whole page, data included, is ready before the first byte, so status codes and redirects
/// are real and pages work without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_page_language();
    view! {
        <Title formatter=|text: String| {
            if text.is_empty() { "Roster".to_string() } else { format!("{text} · Roster") }
        }/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=Path(paths::HOME) view=HomePage ssr=SsrMode::Async/>
                    <AuthRoutes/>
                    <ProfileRoutes/>
                    <ParentRoute path=Path(paths::SETTINGS) view=SettingsFrame ssr=SsrMode::Async>
                        <PreferencesRoutes/>
                        <AccountRoutes/>
                        <TokensRoutes/>
                        <SecurityRoutes/>
                        <AppsRoutes/>
                    </ParentRoute>
                    <DocsRoutes/>
                    <OidcRoutes/>
                    <AdminRoutes/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// The settings area's tabs, drawn once around whichever tab's page is open.
#[component]
fn SettingsFrame() -> impl IntoView {
    let locale = use_locale();
    view! {
        <nav class="tabs" aria-label=td_string!(locale, settings_tabs.label)>
            <A href=paths::SETTINGS exact=true>{td!(locale, settings_tabs.preferences)}</A>
            <A href=paths::SETTINGS_PASSWORD>{td!(locale, settings_tabs.password)}</A>
            <A href=paths::SETTINGS_SESSIONS>{td!(locale, settings_tabs.sessions)}</A>
            <A href=paths::SETTINGS_SECURITY>{td!(locale, settings_tabs.security)}</A>
            <A href=paths::SETTINGS_TOKENS>{td!(locale, settings_tabs.tokens)}</A>
            <A href=paths::SETTINGS_APPS>{td!(locale, settings_tabs.apps)}</A>
            <A href=paths::SETTINGS_ACCOUNT>{td!(locale, settings_tabs.account)}</A>
        </nav>
        <Outlet/>
    }
}

/// The page frame: the theme wrapper, the header and `<main>`.
#[component]
fn Layout(children: Children) -> impl IntoView {
    let cx = ViewerContext::provide();
    let locale = use_locale();
    // Created here, outside the header's Transition, so it lives as long as the page: see
    // `SignOutForm`.
    let sign_out = ServerAction::<LogOut>::new();
    cx.refresh_after(sign_out);
    let resend = ServerAction::<ResendVerification>::new();
    // On the server the session guard has already looked the viewer up, so the theme is
    // right in the first byte (the resource below is only read inside Suspense, which the
    // frame is not). In the browser the resource holds it from hydration on.
    #[cfg(feature = "ssr")]
    let initial = crate::auth::caller::current_caller().and_then(|c| c.viewer().cloned());
    #[cfg(not(feature = "ssr"))]
    let initial: Option<crate::auth::Viewer> = None;
    let theme = move || {
        let viewer = match cx.viewer.get() {
            Some(loaded) => loaded.ok().flatten(),
            None => initial.clone(),
        };
        viewer.map_or("system", |viewer| viewer.theme.as_str())
    };
    view! {
        <div class="app" data-theme=theme>
            // A plain link for the browser to follow (`rel="external"` keeps the router out):
            // it moves focus past the header to the page's content.
            <a class="skip-link" href="#content" rel="external">
                {td!(locale, skip_to_content)}
            </a>
            <header class="site-header">
                <nav aria-label=td_string!(locale, nav.main)>
                    <A href=paths::HOME attr:class="brand">
                        "Roster"
                    </A>
                    <Transition fallback=|| ()>
                        {move || {
                            cx.viewer
                                .get()
                                .map(|v| match v.ok().flatten() {
                                    Some(viewer) => {
                                        let admin = viewer.is_admin();
                                        view! {
                                            <span class="who">{viewer.display_name}</span>
                                            {admin.then(|| view! { <A href=paths::ADMIN_USERS>{td!(locale, nav.admin)}</A> })}
                                            <A href=paths::PROFILE>{td!(locale, nav.profile)}</A>
                                            <A href=paths::SETTINGS>{td!(locale, nav.settings)}</A>
                                            <SignOutForm action=sign_out/>
                                        }
                                            .into_any()
                                    }
                                    None => {
                                        view! {
                                            <A href=paths::LOGIN>{td!(locale, nav.sign_in)}</A>
                                            <A href=paths::SIGN_UP>{td!(locale, nav.create_account)}</A>
                                        }
                                            .into_any()
                                    }
                                })
                        }}
                    </Transition>
                </nav>
            </header>
            <Transition fallback=|| ()>
                {move || {
                    let unconfirmed = cx
                        .viewer
                        .get()
                        .and_then(|v| v.ok().flatten())
                        .is_some_and(|viewer| !viewer.email_verified);
                    unconfirmed.then(|| view! { <VerifyNotice action=resend/> })
                }}
            </Transition>
            <main id="content" tabindex="-1">
                {children()}
            </main>
        </div>
    }
}

/// `/`: what Roster is, or a welcome for the signed-in person.
#[component]
fn HomePage() -> impl IntoView {
    let cx = ViewerContext::get();
    let locale = use_locale();
    let query = leptos_router::hooks::use_query_map();
    let deleted = move || query.with(|q| q.get("deleted").is_some());
    view! {
        <Title text=""/>
        <Transition fallback=|| ()>
            {move || {
                cx.viewer
                    .get()
                    .map(|v| match v.ok().flatten() {
                        Some(viewer) => {
                            view! {
                                <section class="card">
                                    <h1>{td!(locale, home.welcome, name = viewer.display_name)}</h1>
                                    <ul class="links">
                                        <li><A href=paths::PROFILE>{td!(locale, home.edit_profile)}</A></li>
                                        <li><A href=paths::SETTINGS>{td!(locale, home.change_settings)}</A></li>
                                        <li><A href=paths::SETTINGS_PASSWORD>{td!(locale, home.change_password)}</A></li>
                                        <li><A href=paths::SETTINGS_SESSIONS>{td!(locale, home.see_sessions)}</A></li>
                                        <li><A href=paths::SETTINGS_ACCOUNT>{td!(locale, home.data_or_delete)}</A></li>
                                    </ul>
                                </section>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <section class="card hero">
                                    {deleted()
                                        .then(|| {
                                            view! {
                                                <p class="success" role="status">
                                                    {td!(locale, home.deleted)}
                                                </p>
                                            }
                                        })}
                                    <h1>"Roster"</h1>
                                    <p>
                                        {td!(locale, home.pitch_1)} " " {td!(locale, home.pitch_2)}
                                    </p>
                                    <p class="actions">
                                        <A href=paths::LOGIN attr:class="button">{td!(locale, nav.sign_in)}</A>
                                        <A href=paths::SIGN_UP attr:class="button primary">{td!(locale, nav.create_account)}</A>
                                    </p>
                                </section>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

/// Any unknown path: a 404 page, with status 404 on the server-rendered response.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, not_found.title)/>
        <section class="card narrow">
            <h1>{td!(locale, not_found.title)}</h1>
            <p>{td!(locale, not_found.text)}</p>
            <p><A href=paths::HOME>{td!(locale, not_found.start_page)}</A></p>
        </section>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::time::Duration;

    use leptos::prelude::{provide_context, Owner};

    /// `patches/reactive_graph` (issue 20): a context lookup that drops the last reference to
    /// an ancestor owner (as when another thread drops it mid-render) does not deadlock its
    /// thread. Hangs with reactive_graph 0.2.16 as released.
    #[test]
    fn a_context_lookup_that_drops_its_ancestor_does_not_deadlock() {
        struct Marker;
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let parent = Owner::new();
            parent.with(|| provide_context(Marker));
            let child = parent.child();
            let slot = std::sync::Mutex::new(Some(parent));
            let found = child.with(|| {
                leptos::reactive::owner::with_context::<Marker, _>(|_| {
                    slot.lock().unwrap().take();
                })
            });
            let _ = done.send(found.is_some());
        });
        assert_eq!(finished.recv_timeout(Duration::from_secs(5)), Ok(true));
    }
}
