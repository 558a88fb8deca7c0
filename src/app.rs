//! The HTML shell, the root component, the router and its routes, and the site header.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    hooks::use_location,
    path, SsrMode,
};

use crate::{
    account::ui::{AccountPage, PasswordPage, SessionsPage},
    admin::ui::{AdminAuditPage, AdminImportPage, AdminNewUserPage, AdminUserPage, AdminUsersPage},
    api::ui::{ApiDocsPage, TokensSettingsPage},
    auth::{
        api::{get_viewer, LogOut},
        ui::{LoginPage, SignOutForm, SignUpPage},
        Viewer,
    },
    error::AppError,
    profiles::ui::{ProfilePage, SettingsPage},
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
                <link rel="icon" href="data:,"/>
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

/// Who is signed in, shared by every page: a resource that is fetched again after each
/// navigation and after each action that may change it (sign-in, sign-out, profile, settings).
#[derive(Clone, Copy)]
pub struct ViewerContext {
    pub viewer: Resource<Result<Option<Viewer>, AppError>>,
    refresh: RwSignal<u32>,
}

impl ViewerContext {
    fn provide() -> Self {
        let refresh = RwSignal::new(0u32);
        let location = use_location();
        let viewer = Resource::new(
            move || (refresh.get(), location.pathname.get()),
            |_| get_viewer(),
        );
        let cx = Self { viewer, refresh };
        provide_context(cx);
        cx
    }

    /// The context provided by [`App`].
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// Counts the successful actions so far: page data keyed on it is fetched again after each
    /// save, and kept (with what the person typed) after a refused one.
    pub fn saves(self) -> ReadSignal<u32> {
        self.refresh.read_only()
    }

    /// Fetches the viewer again each time `action` succeeds.
    pub fn refresh_after<S>(self, action: ServerAction<S>)
    where
        S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Send + Sync + 'static,
    {
        let value = action.value();
        Effect::new(move |_| {
            if value.with(|v| matches!(v, Some(Ok(_)))) {
                self.refresh.update(|n| *n += 1);
            }
        });
    }
}

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
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/settings/password")
                        view=PasswordPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/settings/sessions")
                        view=SessionsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/settings/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/settings/tokens")
                        view=TokensSettingsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/api/docs") view=ApiDocsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AdminAuditPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/admin/users/new")
                        view=AdminNewUserPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/admin/users/import")
                        view=AdminImportPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/admin/users/:id")
                        view=AdminUserPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </Layout>
        </Router>
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
    // On the server the page middleware has already looked the viewer up, so the theme is
    // right in the first byte (the resource below is only read inside Suspense, which the
    // frame is not). In the browser the resource holds it from hydration on.
    #[cfg(feature = "ssr")]
    let initial = crate::auth::ssr::current_viewer_extension().flatten();
    #[cfg(not(feature = "ssr"))]
    let initial: Option<Viewer> = None;
    let theme = move || {
        let viewer = match cx.viewer.get() {
            Some(loaded) => loaded.ok().flatten(),
            None => initial.clone(),
        };
        viewer.map_or("system", |viewer| viewer.theme.as_str())
    };
    view! {
        <div class="app" data-theme=theme>
            <header class="site-header">
                <nav aria-label="Main">
                    <A href="/" attr:class="brand">
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
                                            {admin.then(|| view! { <A href="/admin/users">"Admin"</A> })}
                                            <A href="/profile">"Profile"</A>
                                            <A href="/settings">"Settings"</A>
                                            <SignOutForm action=sign_out/>
                                        }
                                            .into_any()
                                    }
                                    None => {
                                        view! {
                                            <A href="/login">"Sign in"</A>
                                            <A href="/signup">"Create account"</A>
                                        }
                                            .into_any()
                                    }
                                })
                        }}
                    </Transition>
                </nav>
            </header>
            <main>{children()}</main>
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
                                        <li><A href="/profile">"Edit your profile"</A></li>
                                        <li><A href="/settings">"Change your settings"</A></li>
                                        <li><A href="/settings/password">"Change your password"</A></li>
                                        <li><A href="/settings/sessions">"See where you are signed in"</A></li>
                                        <li><A href="/settings/account">"Download your data or delete your account"</A></li>
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
                                        <A href="/login" attr:class="button">"Sign in"</A>
                                        <A href="/signup" attr:class="button primary">"Create account"</A>
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
            <p><A href="/">"Go to the start page"</A></p>
        </section>
    }
}
