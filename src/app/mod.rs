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
    mfa::ui::SecurityRoutes,
    oidc::{apps::AppsRoutes, ui::OidcRoutes},
    paths::{self, Route as Path},
    profiles::ui::{PreferencesRoutes, ProfileRoutes},
    rest::docs::DocsRoutes,
    tokens::ui::TokensRoutes,
};

/// The document around the app: `<head>` with hydration scripts and styles.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
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

/// The root component: router, layout and routes. Every route renders in `Async` mode: the
/// whole page, data included, is ready before the first byte, so status codes and redirects
/// are real and pages work without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
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
    view! {
        <nav class="tabs" aria-label="Settings">
            <A href=paths::SETTINGS exact=true>"Preferences"</A>
            <A href=paths::SETTINGS_PASSWORD>"Password"</A>
            <A href=paths::SETTINGS_SESSIONS>"Sessions"</A>
            <A href=paths::SETTINGS_SECURITY>"Security"</A>
            <A href=paths::SETTINGS_TOKENS>"Tokens"</A>
            <A href=paths::SETTINGS_APPS>"Apps"</A>
            <A href=paths::SETTINGS_ACCOUNT>"Account"</A>
        </nav>
        <Outlet/>
    }
}

/// The page frame: the theme wrapper, the header and `<main>`.
#[component]
fn Layout(children: Children) -> impl IntoView {
    let cx = ViewerContext::provide();
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
                "Skip to content"
            </a>
            <header class="site-header">
                <nav aria-label="Main">
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
                                            {admin.then(|| view! { <A href=paths::ADMIN_USERS>"Admin"</A> })}
                                            <A href=paths::PROFILE>"Profile"</A>
                                            <A href=paths::SETTINGS>"Settings"</A>
                                            <SignOutForm action=sign_out/>
                                        }
                                            .into_any()
                                    }
                                    None => {
                                        view! {
                                            <A href=paths::LOGIN>"Sign in"</A>
                                            <A href=paths::SIGN_UP>"Create account"</A>
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
                                    <h1>"Welcome, " {viewer.display_name}</h1>
                                    <ul class="links">
                                        <li><A href=paths::PROFILE>"Edit your profile"</A></li>
                                        <li><A href=paths::SETTINGS>"Change your settings"</A></li>
                                        <li><A href=paths::SETTINGS_PASSWORD>"Change your password"</A></li>
                                        <li><A href=paths::SETTINGS_SESSIONS>"See where you are signed in"</A></li>
                                        <li><A href=paths::SETTINGS_ACCOUNT>"Download your data or delete your account"</A></li>
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
                                                    "Your account has been deleted."
                                                </p>
                                            }
                                        })}
                                    <h1>"Roster"</h1>
                                    <p>
                                        "Your account and profile, kept on a server you trust. "
                                        "Sign up, sign in, and keep your profile and settings in one place."
                                    </p>
                                    <p class="actions">
                                        <A href=paths::LOGIN attr:class="button">"Sign in"</A>
                                        <A href=paths::SIGN_UP attr:class="button primary">"Create account"</A>
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
    view! {
        <Title text="Page not found"/>
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p><A href=paths::HOME>"Go to the start page"</A></p>
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
