//! `/admin/audit`: the audit trail for administrators.

use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

use super::{
    api::admin_audit,
    ui::{with_any, AdminNav, Pager, Summary},
};
use crate::{
    audit::{AuditPage, AuditQuery},
    components::{DataCard, Field, SelectField, TableWrap},
    i18n::{td, td_string, use_locale},
    paths,
};

/// `/admin/audit`: audit events, newest first, filtered by actor, action, target and dates,
/// 50 a page; the filters are a GET form, so they live in the URL.
#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|q| AuditQuery::from_params(|k| q.get(k))));
    let events = Resource::new(move || query.get(), admin_audit);
    let none = || Signal::derive(|| None::<String>);
    let locale = use_locale();
    view! {
        <AdminNav wide=true/>
        <DataCard
            title=td_string!(locale, admin.audit_title)
            here=paths::ADMIN_AUDIT
            wide=true
            data=events
            content=move |page: AuditPage| {
                let state = query.get_untracked();
                let actions = page.actions.iter().map(|a| (a.clone(), a.clone())).collect();
                let actions = with_any(locale, true, actions);
                let summary = Summary {
                    page: page.page,
                    page_size: crate::audit::PAGE_SIZE,
                    shown: page.rows.len(),
                    total: page.total,
                }
                .text(
                    locale,
                    td_string!(locale, admin.no_events),
                    td_string!(locale, admin.showing_events),
                );

                let previous = (page.page > 1).then(|| state.on_page(page.page - 1).href());
                let next = (page.page < page.pages).then(|| state.on_page(page.page + 1).href());
                view! {
                    <Form method="GET" action=paths::ADMIN_AUDIT>
                        <div class="filters">
                            <Field
                                label=td_string!(locale, admin.actor)
                                name="actor"
                                value=state.actor.clone()
                                hint=td_string!(locale, admin.email_or_id)
                                error=none()
                            />
                            <SelectField label=td_string!(locale, admin.action) name="action" options=actions selected=state.action.clone() error=none()/>
                            <Field
                                label=td_string!(locale, admin.target)
                                name="target"
                                value=state.target.clone()
                                hint=td_string!(locale, admin.email_or_id)
                                error=none()
                            />
                            <Field label=td_string!(locale, admin.from) name="from" kind="date" value=state.from.clone() error=none()/>
                            <Field label=td_string!(locale, admin.to) name="to" kind="date" value=state.to.clone() error=none()/>
                            <button type="submit">{td!(locale, admin.apply)}</button>
                        </div>
                    </Form>
                    <p class="muted" role="status">{summary}</p>
                    <TableWrap label=td_string!(locale, admin.audit_events)>
                        <table class="audit">
                            <thead>
                                <tr>
                                    <th scope="col">{td!(locale, admin.time)}</th>
                                    <th scope="col">{td!(locale, admin.actor)}</th>
                                    <th scope="col">{td!(locale, admin.action)}</th>
                                    <th scope="col">{td!(locale, admin.target)}</th>
                                    <th scope="col">{td!(locale, admin.ip)}</th>
                                    <th scope="col">{td!(locale, admin.details)}</th>
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
