//! Builds the whole HTTP application: database, sessions, pages, server functions, the JSON
//! API, and the one place that knows the axum layers and their order (crates.io's
//! `apply_axum_middleware`).

use crate::server::db::query;
use std::{sync::Arc, time::Duration};

use crate::server::session_store::Sessions;
use axum::{
    extract::{Extension, Query, State},
    http::StatusCode,
    middleware::from_fn,
    middleware::from_fn_with_state,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use tower_http::{limit::RequestBodyLimitLayer, timeout::TimeoutLayer, trace::TraceLayer};
use tower_sessions::{cookie::time, Expiry, SessionManagerLayer};
use tracing::Span;

use super::{shell, App};
use crate::{
    account, admin,
    auth::{self, Caller},
    mfa, oidc, paths, rest,
    server::{
        context, db, metrics, middleware as mw, page_cache, password, security, AppState, Config,
        MAX_BODY_BYTES,
    },
};

/// The router plus the state behind it (tests use the pool to look at the database).
pub struct BuiltApp {
    pub router: Router,
    pub state: AppState,
}

/// Opens the database (migrating it), starts the background tasks, and assembles the router
/// with its middleware.
///
/// Errors: the database could not be opened, migrated or checked.
pub async fn build_router(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<BuiltApp, db::DbError> {
    let pool = db::open(&config.database_url).await?;
    let keyring = crate::store::data_keys::open(&pool, &config.secret_key_file, config.clock.now())
        .await
        .map_err(|e| db::DbError::Keys(e.to_string()))?;
    tokio::task::spawn_blocking(password::warm_up);

    let store = Sessions::on(&pool);
    let idle = time::Duration::seconds(config.session_idle_timeout.as_secs() as i64);
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(config.session_cookie_name())
        .with_secure(config.secure_cookies)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_path("/")
        // Sign-in sets the real expiry (the absolute deadline); timeouts are enforced by
        // `auth::sessions::session_guard` from the session records, so an unmodified session
        // is not written again on each request.
        .with_expiry(Expiry::OnInactivity(idle));

    let request_timeout = config.request_timeout;
    let state = AppState::new(leptos_options.clone(), pool, config, Some(keyring));
    super::tasks::start(&state, store);

    // Pages, server functions and the other cookie-authenticated routes: sessions, CSRF
    // defence and the form body limit apply to these alone.
    let fallback_state = state.clone();
    let pages = Router::new()
        .route(paths::ACCOUNT_EXPORT, get(account::export::download))
        .route(paths::PASSKEY_LOGIN_OPTIONS, post(auth::passkeys::options))
        .route(paths::PASSKEY_LOGIN, post(auth::passkeys::finish))
        .route(
            paths::PASSKEY_REGISTER_OPTIONS,
            post(mfa::passkeys::options),
        )
        .route(paths::PASSKEY_REGISTER, post(mfa::passkeys::finish))
        .route(paths::HEALTHZ, get(healthz))
        .route(paths::READYZ, get(readyz))
        .route(paths::ADMIN_EXPORT_CSV, get(export_csv))
        .route(paths::ADMIN_EXPORT_JSON, get(export_json))
        .leptos_routes_with_context(&state, route_list(), security::provide_page_nonce, {
            // Each route's handler (this closure with it) is cloned per request; an Arc makes
            // that a reference count instead of a copy of every option.
            let options = Arc::new(leptos_options.clone());
            move || shell(LeptosOptions::clone(&options))
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            move || {
                provide_context(fallback_state.clone());
                security::provide_page_nonce();
            },
            shell,
        ))
        .layer(from_fn(mw::server_fn_error_status))
        .layer(from_fn(auth::guard::page_guard))
        .layer(from_fn_with_state(
            state.clone(),
            auth::sessions::session_guard,
        ))
        .layer(sessions)
        .layer(from_fn(security::page_policy))
        // Signed-out visitors of the public pages are answered before any session work.
        .layer(from_fn_with_state(state.clone(), page_cache::serve))
        .layer(from_fn_with_state(state.clone(), mw::secure_cookie_removal))
        .layer(from_fn(mw::form_return_page))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(from_fn(security::same_origin_writes))
        .layer(from_fn_with_state(state.clone(), metrics::track));

    // The JSON API takes bearer tokens only: no session layer, so a cookie authenticates
    // nothing there and there is no CSRF surface (`shared/SECURITY.md`, API tokens).
    let (api, _) = rest::router();
    let api = api.layer(from_fn_with_state(state.clone(), metrics::track));
    // The OpenID Connect endpoints apps' servers call: no session, no cookies, no CSRF
    // surface (the consent page itself is a page, above).
    let oauth = Router::new()
        .route(paths::OIDC_DISCOVERY, get(oidc::endpoints::discovery))
        .route(paths::OAUTH_JWKS, get(oidc::keys::jwks_endpoint))
        .route(paths::OAUTH_TOKEN, post(oidc::token::endpoint))
        .route(paths::OAUTH_REVOKE, post(oidc::introspect::revoke))
        .route(paths::OAUTH_INTROSPECT, post(oidc::introspect::introspect))
        .route(
            paths::OAUTH_USERINFO,
            get(oidc::endpoints::userinfo).post(oidc::endpoints::userinfo),
        )
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .with_state(state.clone());
    // The built files, straight from disk (precompressed when the browser takes it); a file
    // that is not there is a plain 404, never a rendered page.
    let pkg = tower_http::services::ServeDir::new(format!(
        "{}/{}",
        leptos_options.site_root, leptos_options.site_pkg_dir
    ))
    .precompressed_br()
    .precompressed_gzip()
    .not_found_service(tower::service_fn(|_| async {
        Ok::<_, std::convert::Infallible>((StatusCode::NOT_FOUND, "No such file.").into_response())
    }));
    let router = Router::new()
        .nest_service(paths::PKG_PREFIX, pkg)
        .nest(paths::API_V1, api)
        .merge(oauth)
        .route(paths::OPENAPI_JSON, get(rest::openapi::openapi_json))
        .route(paths::METRICS, get(metrics_page))
        .merge(pages)
        .merge(test_hangs())
        .layer(from_fn_with_state(state.clone(), mw::settle_auth_cache))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        // Pages and JSON compressed on the fly (fastest level: the wire, not the CPU, is what
        // it saves); the built files come precompressed from `--precompress` and pass as is.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Fastest),
        )
        .layer(from_fn(security::security_headers))
        .layer(request_log())
        // Outermost: every request, its log line and its errors name the id made here.
        .layer(from_fn_with_state(state.clone(), context::request_context))
        .with_state(state.clone());

    Ok(BuiltApp { router, state })
}

/// `GET /healthz`: liveness. 200 `ok` whenever the process answers at all.
async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for a database connection.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /readyz`: readiness. 200 `ready` when the database answers `SELECT 1` within
/// [`READY_TIMEOUT`], else 503 `database unavailable` (the cause is logged); 503 `workers
/// stalled` while the runtime watchdog sees a worker that makes no progress, so an
/// orchestrator replaces the process.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if crate::server::watchdog::Watchdog::global().is_some_and(|w| w.stalled() > 0) {
        return (StatusCode::SERVICE_UNAVAILABLE, "workers stalled");
    }
    let check = query("SELECT 1").scalar::<i32>(state.pool());
    match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// `GET /metrics`, with `sessions_active` and the outbox gauges counted now (a failed count is
/// logged and its gauge keeps its last value).
async fn metrics_page(State(state): State<AppState>) -> Response {
    let now = state.now();
    let sessions_active = auth::sessions::count_active(state.pool(), now).await.ok();
    let outbox = match crate::store::outbox::pending(state.pool()).await {
        Ok((pending, oldest)) => Some((pending, oldest.map_or(0, |at| (now - at).max(0)))),
        Err(e) => {
            tracing::warn!(error = %e, "outbox count failed");
            None
        }
    };
    metrics::render(
        &state,
        metrics::Counted {
            sessions_active,
            outbox,
        },
    )
}

/// The test-only routes that hang on purpose (debug builds with `ROSTER_TEST_HANGS=1`; a
/// release build has none): one blocks the runtime worker that serves it, one starts a
/// blocking task that never ends. They prove the watchdog and a bounded shutdown.
fn test_hangs() -> Router<AppState> {
    #[cfg(debug_assertions)]
    if std::env::var_os("ROSTER_TEST_HANGS").is_some() {
        tracing::warn!("ROSTER_TEST_HANGS: routes that hang on purpose are on");
        const FOREVER: Duration = Duration::from_secs(3600);
        return Router::new()
            .route(
                paths::TEST_HANG_WORKER,
                get(|| async {
                    // Deliberately blocking inside async code.
                    std::thread::sleep(FOREVER);
                    "never"
                }),
            )
            .route(
                paths::TEST_HANG_BLOCKING,
                get(|| async {
                    tokio::task::spawn_blocking(|| std::thread::sleep(FOREVER));
                    "started"
                }),
            );
    }
    Router::new()
}

type Params = Query<std::collections::HashMap<String, String>>;

async fn export_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(params): Params,
) -> Response {
    admin::export::download(state, &caller, &params, admin::export::ExportFormat::Csv).await
}

async fn export_json(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(params): Params,
) -> Response {
    admin::export::download(state, &caller, &params, admin::export::ExportFormat::Json).await
}

/// The app's routes, listed once per process: they are the same for every router built, and
/// listing them renders the app in a special mode that must not overlap other renders.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

type RequestLog = TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    fn(&axum::http::Request<axum::body::Body>) -> Span,
    (),
    fn(&axum::http::Response<axum::body::Body>, Duration, &Span),
    (),
    (),
    (),
>;

/// One log line per request: method, path (never the query, which may hold form data),
/// client address, status, latency and request id. Cookies and bodies are never logged.
fn request_log() -> RequestLog {
    fn span(req: &axum::http::Request<axum::body::Body>) -> Span {
        let ctx = req.extensions().get::<crate::request::RequestContext>();
        let request_id = ctx.map_or("-", |ctx| ctx.request_id.as_str());
        let client = ctx
            .and_then(|ctx| ctx.client.ip)
            .map_or_else(|| "-".to_string(), |ip| ip.to_string());
        tracing::info_span!(
            "request",
            method = %req.method(),
            path = %req.uri().path(),
            client = %client,
            request_id = %request_id,
        )
    }
    fn done(res: &axum::http::Response<axum::body::Body>, latency: Duration, _span: &Span) {
        tracing::info!(
            status = res.status().as_u16(),
            latency_ms = latency.as_secs_f64() * 1000.0,
            "served"
        );
    }
    TraceLayer::new_for_http()
        .make_span_with(span as fn(&_) -> Span)
        .on_request(())
        .on_response(done as fn(&_, Duration, &Span))
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}
