//! `/admin/audit`: the audit trail for administrators.

use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

use super::{
    api::admin_audit,
    ui::{with_any, AdminNav, Pager, Summary},
};
use crate::{
    audit::{AuditAction, AuditPage, AuditQuery},
    components::{DataCard, Field, SelectField, TableWrap},
    i18n::{td, td_string, use_locale, Locale},
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
                let actions = page
                    .actions
                    .iter()
                    .map(|a| (a.clone(), action_label(locale, a).unwrap_or(a.as_str()).to_string()))
                    .collect();
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
                                        <td>
                                            {action_label(locale, &e.action).map(|label| view! { {label} <br/> })}
                                            <code>{e.action}</code>
                                        </td>
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

/// The audit action stored as `action` (`AuditAction::as_str`) as the page's reader says it;
/// `None` for a name this build does not know (shown as it is stored).
fn action_label(locale: Locale, action: &str) -> Option<&'static str> {
    use AuditAction::*;
    let action = AuditAction::ALL
        .into_iter()
        .find(|a| a.as_str() == action)?;
    Some(match action {
        AccountCreated => td_string!(locale, audit_action.account_created),
        LoginSucceeded => td_string!(locale, audit_action.login_succeeded),
        LoginFailed => td_string!(locale, audit_action.login_failed),
        Logout => td_string!(locale, audit_action.logout),
        PasswordChanged => td_string!(locale, audit_action.password_changed),
        SessionEnded => td_string!(locale, audit_action.session_ended),
        AccountDeleted => td_string!(locale, audit_action.account_deleted),
        UserCreated => td_string!(locale, audit_action.user_created),
        UserUpdated => td_string!(locale, audit_action.user_updated),
        PasswordReset => td_string!(locale, audit_action.user_password_reset),
        UserDeleted => td_string!(locale, audit_action.user_deleted),
        ProfileUpdated => td_string!(locale, audit_action.profile_updated),
        TokenCreated => td_string!(locale, audit_action.token_created),
        TokenRevoked => td_string!(locale, audit_action.token_revoked),
        EmailVerified => td_string!(locale, audit_action.email_verified),
        VerificationSent => td_string!(locale, audit_action.email_verification_sent),
        EmailChangeRequested => td_string!(locale, audit_action.email_change_requested),
        EmailChanged => td_string!(locale, audit_action.email_changed),
        PasswordResetRequested => td_string!(locale, audit_action.password_reset_requested),
        PasswordResetByLink => td_string!(locale, audit_action.password_reset),
        ResetLinkSent => td_string!(locale, audit_action.user_reset_link_sent),
        MailRetried => td_string!(locale, audit_action.mail_retried),
        TestMailSent => td_string!(locale, audit_action.mail_test_sent),
        SecondFactorAdded => td_string!(locale, audit_action.second_factor_added),
        SecondFactorRemoved => td_string!(locale, audit_action.second_factor_removed),
        RecoveryCodesRegenerated => td_string!(locale, audit_action.recovery_codes_regenerated),
        RecoveryCodeUsed => td_string!(locale, audit_action.recovery_code_used),
        SecondFactorFailed => td_string!(locale, audit_action.login_second_factor_failed),
        SecondFactorReset => td_string!(locale, audit_action.user_second_factor_reset),
        ClientCreated => td_string!(locale, audit_action.oidc_client_created),
        ClientAuthorized => td_string!(locale, audit_action.oidc_authorized),
        ClientDenied => td_string!(locale, audit_action.oidc_denied),
        OidcTokenIssued => td_string!(locale, audit_action.oidc_token_issued),
        OidcGrantRevoked => td_string!(locale, audit_action.oidc_grant_revoked),
        ClientChanged => td_string!(locale, audit_action.oidc_client_changed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audit_action_has_a_label_in_each_language() {
        for action in AuditAction::ALL {
            for locale in [Locale::en, Locale::de] {
                assert!(
                    action_label(locale, action.as_str()).is_some(),
                    "{} has no label",
                    action.as_str()
                );
            }
        }
        assert_eq!(
            action_label(Locale::de, "user.deleted"),
            Some("Person gelöscht")
        );
        assert_eq!(action_label(Locale::en, "no.such_action"), None);
    }
}
