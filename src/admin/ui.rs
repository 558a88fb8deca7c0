//! The admin console's pages (`/admin/users`, `/admin/users/new`, `/admin/users/import`,
//! `/admin/users/{id}`, `/admin/audit`) and their routes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, Route, A},
    hooks::{use_params_map, use_query_map},
    Lazy, MatchNestedRoutes, SsrMode,
};

use super::{
    api::{
        admin_audit, admin_import_report, admin_user, admin_users, AdminCreateUser,
        AdminDeleteUser, AdminImportUsers, AdminResendVerification, AdminResetPassword,
        AdminResetTwoFactor, AdminSendResetLink, AdminSignOutEverywhere, AdminUpdateUser,
    },
    ImportState, NewUserForm, SortKey, UserDetail, UserEditForm, UserListQuery, UserPage,
    PAGE_SIZE,
};
use crate::{
    audit::{AuditPage, AuditQuery},
    auth::ui::ViewerContext,
    components::{
        lazy_page, saved_signal, DataCard, Field, Forbidden, FormFeedback, FormMessage, ReturnTo,
        SelectField, SubmitButton, TableWrap, TextAreaField,
    },
    domain::{AccountStatus, Role},
    paths::{self, Route as Path},
};

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
lazy_page!(AdminAuditRoute => AdminAuditPage);
lazy_page!(AdminOutboxRoute => super::outbox::AdminOutboxPage);
lazy_page!(AdminClientsRoute => super::clients::AdminClientsPage);
lazy_page!(AdminNewUserRoute => AdminNewUserPage);
lazy_page!(AdminImportRoute => AdminImportPage);
lazy_page!(AdminUserRoute => AdminUserPage);

fn role_options(any: bool) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), r.label().to_string()))
        .collect();
    if any {
        options.insert(0, (String::new(), "Any".to_string()));
    }
    options
}

fn status_options(any: bool) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = AccountStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    if any {
        options.insert(0, (String::new(), "Any".to_string()));
    }
    options
}

/// Links between the admin pages.
#[component]
pub fn AdminNav(#[prop(optional)] wide: bool) -> impl IntoView {
    view! {
        <nav class="tabs" class:wide=wide aria-label="Admin">
            <A href=paths::ADMIN_USERS>"Users"</A>
            <A href=paths::ADMIN_AUDIT>"Audit"</A>
            <A href=paths::ADMIN_OUTBOX>"Outbox"</A>
            <A href=paths::ADMIN_CLIENTS>"Clients"</A>
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
    view! {
        <AdminNav wide=true/>
        <DataCard
            title="Users"
            here=paths::ADMIN_USERS
            wide=true
            data=users
            content=move |page: UserPage| {
                let state = query.get_untracked();
                view! {
                    {deleted().then(|| view! { <p class="success" role="status">"User deleted"</p> })}
                    <p class="actions">
                        <A href=paths::ADMIN_USERS_NEW attr:class="button primary">"New user"</A>
                        <A href=paths::ADMIN_USERS_IMPORT attr:class="button">"Import CSV"</A>
                        <a href=state.export_href(false) download rel="external" class="button">
                            "Export CSV"
                        </a>
                        <a href=state.export_href(true) download rel="external" class="button">
                            "Export JSON"
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
    view! {
        <Form method="GET" action=paths::ADMIN_USERS>
            <div class="filters">
                <Field label="Search" name="q" kind="search" value=state.q.clone() error=Signal::derive(|| None)/>
                <SelectField
                    label="Role"
                    name="role"
                    options=role_options(true)
                    selected=state.role.map_or("", |r| r.as_str())
                    error=Signal::derive(|| None)
                />
                <SelectField
                    label="Status"
                    name="status"
                    options=status_options(true)
                    selected=state.status.map_or("", |s| s.as_str())
                    error=Signal::derive(|| None)
                />
                <SelectField
                    label="Verified"
                    name="verified"
                    options=vec![
                        (String::new(), "Any".to_string()),
                        ("yes".to_string(), "Yes".to_string()),
                        ("no".to_string(), "No".to_string()),
                    ]
                    selected=match state.verified {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "",
                    }
                    error=Signal::derive(|| None)
                />
                <SelectField
                    label="Two-factor"
                    name="two_factor"
                    options=vec![
                        (String::new(), "Any".to_string()),
                        ("yes".to_string(), "On".to_string()),
                        ("no".to_string(), "Off".to_string()),
                    ]
                    selected=match state.two_factor {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "",
                    }
                    error=Signal::derive(|| None)
                />
                <input type="hidden" name="sort" value=state.sort.as_str()/>
                <input type="hidden" name="dir" value=if state.desc { "desc" } else { "asc" }/>
                <button type="submit">"Apply"</button>
            </div>
        </Form>
    }
}

/// The table of one page of users, with sortable headings and Previous/Next links.
#[component]
fn UserTable(page: UserPage, state: UserListQuery) -> impl IntoView {
    let first = (page.page - 1) * PAGE_SIZE + 1;
    let last = first - 1 + page.rows.len() as u32;
    let summary = if page.total == 0 {
        "No users match.".to_string()
    } else {
        format!("Showing {first}–{last} of {} users", page.total)
    };
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
                    <A href=state.sorted_by(key).href()>{key.label()} {arrow}</A>
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
                    <td>{u.role.label()}</td>
                    <td>{u.status.label()}</td>
                    <td>{u.created}</td>
                    <td>{u.last_login.unwrap_or_else(|| "Never".into())}</td>
                    <td>{if u.verified { "Yes" } else { "No" }}</td>
                    <td>{if u.two_factor { "On" } else { "Off" }}</td>
                </tr>
            }
        })
        .collect_view();
    let previous = (page.page > 1).then(|| state.on_page(page.page - 1).href());
    let next = (page.page < page.pages).then(|| state.on_page(page.page + 1).href());
    view! {
        <p class="muted" role="status">{summary}</p>
        <TableWrap label="Users">
            <table class="users">
                <thead>
                    <tr>{headings} <th scope="col">"Verified"</th> <th scope="col">"Two-factor"</th></tr>
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
    let link = |href: Option<String>, rel: &'static str, label: &'static str| match href {
        Some(href) => view! { <A href=href attr:rel=rel>{label}</A> }.into_any(),
        None => view! { <span aria-disabled="true">{label}</span> }.into_any(),
    };
    view! {
        <nav class="pager" aria-label="Pages">
            {link(previous, "prev", "Previous")}
            <span>{format!("Page {page} of {pages}")}</span>
            {link(next, "next", "Next")}
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
    view! {
        <Title text="New user"/>
        <section class="card">
            <h1>"New user"</h1>
            <Transition fallback=|| ()>
                {move || (is_admin() == Some(false)).then(|| view! { <Forbidden/> })}
            </Transition>
            <p><A href=paths::ADMIN_USERS>"Back to users"</A></p>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <Field label="Email" name="email" autocomplete="off" error=feedback.field("email")/>
                <Field label="Display name" name="display_name" autocomplete="off" error=feedback.field("display_name")/>
                <SelectField
                    label="Role"
                    name="role"
                    options=role_options(false)
                    selected="user"
                    error=feedback.field("role")
                />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="12 to 128 characters; they can change it after signing in."
                    error=feedback.field("password")
                />
                <SubmitButton label="Create user" pending=action.pending().into() on_click=check/>
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
    view! {
        <AdminNav/>
        <DataCard
            title="Edit user"
            here=paths::ADMIN_USERS
            data=user
            content=move |u: UserDetail| {
                let uid = u.id;
                let who = format!("{} ({})", u.display_name, u.email);
                view! {
                    <p class="muted">
                        {u.email.clone()} " · created " {u.created.clone()} " · last sign-in "
                        {u.last_login.clone().unwrap_or_else(|| "never".into())}
                    </p>
                    {created().then(|| view! { <p class="success" role="status">"User created"</p> })}
                    {u.one_time_password.clone().map(|password| view! {
                        <div class="notice" role="status">
                            <p>"Password reset. Give this one-time password to the person; it is shown only now:"</p>
                            <p><code class="secret">{password}</code></p>
                            <p class="muted">"They must choose a new password when they sign in."</p>
                        </div>
                    })}
                    <ActionForm action=save>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <Show when=move || saved.get()>
                            <p class="success" role="status">"Changes saved"</p>
                        </Show>
                        <input type="hidden" name="id" value=uid.to_string()/>
                        <Field label="Display name" name="display_name" value=u.display_name.clone()
                            error=feedback.field("display_name")/>
                        <TextAreaField label="Bio" name="bio" value=u.bio.clone() error=feedback.field("bio")/>
                        <Field label="Location" name="location" value=u.location.clone() error=feedback.field("location")/>
                        <Field label="Website" name="website" value=u.website.clone() inputmode="url" error=feedback.field("website")/>
                        <SelectField label="Role" name="role" options=role_options(false) selected=u.role.as_str() error=feedback.field("role")/>
                        <SelectField label="Status" name="status" options=status_options(false) selected=u.status.as_str() error=feedback.field("status")/>
                        {u.is_self.then(|| view! { <p class="hint">"This is your own account: you cannot demote, disable or delete it here."</p> })}
                        <SubmitButton label="Save changes" pending=save.pending().into() on_click=check/>
                    </ActionForm>

                    <h2>"Sessions"</h2>
                    <p class="muted">
                        {format!("{} active session(s).", u.active_sessions)}
                        " Signing out everywhere ends them all and revokes their personal access tokens."
                    </p>
                    <Show when=move || signed_out.get()>
                        <p class="success" role="status">"Signed out everywhere"</p>
                    </Show>
                    <ActionForm action=sign_out>
                        <ReturnTo/>
                        <input type="hidden" name="id" value=uid.to_string()/>
                        <SubmitButton label="Sign out everywhere" pending=sign_out.pending().into()/>
                    </ActionForm>

                    <h2>"Password"</h2>
                    <p class="muted">
                        {if u.must_change_password {
                            "Waiting for them to choose a new password."
                        } else {
                            "Resetting gives a one-time password, signs them out everywhere and revokes their personal access tokens."
                        }}
                    </p>
                    <ActionForm action=reset>
                        <ReturnTo/>
                        <input type="hidden" name="id" value=uid.to_string()/>
                        <SubmitButton label="Reset password" pending=reset.pending().into()/>
                    </ActionForm>
                    <p class="muted">"Or mail them a link to choose a new password themselves (it works for 1 hour)."</p>
                    <Show when=move || link_sent.get()>
                        <p class="success" role="status">"Reset link sent"</p>
                    </Show>
                    <ActionForm action=send_link>
                        <ReturnTo/>
                        <input type="hidden" name="id" value=uid.to_string()/>
                        <SubmitButton label="Send password reset link" pending=send_link.pending().into()/>
                    </ActionForm>

                    <h2>"Email address"</h2>
                    <p class="muted">
                        {if u.verified { "Confirmed." } else { "Not confirmed yet." }}
                    </p>
                    <Show when=move || verification_sent.get()>
                        <p class="success" role="status">"Verification email sent"</p>
                    </Show>
                    {(!u.verified).then(|| view! {
                        <ActionForm action=resend>
                            <ReturnTo/>
                            <FormMessage feedback=resend_feedback/>
                            <input type="hidden" name="id" value=uid.to_string()/>
                            <SubmitButton label="Resend verification" pending=resend.pending().into()/>
                        </ActionForm>
                    })}

                    <h2>"Two-factor sign-in"</h2>
                    <p class="muted">
                        {if u.two_factor {
                            "On. Resetting removes their authenticator app, passkeys and recovery codes and signs them out everywhere, for someone who lost their device and codes."
                        } else {
                            "Off: they sign in with a password alone."
                        }}
                    </p>
                    <Show when=move || two_factor_reset.get()>
                        <p class="success" role="status">"Two-factor sign-in reset"</p>
                    </Show>
                    {u.two_factor.then(|| view! {
                        <ActionForm action=reset_two_factor>
                            <ReturnTo/>
                            <input type="hidden" name="id" value=uid.to_string()/>
                            <SubmitButton label="Reset two-factor" pending=reset_two_factor.pending().into()/>
                        </ActionForm>
                    })}

                    <h2>"Delete"</h2>
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
    move || {
        let page = page.clone();
        let question = format!("Delete {who} for good?");
        if confirming.get() {
            view! {
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-title">
                    <p id="confirm-title">
                        <strong>{question}</strong>
                    </p>
                    <p class="muted">
                        "Their sessions end and their account and profile are removed. This cannot be undone."
                    </p>
                    <ActionForm action=action>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <p class="field-error">{move || feedback.field("confirm").get()}</p>
                        <input type="hidden" name="id" value=id.to_string()/>
                        <input type="hidden" name="confirm" value="yes"/>
                        <p class="actions">
                            <button type="submit" class="danger">"Yes, delete user"</button>
                            <A href=page attr:class="button">"Cancel"</A>
                        </p>
                    </ActionForm>
                </div>
            }
                .into_any()
        } else {
            view! {
                <Form method="GET" action=page>
                    <input type="hidden" name="confirm" value="delete"/>
                    <button type="submit" class="danger">"Delete user"</button>
                </Form>
            }
            .into_any()
        }
    }
}

/// `/admin/audit`: audit events, newest first, filtered by actor, action, target and dates,
/// 50 a page; the filters are a GET form, so they live in the URL.
#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|q| AuditQuery::from_params(|k| q.get(k))));
    let events = Resource::new(move || query.get(), admin_audit);
    let none = || Signal::derive(|| None::<String>);
    view! {
        <AdminNav wide=true/>
        <DataCard
            title="Audit"
            here=paths::ADMIN_AUDIT
            wide=true
            data=events
            content=move |page: AuditPage| {
                let state = query.get_untracked();
                let mut actions = vec![(String::new(), "Any".to_string())];
                actions.extend(page.actions.iter().map(|a| (a.clone(), a.clone())));
                let first = (page.page - 1) * crate::audit::PAGE_SIZE + 1;
                let summary = if page.total == 0 {
                    "No events match.".to_string()
                } else {
                    format!("Showing {first}–{} of {} events", first - 1 + page.rows.len() as u32, page.total)
                };
                let previous = (page.page > 1).then(|| state.on_page(page.page - 1).href());
                let next = (page.page < page.pages).then(|| state.on_page(page.page + 1).href());
                view! {
                    <Form method="GET" action=paths::ADMIN_AUDIT>
                        <div class="filters">
                            <Field label="Actor" name="actor" value=state.actor.clone() hint="Email or user id" error=none()/>
                            <SelectField label="Action" name="action" options=actions selected=state.action.clone() error=none()/>
                            <Field label="Target" name="target" value=state.target.clone() hint="Email or user id" error=none()/>
                            <Field label="From" name="from" kind="date" value=state.from.clone() error=none()/>
                            <Field label="To" name="to" kind="date" value=state.to.clone() error=none()/>
                            <button type="submit">"Apply"</button>
                        </div>
                    </Form>
                    <p class="muted" role="status">{summary}</p>
                    <TableWrap label="Audit events">
                        <table class="audit">
                            <thead>
                                <tr>
                                    <th scope="col">"Time"</th>
                                    <th scope="col">"Actor"</th>
                                    <th scope="col">"Action"</th>
                                    <th scope="col">"Target"</th>
                                    <th scope="col">"IP"</th>
                                    <th scope="col">"Details"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {page.rows.into_iter().map(|e| view! {
                                    <tr>
                                        <td>{e.occurred}</td>
                                        <td>{e.actor}</td>
                                        <td><code>{e.action}</code></td>
                                        <td>{e.target}</td>
                                        <td>{e.ip}</td>
                                        <td class="details"><code>{e.details}</code></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </TableWrap>
                    <Pager page=page.page pages=page.pages previous next/>
                }
            }
        />
    }
}

/// `/admin/users/import`: paste a CSV (`email, display name, role`), "Preview" it (nothing is
/// written; every bad row is listed by line), then "Import" the previewed rows, all or none.
#[component]
pub fn AdminImportPage() -> impl IntoView {
    let action = ServerAction::<AdminImportUsers>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(action);
    let saves = cx.saves();
    let last = Resource::new(move || saves.get(), |_| admin_import_report());
    let feedback = FormFeedback::new(action);
    view! {
        <AdminNav/>
        <DataCard
            title="Import users"
            here=paths::ADMIN_USERS_IMPORT
            data=last
            content=move |state: ImportState| {
                let report = state.report.clone();
                let csv = state.csv.clone();
                let ready_count = report.as_ref().map_or(0, |r| r.ready.len());
                let can_import = report
                    .as_ref()
                    .is_some_and(|r| r.problems.is_empty() && r.imported.is_none() && ready_count > 0);
                view! {
                    <p class="muted">
                        "One user per line: email, display name, role (user or admin; user if left out). "
                        "A header line is optional. Imported users have no password until you reset it."
                    </p>
                    <ActionForm action=action>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <p class="field-error">{move || feedback.field("csv").get()}</p>
                        <TextAreaField
                            label="CSV"
                            name="csv"
                            rows=10
                            value=state.csv.clone()
                            error=Signal::derive(|| None)
                        />
                        <SubmitButton label="Preview" pending=action.pending().into()/>
                    </ActionForm>
                    {report.map(|r| view! { <ImportResult report=r/> })}
                    {can_import.then(|| view! {
                        <ActionForm action=action>
                            <ReturnTo/>
                            <input type="hidden" name="csv" value=csv/>
                            <input type="hidden" name="commit" value="yes"/>
                            <SubmitButton
                                label="Import"
                                pending=action.pending().into()
                            />
                            <span class="muted">{format!(" {ready_count} user(s)")}</span>
                        </ActionForm>
                    })}
                }
            }
        />
    }
}

/// The report of a preview or an import.
#[component]
fn ImportResult(report: super::ImportReport) -> impl IntoView {
    let summary = match report.imported {
        Some(n) => format!("Imported {n} user(s)."),
        None if report.problems.is_empty() => {
            format!("Preview: {} user(s) ready, no problems. Nothing has been imported yet.", report.ready.len())
        }
        None => format!(
            "Preview: {} problem(s), {} good row(s). Nothing was imported; fix the lines below and preview again.",
            report.problems.len(),
            report.ready.len()
        ),
    };
    let ok = report.problems.is_empty();
    view! {
        <div class="notice" role="status">
            <p class:success=ok class:error=!ok>{summary}</p>
            {(!report.problems.is_empty()).then(|| view! {
                <ul class="problems">
                    {report.problems.into_iter().map(|(line, why)| view! {
                        <li>{format!("Line {line}: {why}")}</li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}
