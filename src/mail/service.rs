//! The outbox as administrators use it: read every mail (a link's secret only where it may be
//! shown), retry a failed one, send a test mail. Each change is audited with it.

use super::{MailView, OutboxPage, OutboxQuery, PAGE_SIZE};
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    auth::Admin,
    domain::{time::TimeFormat, Letter, MailState},
    error::{AppError, OrInternal},
    request::RequestContext,
    server::{db::begin_write, AppState},
    store::{
        outbox::{self, OutboxFilter, HIDDEN},
        users,
    },
};

/// One page of the outbox for `admin` (whose own address is `viewer_email`), times in
/// `time`'s zone and language. A link's secret is shown in mails to `viewer_email` and, while
/// no SMTP server is configured, in every mail (the outbox is then how links reach people); otherwise it reads
/// [`HIDDEN`].
///
/// Errors: `Internal` when the query fails.
pub async fn page(
    state: &AppState,
    _admin: &Admin,
    query: &OutboxQuery,
    viewer_email: &str,
    time: &TimeFormat,
) -> Result<OutboxPage, AppError> {
    let smtp = state.mailer().is_configured();
    let filter = OutboxFilter {
        address: (!query.address.is_empty()).then_some(query.address.as_str()),
        state: MailState::parse(&query.state).ok(),
    };
    let page = query.page.max(1);
    let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
    let (rows, total) = outbox::page(state.pool(), &filter, offset, i64::from(PAGE_SIZE)).await?;
    let rows = rows
        .into_iter()
        .map(|row| {
            let text = match &row.secret {
                Some(secret) if smtp && row.to_address != viewer_email => {
                    row.body_text.replace(secret.as_str(), HIDDEN)
                }
                _ => row.body_text,
            };
            let when = match row.state {
                MailState::Pending => Some(row.next_attempt_at),
                MailState::Sent => row.sent_at,
                MailState::Failed => None,
            };
            MailView {
                id: row.id,
                kind: row.kind,
                to: row.to_address,
                subject: row.subject,
                text,
                state: row.state,
                attempts: row.attempts,
                created: time.format(row.created_at),
                when: when.map(|t| time.format(t)),
                last_error: row.last_error,
            }
        })
        .collect();
    let pages = (total.max(1) as u64).div_ceil(u64::from(PAGE_SIZE)) as u32;
    Ok(OutboxPage {
        rows,
        total,
        page,
        pages,
        smtp,
    })
}

/// Makes failed mail `id` pending again (its attempts counted afresh) and records
/// `mail.retried`.
///
/// Errors: `NotFound` when `id` is no failed mail; `Internal` on failures.
pub async fn retry(
    state: &AppState,
    admin: &Admin,
    id: i64,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    if !outbox::retry(&mut tx, id, now).await? {
        return Err(AppError::NotFound);
    }
    let event =
        AuditEvent::new(AuditAction::MailRetried, admin.actor(), None, ctx).with("mail", id);
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    Ok(())
}

/// Writes a test mail to `to` (the administrator's own address) and records `mail.test_sent`.
///
/// Errors: `Internal` on failures.
pub async fn send_test(
    state: &AppState,
    admin: &Admin,
    to: &str,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let language = match admin.actor() {
        Some(id) => users::language(&mut tx, id).await?,
        None => None,
    };
    let letter = Letter::test(crate::i18n::mail_locale(language.as_deref(), true), to);
    outbox::enqueue(&mut tx, &letter, admin.actor(), now).await?;
    let event = AuditEvent::new(AuditAction::TestMailSent, admin.actor(), admin.actor(), ctx)
        .with("to", to);
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    Ok(())
}
