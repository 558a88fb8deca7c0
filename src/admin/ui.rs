//! The admin console's pages (`/admin/users`, `/admin/users/new`, `/admin/users/{id}`; the
//! audit, import, outbox and clients pages have modules of their own), their routes, and the
//! console's shared pieces (navigation, pager, the names of roles and states).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, Route, A},
    hooks::{use_params_map, use_query_map},
    Lazy, MatchNestedRoutes, SsrMode,
};

use super::{
    api::{
        admin_user, admin_users, AdminCreateUser, AdminDeleteUser, AdminResendVerification,
        AdminResetPassword, AdminResetTwoFactor, AdminSendResetLink, AdminSignOutEverywhere,
        AdminUpdateUser,
    },
    NewUserForm, SortKey, UserDetail, UserEditForm, UserListQuery, UserPage, PAGE_SIZE,
};
use crate::{
    auth::ui::ViewerContext,
    components::{
        lazy_page, saved_signal, DataCard, Field, Forbidden, FormFeedback, FormMessage, ReturnTo,
        SelectField, SubmitButton, TableWrap, TextAreaField,
    },
    domain::{AccountStatus, MailState, Role},
    i18n::{fill, number, plural, td, td_string, use_locale, Locale},
    paths::{self, Route as Path},
};

/// `role` as the console names it in `locale`.
pub fn role_label(locale: Locale, role: Role) -> &'static str {
    match role {
        Role::User => td_string!(locale, admin.role_user),
        Role::Admin => td_string!(locale, admin.role_admin),
    }
}

/// `status` as the console names it in `locale`.
pub fn status_label(locale: Locale, status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Active => td_string!(locale, admin.status_active),
        AccountStatus::Disabled => td_string!(locale, admin.status_disabled),
    }
}

/// A mail's state as the outbox names it in `locale`.
pub fn mail_state_label(locale: Locale, state: MailState) -> &'static str {
    match state {
        MailState::Pending => td_string!(locale, admin.mail_pending),
        MailState::Sent => td_string!(locale, admin.mail_sent),
        MailState::Failed => td_string!(locale, admin.mail_failed),
    }
}

/// A sortable column's heading in `locale`.
fn sort_label(locale: Locale, key: SortKey) -> &'static str {
    match key {
        SortKey::Name => td_string!(locale, admin.sort_name),
        SortKey::Email => td_string!(locale, admin.sort_email),
        SortKey::Role => td_string!(locale, admin.sort_role),
        SortKey::Status => td_string!(locale, admin.sort_status),
        SortKey::Created => td_string!(locale, admin.sort_created),
        SortKey::LastLogin => td_string!(locale, admin.sort_last_login),
    }
}

/// Where one page of a paged list stands: page `page` (from 1) of pages of `page_size`, with
/// `shown` rows of `total`.
pub(super) struct Summary {
    pub page: u32,
    pub page_size: u32,
    pub shown: usize,
    pub total: i64,
}

impl Summary {
    /// The line above the list: `none` when nothing matches, else `showing` with its
    /// `{first}`, `{last}` and `{total}` ("Showing 1–50 of 100,000 users"), counts grouped
    /// for `locale`.
    pub fn text(&self, locale: Locale, none: &str, showing: &str) -> String {
        if self.total <= 0 {
            return none.to_string();
        }
        let first = (self.page.max(1) - 1) * self.page_size + 1;
        let last = u64::from(first - 1) + self.shown as u64;
        let total = u64::try_from(self.total).unwrap_or(0);
        fill(
            showing,
            &[
                ("first", &number(locale, first.into())),
                ("last", &number(locale, last)),
                ("total", &number(locale, total)),
            ],
        )
    }
}

/// "Any" first, then `(value, label)` of each option: a filter's choices.
pub(super) fn with_any(
    locale: Locale,
    any: bool,
    options: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let mut all = Vec::with_capacity(options.len() + 1);
    if any {
        all.push((String::new(), td_string!(locale, admin.any).to_string()));
    }
    all.extend(options);
    all
}

/// The admin console's pages.
#[component(transparent)]
pub fn AdminRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=Path(paths::ADMIN_USERS) view={Lazy::<AdminUsersRoute>::new()} ssr=SsrMode::Async/>
        <Route path=Path(paths::ADMIN_AUDIT) view={Lazy::<AdminAuditRoute>::new()} ssr=SsrMode::Async/>
        <Route
            path=Path(paths::ADMIN_OUTBOX)
            view={Lazy::<AdminOutboxRoute>::new()}
            ssr=SsrMode::Async
        />
        <Route
            path=Path(paths::ADMIN_CLIENTS)
            view={Lazy::<AdminClientsRoute>::new()}
            ssr=SsrMode::Async
        />
        <Route path=Path(paths::ADMIN_USERS_NEW) view={Lazy::<AdminNewUserRoute>::new()} ssr=SsrMode::Async/>
        <Route path=Path(paths::ADMIN_USERS_IMPORT) view={Lazy::<AdminImportRoute>::new()} ssr=SsrMode::Async/>
        <Route path=Path(paths::ADMIN_USER) view={Lazy::<AdminUserRoute>::new()} ssr=SsrMode::Async/>
    }
    .into_inner()
}

// Loaded from wasm chunks of their own (see `lazy_page!`).
lazy_page!(AdminUsersRoute => AdminUsersPage);
lazy_page!(AdminAuditRoute => super::audit_page::AdminAuditPage);
lazy_page!(AdminOutboxRoute => super::outbox::AdminOutboxPage);
lazy_page!(AdminClientsRoute => super::clients::AdminClientsPage);
lazy_page!(AdminNewUserRoute => AdminNewUserPage);
lazy_page!(AdminImportRoute => super::import_page::AdminImportPage);
lazy_page!(AdminUserRoute => AdminUserPage);

fn role_options(locale: Locale, any: bool) -> Vec<(String, String)> {
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), role_label(locale, *r).to_string()));
    with_any(locale, any, roles.collect())
}

fn status_options(locale: Locale, any: bool) -> Vec<(String, String)> {
    let statuses = AccountStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), status_label(locale, *s).to_string()));
    with_any(locale, any, statuses.collect())
}

/// A yes/no filter: "Any", then `yes` and `no` labelled `labels`.
fn yes_no_options(locale: Locale, labels: (&str, &str)) -> Vec<(String, String)> {
    let options = vec![
        ("yes".to_string(), labels.0.to_string()),
        ("no".to_string(), labels.1.to_string()),
    ];
    with_any(locale, true, options)
}

/// Links between the admin pages.
#[component]
pub fn AdminNav(#[prop(optional)] wide: bool) -> impl IntoView {
    let locale = use_locale();
    view! {
        <nav class="tabs" class:wide=wide aria-label=td_string!(locale, admin.nav_label)>
            <A href=paths::ADMIN_USERS>{td!(locale, admin.nav_users)}</A>
            <A href=paths::ADMIN_AUDIT>{td!(locale, admin.nav_audit)}</A>
            <A href=paths::ADMIN_OUTBOX>{td!(locale, admin.nav_outbox)}</A>
            <A href=paths::ADMIN_CLIENTS>{td!(locale, admin.nav_clients)}</A>
        </nav>
    }
}

/// `/admin/users`: every user, with search, filters, sortable columns and pages of 50. All of
/// its state is in the URL, so the search form is a plain GET form.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|q| UserListQuery::from_params(|k| q.get(k))));
    let users = Resource::new(move || query.get(), admin_users);
    let deleted = move || query_map.with(|q| q.get("deleted").is_some());
    let locale = use_locale();
    view! {
        <AdminNav wide=true/>
        <DataCard
            title=td_string!(locale, admin.users_title)
            here=paths::ADMIN_USERS
            wide=true
            data=users
            content=move |page: UserPage| {
                let state = query.get_untracked();
                view! {
                    {deleted().then(|| view! { <p class="success" role="status">{td!(locale, admin.user_deleted)}</p> })}
                    <p class="actions">
                        <A href=paths::ADMIN_USERS_NEW attr:class="button primary">{td!(locale, admin.new_user)}</A>
                        <A href=paths::ADMIN_USERS_IMPORT attr:class="button">{td!(locale, admin.import_csv)}</A>
                        <a href=state.export_href(false) download rel="external" class="button">
                            {td!(locale, admin.export_csv)}
                        </a>
                        <a href=state.export_href(true) download rel="external" class="button">
                            {td!(locale, admin.export_json)}
                        </a>
                    </p>
                    <SearchForm state=state.clone()/>
                    <UserTable page=page state=state/>
                }
            }
        />
    }
}

/// The search box and filters: a GET form to `/admin/users`, keeping the sort order.
#[component]
fn SearchForm(state: UserListQuery) -> impl IntoView {
    let locale = use_locale();
    view! {
        <Form method="GET" action=paths::ADMIN_USERS>
            <div class="filters">
                <Field label=td_string!(locale, admin.search) name="q" kind="search" value=state.q.clone() error=Signal::derive(|| None)/>
                <SelectField
                    label=td_string!(locale, admin.role)
                    name="role"
                    options=role_options(locale, true)
                    selected=state.role.map_or("", |r| r.as_str())
                    error=Signal::derive(|| None)
                />
                <SelectField
                    label=td_string!(locale, admin.status)
                    name="status"
                    options=status_options(locale, true)
                    selected=state.status.map_or("", |s| s.as_str())
                    error=Signal::derive(|| None)
                />
                <SelectField
                    label=td_string!(locale, admin.verified)
                    name="verified"
                    options=yes_no_options(
                        locale,
                        (td_string!(locale, admin.yes), td_string!(locale, admin.no)),
                    )
                    selected=match state.verified {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "",
                    }
                    error=Signal::derive(|| None)
                />
                <SelectField
                    label=td_string!(locale, admin.two_factor)
                    name="two_factor"
                    options=yes_no_options(
                        locale,
                        (td_string!(locale, admin.on), td_string!(locale, admin.off)),
                    )
                    selected=match state.two_factor {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "",
                    }
                    error=Signal::derive(|| None)
                />
                <input type="hidden" name="sort" value=state.sort.as_str()/>
                <input type="hidden" name="dir" value=if state.desc { "desc" } else { "asc" }/>
                <button type="submit">{td!(locale, admin.apply)}</button>
            </div>
        </Form>
    }
}

/// The table of one page of users, with sortable headings and Previous/Next links.
#[component]
fn UserTable(page: UserPage, state: UserListQuery) -> impl IntoView {
    let locale = use_locale();
    let summary = Summary {
        page: page.page,
        page_size: PAGE_SIZE,
        shown: page.rows.len(),
        total: page.total,
    }
    .text(
        locale,
        td_string!(locale, admin.no_users),
        td_string!(locale, admin.showing_users),
    );
    let headings = SortKey::ALL
        .into_iter()
        .map(|key| {
            let sorted = (state.sort == key).then_some(if state.desc {
                "descending"
            } else {
                "ascending"
            });
            let arrow = sorted.map(|s| if s == "descending" { " ↓" } else { " ↑" });
            view! {
                <th scope="col" aria-sort=sorted>
                    <A href=state.sorted_by(key).href()>{sort_label(locale, key)} {arrow}</A>
                </th>
            }
        })
        .collect_view();
    let rows = page
        .rows
        .into_iter()
        .map(|u| {
            view! {
                <tr>
                    <td>
                        <A href=paths::admin_user(u.id)>{u.display_name}</A>
                    </td>
                    <td>{u.email}</td>
                    <td>{role_label(locale, u.role)}</td>
                    <td>{status_label(locale, u.status)}</td>
                    <td>{u.created}</td>
                    <td>{u.last_login.unwrap_or_else(|| td_string!(locale, admin.never).into())}</td>
                    <td>{if u.verified { td_string!(locale, admin.yes) } else { td_string!(locale, admin.no) }}</td>
                    <td>{if u.two_factor { td_string!(locale, admin.on) } else { td_string!(locale, admin.off) }}</td>
                </tr>
            }
        })
        .collect_view();
    let previous = (page.page > 1).then(|| state.on_page(page.page - 1).href());
    let next = (page.page < page.pages).then(|| state.on_page(page.page + 1).href());
    view! {
        <p class="muted" role="status">{summary}</p>
        <TableWrap label=td_string!(locale, admin.users_title)>
            <table class="users">
                <thead>
                    <tr>
                        {headings}
                        <th scope="col">{td!(locale, admin.verified)}</th>
                        <th scope="col">{td!(locale, admin.two_factor)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </TableWrap>
        <Pager page=page.page pages=page.pages previous next/>
    }
}

/// "Previous" and "Next" links (plain text at either end) around "Page x of y".
#[component]
pub fn Pager(
    page: u32,
    pages: u32,
    previous: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    let locale = use_locale();
    let link = |href: Option<String>, rel: &'static str, label: &'static str| match href {
        Some(href) => view! { <A href=href attr:rel=rel>{label}</A> }.into_any(),
        None => view! { <span aria-disabled="true">{label}</span> }.into_any(),
    };
    let where_ = fill(
        td_string!(locale, admin.page_of),
        &[
            ("page", &number(locale, page.into())),
            ("pages", &number(locale, pages.into())),
        ],
    );
    view! {
        <nav class="pager" aria-label=td_string!(locale, admin.pages)>
            {link(previous, "prev", td_string!(locale, admin.previous))}
            <span>{where_}</span>
            {link(next, "next", td_string!(locale, admin.next))}
        </nav>
    }
}

/// `/admin/users/new`: create a user.
#[component]
pub fn AdminNewUserPage() -> impl IntoView {
    let action = ServerAction::<AdminCreateUser>::new();
    let feedback = FormFeedback::new(action);
    let check = Callback::new(
        feedback.check_before_submit(|f: &NewUserForm| f.parse().err().unwrap_or_default()),
    );
    let cx = ViewerContext::get();
    let is_admin = move || {
        cx.viewer
            .get()
            .map(|v| v.ok().flatten().is_some_and(|v| v.is_admin()))
    };
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, admin.new_user_title)/>
        <section class="card">
            <h1>{td!(locale, admin.new_user_title)}</h1>
            <Transition fallback=|| ()>
                {move || (is_admin() == Some(false)).then(|| view! { <Forbidden/> })}
            </Transition>
            <p><A href=paths::ADMIN_USERS>{td!(locale, admin.back_to_users)}</A></p>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <Field label=td_string!(locale, admin.email) name="email" autocomplete="off" error=feedback.field("email")/>
                <Field
                    label=td_string!(locale, admin.display_name)
                    name="display_name"
                    autocomplete="off"
                    error=feedback.field("display_name")
                />
                <SelectField
                    label=td_string!(locale, admin.role)
                    name="role"
                    options=role_options(locale, false)
                    selected="user"
                    error=feedback.field("role")
                />
                <Field
                    label=td_string!(locale, admin.password)
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint=td_string!(locale, admin.password_hint)
                    error=feedback.field("password")
                />
                <SubmitButton label=td_string!(locale, admin.create_user) pending=action.pending().into() on_click=check/>
            </ActionForm>
        </section>
    }
}

/// `/admin/users/{id}`: edit one user; sign them out everywhere; reset their password; delete
/// them after a confirmation step (`?confirm=delete`).
#[component]
pub fn AdminUserPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        params.with(|p| {
            p.get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or(0)
        })
    });
    let save = ServerAction::<AdminUpdateUser>::new();
    let sign_out = ServerAction::<AdminSignOutEverywhere>::new();
    let reset = ServerAction::<AdminResetPassword>::new();
    let delete = ServerAction::<AdminDeleteUser>::new();
    let send_link = ServerAction::<AdminSendResetLink>::new();
    let resend = ServerAction::<AdminResendVerification>::new();
    let reset_two_factor = ServerAction::<AdminResetTwoFactor>::new();
    let two_factor_reset = saved_signal(reset_two_factor, "two_factor_reset");
    let link_sent = saved_signal(send_link, "link_sent");
    let verification_sent = saved_signal(resend, "verification_sent");
    let resend_feedback = FormFeedback::new(resend);
    let cx = ViewerContext::get();
    cx.refresh_after(save);
    cx.refresh_after(sign_out);
    cx.refresh_after(reset);
    cx.refresh_after(reset_two_factor);
    let saves = cx.saves();
    let user = Resource::new(move || (id.get(), saves.get()), |(id, _)| admin_user(id));
    let feedback = FormFeedback::new(save);
    let saved = saved_signal(save, "saved");
    let signed_out = saved_signal(sign_out, "signed_out");
    let created = move || query.with(|q| q.get("created").is_some());
    let confirming = move || query.with(|q| q.get("confirm").as_deref() == Some("delete"));
    let check = Callback::new(
        feedback.check_before_submit(|f: &UserEditForm| f.parse().err().unwrap_or_default()),
    );
    let locale = use_locale();
    view! {
        <AdminNav/>
        <DataCard
            title=td_string!(locale, admin.edit_user)
            here=paths::ADMIN_USERS
            data=user
            content=move |u: UserDetail| {
                let uid = u.id;
                let who = format!("{} ({})", u.display_name, u.email);
                view! {
                    <p class="muted">
                        {fill(
                            td_string!(locale, admin.user_facts),
                            &[
                                ("email", &u.email),
                                ("created", &u.created),
                                (
                                    "last",
                                    &u.last_login.clone().unwrap_or_else(|| td_string!(locale, admin.never_lower).into()),
                                ),
                            ],
                        )}
                    </p>
                    {created().then(|| view! { <p class="success" role="status">{td!(locale, admin.user_created)}</p> })}
                    {u.one_time_password.clone().map(|password| view! {
                        <div class="notice" role="status">
                            <p>{td!(locale, admin.password_reset_notice)}</p>
                            <p><code class="secret">{password}</code></p>
                            <p class="muted">{td!(locale, admin.must_choose)}</p>
                        </div>
                    })}
                    <ActionForm action=save>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <Show when=move || saved.get()>
                            <p class="success" role="status">{td!(locale, admin.changes_saved)}</p>
                        </Show>
                        <input type="hidden" name="id" value=uid.to_string()/>
                        <Field label=td_string!(locale, admin.display_name) name="display_name" value=u.display_name.clone()
                            error=feedback.field("display_name")/>
                        <TextAreaField label=td_string!(locale, admin.bio) name="bio" value=u.bio.clone() error=feedback.field("bio")/>
                        <Field label=td_string!(locale, admin.location) name="location" value=u.location.clone() error=feedback.field("location")/>
                        <Field label=td_string!(locale, admin.website) name="website" value=u.website.clone() inputmode="url" error=feedback.field("website")/>
                        <SelectField label=td_string!(locale, admin.role) name="role" options=role_options(locale, false) selected=u.role.as_str() error=feedback.field("role")/>
                        <SelectField label=td_string!(locale, admin.status) name="status" options=status_options(locale, false) selected=u.status.as_str() error=feedback.field("status")/>
                        {u.is_self.then(|| view! { <p class="hint">{td!(locale, admin.own_account)}</p> })}
                        <SubmitButton label=td_string!(locale, admin.save_changes) pending=save.pending().into() on_click=check/>
                    </ActionForm>

                    <h2>{td!(locale, admin.sessions)}</h2>
                    <p class="muted">
                        {plural(
                            locale,
                            u.active_sessions.max(0) as u64,
                            td_string!(locale, admin.one_session),
                            td_string!(locale, admin.many_sessions),
                        )}
                        {td!(locale, admin.sign_out_explained)}
                    </p>
                    <Show when=move || signed_out.get()>
                        <p class="success" role="status">{td!(locale, admin.signed_out_everywhere)}</p>
                    </Show>
                    <ActionForm action=sign_out>
                        <ReturnTo/>
                        <input type="hidden" name="id" value=uid.to_string()/>
                        <SubmitButton label=td_string!(locale, admin.sign_out_everywhere) pending=sign_out.pending().into()/>
                    </ActionForm>

                    <h2>{td!(locale, admin.password_heading)}</h2>
                    <p class="muted">
                        {if u.must_change_password {
                            td_string!(locale, admin.waiting_for_password)
                        } else {
                            td_string!(locale, admin.reset_explained)
                        }}
                    </p>
                    <ActionForm action=reset>
                        <ReturnTo/>
                        <input type="hidden" name="id" value=uid.to_string()/>
                        <SubmitButton label=td_string!(locale, admin.reset_password) pending=reset.pending().into()/>
                    </ActionForm>
                    <p class="muted">{td!(locale, admin.or_mail_link)}</p>
                    <Show when=move || link_sent.get()>
                        <p class="success" role="status">{td!(locale, admin.link_sent)}</p>
                    </Show>
                    <ActionForm action=send_link>
                        <ReturnTo/>
                        <input type="hidden" name="id" value=uid.to_string()/>
                        <SubmitButton label=td_string!(locale, admin.send_link) pending=send_link.pending().into()/>
                    </ActionForm>

                    <h2>{td!(locale, admin.email_heading)}</h2>
                    <p class="muted">
                        {if u.verified { td_string!(locale, admin.confirmed) } else { td_string!(locale, admin.not_confirmed) }}
                    </p>
                    <Show when=move || verification_sent.get()>
                        <p class="success" role="status">{td!(locale, admin.verification_sent)}</p>
                    </Show>
                    {(!u.verified).then(|| view! {
                        <ActionForm action=resend>
                            <ReturnTo/>
                            <FormMessage feedback=resend_feedback/>
                            <input type="hidden" name="id" value=uid.to_string()/>
                            <SubmitButton label=td_string!(locale, admin.resend_verification) pending=resend.pending().into()/>
                        </ActionForm>
                    })}

                    <h2>{td!(locale, admin.two_factor_heading)}</h2>
                    <p class="muted">
                        {if u.two_factor {
                            td_string!(locale, admin.two_factor_on)
                        } else {
                            td_string!(locale, admin.two_factor_off)
                        }}
                    </p>
                    <Show when=move || two_factor_reset.get()>
                        <p class="success" role="status">{td!(locale, admin.two_factor_was_reset)}</p>
                    </Show>
                    {u.two_factor.then(|| view! {
                        <ActionForm action=reset_two_factor>
                            <ReturnTo/>
                            <input type="hidden" name="id" value=uid.to_string()/>
                            <SubmitButton label=td_string!(locale, admin.reset_two_factor) pending=reset_two_factor.pending().into()/>
                        </ActionForm>
                    })}

                    <h2>{td!(locale, admin.delete_heading)}</h2>
                    <DeleteUser
                        id=uid
                        who=who
                        action=delete
                        confirming=Signal::derive(confirming)
                    />
                }
            }
        />
    }
}

/// The delete step of a user's page: a "Delete user" button (a GET to `?confirm=delete`, which
/// changes nothing), then the confirmation with "Yes, delete user" and "Cancel".
#[component]
fn DeleteUser(
    id: i64,
    who: String,
    action: ServerAction<AdminDeleteUser>,
    confirming: Signal<bool>,
) -> impl IntoView {
    let feedback = FormFeedback::new(action);
    let page = paths::admin_user(id);
    let locale = use_locale();
    move || {
        let page = page.clone();
        let question = fill(td_string!(locale, admin.delete_question), &[("who", &who)]);
        if confirming.get() {
            view! {
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-title">
                    <p id="confirm-title">
                        <strong>{question}</strong>
                    </p>
                    <p class="muted">{td!(locale, admin.delete_explained)}</p>
                    <ActionForm action=action>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <p class="field-error">{move || feedback.field("confirm").get()}</p>
                        <input type="hidden" name="id" value=id.to_string()/>
                        <input type="hidden" name="confirm" value="yes"/>
                        <p class="actions">
                            <button type="submit" class="danger">{td!(locale, admin.yes_delete_user)}</button>
                            <A href=page attr:class="button">{td!(locale, admin.cancel)}</A>
                        </p>
                    </ActionForm>
                </div>
            }
                .into_any()
        } else {
            view! {
                <Form method="GET" action=page>
                    <input type="hidden" name="confirm" value="delete"/>
                    <button type="submit" class="danger">{td!(locale, admin.delete_user)}</button>
                </Form>
            }
            .into_any()
        }
    }
}
