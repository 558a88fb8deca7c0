//! Capabilities: the values a service needs to act for someone, which only this module makes
//! (lldap's access-control handlers work the same way). [`Me`] is the right to act on one's
//! own account; [`Admin`] on everyone's, held by an active administrator *now*. They come from
//! this request's session ([`Caller`], made by the session guard), from a checked personal
//! access token with the right scope (`auth::tokens::CheckedToken`), or from the command line
//! ([`Admin::operator`], [`operator_as`]).

use super::Viewer;
use crate::{
    error::AppError,
    request::RequestContext,
    server::AppState,
    store::users::{ProfileRow, ViewerRow},
};

/// The right to act on one's own account: user `user_id`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    user_id: i64,
}

impl Me {
    /// Whose account this is (`users.id`).
    pub fn user_id(&self) -> i64 {
        self.user_id
    }

    pub(super) fn new(user_id: i64) -> Self {
        Self { user_id }
    }
}

/// The right to act on everyone's account: an active administrator (checked in this request),
/// or the operator at the server's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    /// The administrator's own id; `None` for the operator.
    actor: Option<i64>,
}

impl Admin {
    /// The operator of the server's command line (`roster admin create` and the like): what
    /// they do is recorded with no actor.
    pub fn operator() -> Self {
        Self { actor: None }
    }

    /// The administrator's user id, for the audit trail (`None`: the operator).
    pub fn actor(&self) -> Option<i64> {
        self.actor
    }

    /// Whether this administrator is user `id` (whom they may not demote, disable or delete).
    pub fn is(&self, id: i64) -> bool {
        self.actor == Some(id)
    }

    pub(super) fn new(user_id: i64) -> Self {
        Self {
            actor: Some(user_id),
        }
    }
}

/// Who is calling through this request's session, as the session guard found them (it reads
/// the session record, the account's role and status and the profile in one query). Put into
/// every request's extensions behind the guard.
#[derive(Debug, Clone, Default)]
pub enum Caller {
    /// No session, or one that ended.
    #[default]
    Anonymous,
    /// A live session of user `user_id` with record `record`. `viewer` is `None` when the
    /// account is not active (a disabled account views and does nothing).
    Session {
        user_id: i64,
        record: i64,
        viewer: Option<Viewer>,
        profile: Box<ProfileRow>,
    },
}

impl Caller {
    /// The caller's own-account capability.
    ///
    /// Errors: `Unauthorized` when nobody is signed in or the account is not active;
    /// `Forbidden` while the person must first choose a new password (after an administrator's
    /// reset: `shared/SECURITY.md`, Sessions), when only [`Self::me_to_change_password`] holds.
    pub fn me(&self) -> Result<Me, AppError> {
        match self {
            Caller::Session {
                viewer: Some(viewer),
                ..
            } if viewer.must_change_password => Err(AppError::Forbidden),
            _ => self.me_to_change_password(),
        }
    }

    /// The caller's own-account capability for changing the password, which a person who must
    /// choose a new one holds too.
    ///
    /// Errors: `Unauthorized` when nobody is signed in or the account is not active.
    pub fn me_to_change_password(&self) -> Result<Me, AppError> {
        match self {
            Caller::Session {
                user_id,
                viewer: Some(_),
                ..
            } => Ok(Me::new(*user_id)),
            _ => Err(AppError::Unauthorized),
        }
    }

    /// The caller's administrator capability (the role as read in this request, so a
    /// demotion takes effect at once).
    ///
    /// Errors: `Unauthorized` when signed out (or not active); `Forbidden` for anyone but an
    /// administrator, for an administrator who must first choose a new password, and for one
    /// who must first set up a second factor (`ROSTER_REQUIRE_2FA_FOR_ADMINS`).
    pub fn admin(&self) -> Result<Admin, AppError> {
        match self {
            Caller::Session {
                user_id,
                viewer: Some(viewer),
                ..
            } if viewer.is_admin()
                && !viewer.must_change_password
                && !viewer.second_factor_required =>
            {
                Ok(Admin::new(*user_id))
            }
            Caller::Session {
                viewer: Some(_), ..
            } => Err(AppError::Forbidden),
            _ => Err(AppError::Unauthorized),
        }
    }

    /// The signed-in, active person as pages show them.
    pub fn viewer(&self) -> Option<&Viewer> {
        match self {
            Caller::Session { viewer, .. } => viewer.as_ref(),
            Caller::Anonymous => None,
        }
    }

    /// The caller's own profile, read with the session (no second query for `/profile`).
    pub fn profile(&self) -> Option<&ProfileRow> {
        match self {
            Caller::Session {
                viewer: Some(_),
                profile,
                ..
            } => Some(profile),
            _ => None,
        }
    }

    /// The id of the caller's session record.
    pub fn record(&self) -> Option<i64> {
        match self {
            Caller::Session { record, .. } => Some(*record),
            Caller::Anonymous => None,
        }
    }

    /// The caller's time zone (UTC when signed out).
    pub fn time_zone(&self) -> String {
        self.viewer()
            .map_or_else(|| "UTC".to_string(), |v| v.time_zone.clone())
    }

    /// How the caller reads times: their time zone, and their page's language (their setting,
    /// else `client`'s `Accept-Language`: `i18n::request_locale`).
    #[cfg(feature = "ssr")]
    pub fn time_format(&self, client: &crate::request::Client) -> crate::domain::time::TimeFormat {
        let setting = self.viewer().and_then(|v| v.language);
        let locale = crate::i18n::request_locale(setting, client);
        crate::domain::time::TimeFormat::new(self.time_zone(), crate::i18n::language_of(locale))
    }
}

impl Viewer {
    /// The viewer of a stored row, when the account is active (a disabled one views nothing).
    pub fn from_row(row: ViewerRow) -> Option<Viewer> {
        (row.status == crate::domain::AccountStatus::Active).then_some(Viewer {
            theme: row.theme,
            role: row.role,
            display_name: row.display_name,
            time_zone: row.time_zone,
            language: row
                .language
                .as_deref()
                .and_then(crate::domain::Language::from_tag),
            must_change_password: row.must_change_password,
            email_verified: row.email_verified,
            two_factor: row.two_factor,
            second_factor_required: false,
        })
    }
}

/// What a server function adapter needs of its request: the state, the request's context and
/// the caller. Read from Leptos context once per call ([`this_request`]).
pub struct ThisRequest {
    pub state: AppState,
    pub ctx: RequestContext,
    pub caller: Caller,
}

/// The state, context and caller of the request a server function or render is handling.
///
/// Errors: `Internal` outside a request behind the session guard (a programming error).
pub fn this_request() -> Result<ThisRequest, AppError> {
    let (caller, ctx) = crate::request::with_parts(|parts| {
        (
            parts.extensions.get::<Caller>().cloned(),
            parts.extensions.get::<RequestContext>().cloned(),
        )
    })
    .ok_or_else(|| crate::error::internal("request parts missing from context"))?;
    let caller = caller.ok_or_else(|| crate::error::internal("the session guard did not run"))?;
    let ctx =
        ctx.ok_or_else(|| crate::error::internal("RequestContext missing from the request"))?;
    Ok(ThisRequest {
        state: crate::server::state::app_state()?,
        ctx,
        caller,
    })
}

/// The caller of the request being rendered, if the session guard saw it (`None` outside one).
pub fn current_caller() -> Option<Caller> {
    crate::request::with_parts(|parts| parts.extensions.get::<Caller>().cloned()).flatten()
}

/// The command line acting for the user with `email` (`roster token create`).
///
/// Errors (as a message for the terminal): no such user, or a database failure.
pub async fn operator_as(state: &AppState, email: &str) -> Result<Me, String> {
    let email = crate::domain::Email::parse(email).map_err(|e| format!("email: {e}"))?;
    crate::store::users::id_by_email(state.pool(), email.as_str())
        .await
        .map_err(|e| e.to_string())?
        .map(Me::new)
        .ok_or_else(|| format!("no user with the email {email}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Role, Theme};

    fn session(role: Role, active: bool) -> Caller {
        session_with(role, active, false)
    }

    fn session_with(role: Role, active: bool, must_change_password: bool) -> Caller {
        Caller::Session {
            user_id: 7,
            record: 1,
            viewer: active.then(|| Viewer {
                display_name: "Ann".into(),
                theme: Theme::System,
                time_zone: "UTC".into(),
                language: None,
                role,
                must_change_password,
                email_verified: true,
                two_factor: false,
                second_factor_required: false,
            }),
            profile: Box::new(ProfileRow {
                email: "ann@example.org".into(),
                display_name: "Ann".into(),
                bio: String::new(),
                location: String::new(),
                website: String::new(),
                time_zone: "UTC".into(),
                created_at: 0,
            }),
        }
    }

    #[test]
    fn capabilities_follow_the_session() {
        assert_eq!(Caller::Anonymous.me(), Err(AppError::Unauthorized));
        assert_eq!(Caller::Anonymous.admin(), Err(AppError::Unauthorized));
        let user = session(Role::User, true);
        assert_eq!(user.me().map(|m| m.user_id()), Ok(7));
        assert_eq!(user.admin(), Err(AppError::Forbidden));
        let admin = session(Role::Admin, true).admin().unwrap();
        assert!(admin.is(7) && admin.actor() == Some(7));
        assert_eq!(Admin::operator().actor(), None);
    }

    #[test]
    fn a_person_who_must_choose_a_new_password_may_only_do_that() {
        for role in [Role::User, Role::Admin] {
            let caller = session_with(role, true, true);
            assert_eq!(caller.me(), Err(AppError::Forbidden));
            assert_eq!(caller.admin(), Err(AppError::Forbidden));
            assert_eq!(caller.me_to_change_password().map(|m| m.user_id()), Ok(7));
        }
    }

    #[test]
    fn a_disabled_account_holds_no_capability() {
        let disabled = session(Role::Admin, false);
        assert_eq!(disabled.me(), Err(AppError::Unauthorized));
        assert_eq!(disabled.admin(), Err(AppError::Unauthorized));
        assert!(disabled.viewer().is_none() && disabled.profile().is_none());
    }
}
