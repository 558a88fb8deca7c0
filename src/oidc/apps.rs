//! `/settings/apps`: the apps a person allowed to sign them in, with "Revoke access" (its
//! consent forgotten, every grant ended: refresh tokens deleted, access tokens dead at once);
//! server functions, service and page.

use leptos::prelude::*;
use leptos_router::{components::Route, Lazy, MatchNestedRoutes, SsrMode};

use super::{shares, AllowedAppView};
use crate::{
    auth::ui::ViewerContext,
    components::{lazy_page, saved_signal, DataCard, FormFeedback, FormMessage, ReturnTo},
    error::AppError,
    i18n::{fill, td, td_string, use_locale},
    paths::{self, Route as Path},
};

/// The caller's allowed apps.
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "allowed_apps")]
pub async fn allowed_apps() -> Result<Vec<AllowedAppView>, AppError> {
    use super::OidcScope;
    use crate::store::grants;
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let tz = r.caller.time_format(&r.ctx.client);
    Ok(grants::allowed_apps(r.state.pool(), me.user_id())
        .await?
        .into_iter()
        .map(|a| AllowedAppView {
            id: a.client_id,
            name: a.name,
            scopes: a
                .scopes
                .split_whitespace()
                .filter_map(|s| OidcScope::parse(s).ok())
                .collect(),
            allowed: tz.format(a.granted_at),
        })
        .collect())
}

/// "Revoke access" to app `id` (a client's row id), then `/settings/apps?revoked=1`.
///
/// Errors: `Unauthorized` when signed out; `NotFound` when the app was not allowed.
#[server(prefix = "/fn", endpoint = "revoke_app")]
pub async fn revoke_app(id: i64) -> Result<(), AppError> {
    use crate::{
        audit::{
            ssr::{record, AuditEvent},
            AuditAction,
        },
        error::OrInternal,
        server::db::begin_write,
        store::grants,
    };
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let now = r.state.now();
    let mut tx = begin_write(r.state.pool()).await?;
    if !grants::revoke_app(&mut tx, me.user_id(), id, now).await? {
        return Err(AppError::NotFound);
    }
    let event = AuditEvent::new(
        AuditAction::OidcGrantRevoked,
        Some(me.user_id()),
        Some(me.user_id()),
        &r.ctx,
    )
    .with("client", id)
    .with("reason", "access revoked by the person");
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    leptos_axum::redirect(&paths::flagged(paths::SETTINGS_APPS, "revoked"));
    Ok(())
}

/// The apps of the page.
type AppList = Vec<AllowedAppView>;

/// `/settings/apps`, inside the settings area's frame.
#[component(transparent)]
pub fn AppsRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route
            path=Path::below(paths::SETTINGS, paths::SETTINGS_APPS)
            view={Lazy::<AppsSettingsRoute>::new()}
            ssr=SsrMode::Async
        />
    }
    .into_inner()
}

// Loaded from wasm chunks of their own (see `lazy_page!`).
lazy_page!(AppsSettingsRoute => AppsSettingsPage);

/// `/settings/apps`.
#[component]
pub fn AppsSettingsPage() -> impl IntoView {
    let revoke = ServerAction::<RevokeApp>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(revoke);
    let feedback = FormFeedback::new(revoke);
    let revoked = saved_signal(revoke, "revoked");
    let saves = cx.saves();
    let apps = Resource::new(move || saves.get(), |_| allowed_apps());
    let locale = use_locale();
    view! {
        <DataCard
            title=td_string!(locale, oidc.apps_title)
            here=paths::SETTINGS_APPS
            data=apps
            content=move |apps: AppList| {
                view! {
                    <p class="muted">{td!(locale, oidc.apps_intro)}</p>
                    <Show when=move || revoked.get()>
                        <p class="success" role="status">{td!(locale, oidc.access_revoked)}</p>
                    </Show>
                    <FormMessage feedback=feedback/>
                    {if apps.is_empty() {
                        view! { <p class="muted">{td!(locale, oidc.no_apps)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="apps">
                                {apps
                                    .into_iter()
                                    .map(|a| {
                                        view! {
                                            <li>
                                                <h2>{a.name.clone()}</h2>
                                                <p class="muted">
                                                    {fill(td_string!(locale, oidc.allowed_at), &[("at", &a.allowed)])}
                                                </p>
                                                <ul>
                                                    {a
                                                        .scopes
                                                        .iter()
                                                        .map(|s| view! { <li>{shares(locale, *s)}</li> })
                                                        .collect_view()}
                                                </ul>
                                                <ActionForm action=revoke>
                                                    <ReturnTo/>
                                                    <input type="hidden" name="id" value=a.id.to_string()/>
                                                    <button
                                                        type="submit"
                                                        class="danger"
                                                        aria-label=fill(
                                                            td_string!(locale, oidc.revoke_access_of),
                                                            &[("name", &a.name)],
                                                        )
                                                    >
                                                        {td!(locale, oidc.revoke_access)}
                                                    </button>
                                                </ActionForm>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any()
                    }}
                }
            }
        />
    }
}
