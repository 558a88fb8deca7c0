//! Builds the whole HTTP application: database, sessions, pages, server functions, middleware.

use std::{sync::Arc, time::Duration};

use axum::{middleware, Router};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use tower_sessions::{
    cookie::{time, SameSite},
    session_store::ExpiredDeletion,
    Expiry, SessionManagerLayer,
};
use tower_sessions_sqlx_store::SqliteStore;
use tracing::Span;

use super::{db, middleware as mw, password, security, AppState, Config};
use crate::app::{shell, App};

/// Largest request body accepted, in bytes (forms; `shared/SECURITY.md`, Requests). Larger
/// bodies get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How often expired sessions are purged from the database.
const SESSION_PURGE_PERIOD: Duration = Duration::from_secs(60);

/// How often the admin search index is merged into one b-tree ([`db::merge_search_index`]);
/// the first merge runs this long after start-up too, so short-lived processes never do it.
const SEARCH_MERGE_PERIOD: Duration = Duration::from_secs(24 * 60 * 60);

/// The router plus the state behind it (tests use the pool to look at the database).
pub struct BuiltApp {
    pub router: Router,
    pub state: AppState,
}

/// Opens the database (migrating it), starts the expired-session purge, and assembles the
/// router with its middleware.
///
/// Errors: the database could not be opened, migrated or checked.
pub async fn build_router(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<BuiltApp, db::DbError> {
    let pool = db::open(&config.database_url).await?;
    tokio::task::spawn_blocking(password::warm_up);

    let store = SqliteStore::new(pool.clone());
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(
                SESSION_PURGE_PERIOD.as_secs(),
            )),
    );
    let idle = time::Duration::seconds(config.session_idle_timeout.as_secs() as i64);
    let sessions = SessionManagerLayer::new(store)
        .with_name(config.session_cookie_name())
        .with_secure(config.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        // Sign-in sets the real expiry (the absolute deadline); timeouts are enforced by
        // `auth::sessions::session_guard` from the session records, so an unmodified session
        // is not written again on each request.
        .with_expiry(Expiry::OnInactivity(idle));

    let request_timeout = config.request_timeout;
    let state = AppState::new(super::state::AppStateInner {
        leptos_options: leptos_options.clone(),
        pool,
        throttle: Arc::new(super::throttle::Throttle::new(config.throttle)),
        config: Arc::new(config),
        assets: Arc::new(super::assets::AssetNames::from_options(&leptos_options)),
        pages: Arc::default(),
    });

    tokio::spawn(purge_ended_sessions(state.clone()));
    tokio::spawn(merge_search_index(state.clone()));

    let routes = route_list();
    let fallback_state = state.clone();
    // Pages, server functions and the other cookie-authenticated routes: sessions, CSRF
    // defence and the form body limit apply to these alone.
    let pages = Router::new()
        .route(
            "/settings/account/export",
            axum::routing::get(crate::account::ssr::export_download),
        )
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz))
        .route("/admin/users/export.csv", axum::routing::get(export_csv))
        .route("/admin/users/export.json", axum::routing::get(export_json))
        .leptos_routes_with_context(&state, routes, security::provide_page_nonce, {
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
        .layer(middleware::from_fn(mw::server_fn_error_status))
        .layer(middleware::from_fn(mw::page_viewer))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::sessions::session_guard,
        ))
        .layer(sessions)
        .layer(middleware::from_fn(security::page_policy))
        // Signed-out visitors of the public pages are answered before any session work.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::page_cache::serve,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            mw::secure_cookie_removal,
        ))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(super::security::same_origin_writes))
        .layer(middleware::from_fn(super::metrics::track));

    // The JSON API takes bearer tokens only: no session layer, so a cookie authenticates
    // nothing there and there is no CSRF surface (`shared/SECURITY.md`, API tokens).
    let (api, _) = crate::api::v1::router();
    let api = api.layer(middleware::from_fn(super::metrics::track));
    super::metrics::handle();
    let router = Router::new()
        .nest(crate::api::v1::BASE_PATH, api)
        .route(
            "/api/openapi.json",
            axum::routing::get(crate::api::v1::openapi_json),
        )
        .route("/metrics", axum::routing::get(super::metrics::render))
        .merge(pages)
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        // Pages and JSON compressed on the fly (fastest level: the wire, not the CPU, is what
        // it saves); the built files come precompressed from `--precompress` and pass as is.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Fastest),
        )
        .layer(middleware::from_fn(super::security::security_headers))
        .layer(request_log())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
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
/// [`READY_TIMEOUT`], else 503 `database unavailable` (the cause is logged).
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    let check = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&state.pool);
    match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(_)) => (axum::http::StatusCode::OK, "ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
        }
    }
}

type Params = axum::extract::Query<std::collections::HashMap<String, String>>;

async fn export_csv(
    axum::extract::State(state): axum::extract::State<AppState>,
    session: tower_sessions::Session,
    axum::extract::Query(params): Params,
) -> axum::response::Response {
    use crate::admin::ssr::{export_users, ExportFormat};
    export_users(state, session, params, ExportFormat::Csv).await
}

async fn export_json(
    axum::extract::State(state): axum::extract::State<AppState>,
    session: tower_sessions::Session,
    axum::extract::Query(params): Params,
) -> axum::response::Response {
    use crate::admin::ssr::{export_users, ExportFormat};
    export_users(state, session, params, ExportFormat::Json).await
}

/// Every [`SESSION_PURGE_PERIOD`], deletes the session records (and store entries) past their
/// idle or absolute deadline by the configured clock (`shared/SECURITY.md`, Sessions).
async fn purge_ended_sessions(state: AppState) {
    let mut ticks = tokio::time::interval(SESSION_PURGE_PERIOD);
    loop {
        ticks.tick().await;
        match crate::auth::sessions::purge_expired(&state.pool, state.now()).await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(ended, "expired sessions purged"),
            Err(_) => {} // logged by `internal`
        }
    }
}

/// Every [`SEARCH_MERGE_PERIOD`], merges the admin search index so searches read one b-tree.
async fn merge_search_index(state: AppState) {
    let start = tokio::time::Instant::now() + SEARCH_MERGE_PERIOD;
    let mut ticks = tokio::time::interval_at(start, SEARCH_MERGE_PERIOD);
    loop {
        ticks.tick().await;
        match db::merge_search_index(&state.pool).await {
            Ok(0) | Err(_) => {} // errors are logged by `internal`
            Ok(steps) => tracing::info!(steps, "admin search index merged"),
        }
    }
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
/// status, latency and request id. Cookies and bodies are never logged.
fn request_log() -> RequestLog {
    fn span(req: &axum::http::Request<axum::body::Body>) -> Span {
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .unwrap_or("-");
        tracing::info_span!(
            "request",
            method = %req.method(),
            path = %req.uri().path(),
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
