//! `/admin/outbox`: every mail Roster wrote, newest first, with its state, attempts, last error
//! and text; filters by address and state (a GET form, so they live in the URL); "Retry" on a
//! failed mail and "Send test mail".

use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

use super::ui::{mail_state_label, AdminNav, Pager, Summary};
use crate::{
    components::{
        saved_signal, DataCard, Field, FormFeedback, FormMessage, ReturnTo, SelectField,
        SubmitButton, TableWrap,
    },
    domain::MailState,
    i18n::{fill, td, td_string, use_locale},
    mail::{
        api::{admin_outbox, AdminRetryMail, AdminTestMail},
        MailView, OutboxPage, OutboxQuery, PAGE_SIZE,
    },
    paths,
};

/// `/admin/outbox`: the outbox, 25 mails a page.
#[component]
pub fn AdminOutboxPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|q| OutboxQuery::from_params(|k| q.get(k))));
    let retry = ServerAction::<AdminRetryMail>::new();
    let test = ServerAction::<AdminTestMail>::new();
    let retried = saved_signal(retry, "retried");
    let tested = saved_signal(test, "tested");
    let retry_feedback = FormFeedback::new(retry);
    let cx = crate::auth::ui::ViewerContext::get();
    cx.refresh_after(retry);
    cx.refresh_after(test);
    let saves = cx.saves();
    let mails = Resource::new(move || (query.get(), saves.get()), |(q, _)| admin_outbox(q));
    let none = || Signal::derive(|| None::<String>);
    let locale = use_locale();
    view! {
        <AdminNav wide=true/>
        <DataCard
            title=td_string!(locale, admin.outbox_title)
            here=paths::ADMIN_OUTBOX
            wide=true
            data=mails
            content=move |page: OutboxPage| {
                let state = query.get_untracked();
                let mut states = vec![(String::new(), td_string!(locale, admin.any).to_string())];
                states.extend(
                    MailState::ALL
                        .iter()
                        .map(|s| (s.as_str().to_string(), mail_state_label(locale, *s).to_string())),
                );
                let summary = Summary {
                    page: page.page,
                    page_size: PAGE_SIZE,
                    shown: page.rows.len(),
                    total: page.total,
                }
                .text(
                    locale,
                    td_string!(locale, admin.no_mails),
                    td_string!(locale, admin.showing_mails),
                );

                let previous = (page.page > 1).then(|| state.on_page(page.page - 1).href());
                let next = (page.page < page.pages).then(|| state.on_page(page.page + 1).href());
                view! {
                    {(!page.smtp).then(|| view! {
                        <p class="notice" role="status">{td!(locale, admin.no_smtp)}</p>
                    })}
                    <Show when=move || tested.get()>
                        <p class="success" role="status">{td!(locale, admin.test_written)}</p>
                    </Show>
                    <Show when=move || retried.get()>
                        <p class="success" role="status">{td!(locale, admin.will_retry)}</p>
                    </Show>
                    <FormMessage feedback=retry_feedback/>
                    <ActionForm action=test>
                        <ReturnTo/>
                        <p class="actions">
                            <SubmitButton label=td_string!(locale, admin.send_test) pending=test.pending().into()/>
                        </p>
                    </ActionForm>
                    <Form method="GET" action=paths::ADMIN_OUTBOX>
                        <div class="filters">
                            <Field
                                label=td_string!(locale, admin.address)
                                name="address"
                                kind="search"
                                value=state.address.clone()
                                error=none()
                            />
                            <SelectField
                                label=td_string!(locale, admin.state)
                                name="state"
                                options=states
                                selected=state.state.clone()
                                error=none()
                            />
                            <button type="submit">{td!(locale, admin.apply)}</button>
                        </div>
                    </Form>
                    <p class="muted" role="status">{summary}</p>
                    <TableWrap label=td_string!(locale, admin.mail)>
                        <table class="outbox">
                            <thead>
                                <tr>
                                    <th scope="col">{td!(locale, admin.written)}</th>
                                    <th scope="col">{td!(locale, admin.to_address)}</th>
                                    <th scope="col">{td!(locale, admin.subject)}</th>
                                    <th scope="col">{td!(locale, admin.state)}</th>
                                    <th scope="col">{td!(locale, admin.action)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {page.rows.into_iter().map(|m| view! { <MailRow mail=m retry/> }).collect_view()}
                            </tbody>
                        </table>
                    </TableWrap>
                    <Pager page=page.page pages=page.pages previous next/>
                }
            }
        />
    }
}

/// One mail: its subject (the text under a disclosure) and kind, its state with when, how many
/// attempts and the last error, and "Retry" when it failed.
#[component]
fn MailRow(mail: MailView, retry: ServerAction<AdminRetryMail>) -> impl IntoView {
    let failed = mail.state == MailState::Failed;
    let locale = use_locale();
    let when = match (mail.state, mail.when) {
        (MailState::Pending, Some(at)) => fill(td_string!(locale, admin.next_try), &[("at", &at)]),
        (MailState::Sent, Some(at)) => format!(" · {at}"),
        _ => String::new(),
    };
    let attempts = match mail.attempts {
        1 => td_string!(locale, admin.one_attempt).to_string(),
        n => fill(td_string!(locale, admin.attempts), &[("count", &n)]),
    };
    view! {
        <tr>
            <td>{mail.created}</td>
            <td>{mail.to}</td>
            <td>
                <details>
                    <summary>{mail.subject}</summary>
                    <pre class="mail-text">{mail.text}</pre>
                </details>
                <code class="muted">{mail.kind.as_str()}</code>
            </td>
            <td>
                {mail_state_label(locale, mail.state)}{when}
                <br/>
                <span class="muted">{attempts}</span>
                {mail.last_error.map(|e| view! { <br/><span class="error">{e}</span> })}
            </td>
            <td>
                {failed.then(|| view! {
                    <ActionForm action=retry>
                        <ReturnTo/>
                        <input type="hidden" name="id" value=mail.id.to_string()/>
                        <button type="submit">{td!(locale, admin.retry)}</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
