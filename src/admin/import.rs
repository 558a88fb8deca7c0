//! Importing users from CSV: a check that reports every bad row by its line (a preview that
//! writes nothing), then the import of a clean file, all rows or none.

use super::ImportProblem;
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    auth::Admin,
    domain::{Refusal, Role},
    error::{AppError, OrInternal},
    request::RequestContext,
    server::{db::begin_write, password::NO_PASSWORD, AppState},
    store::users,
};

/// Checks an import: each CSV record must be `email, display name[, role]` (role `user` when
/// left out; a first line starting with `email` is a header and skipped). Every bad row is
/// reported with its line number: a field refused by the same rules as sign-up, an email that
/// repeats an earlier line or belongs to an existing account, too many rows, unreadable CSV.
///
/// Errors: `Internal` when the database check fails.
pub async fn check(
    state: &AppState,
    _admin: &Admin,
    text: &str,
) -> Result<super::ImportReport, AppError> {
    use crate::domain::{DisplayName, Email};
    let mut report = super::ImportReport::default();
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    for (index, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                report.problems.push((line, ImportProblem::NotCsv));
                continue;
            }
        };
        let line = record.position().map_or(index as u64 + 1, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        if index == 0 && field(0).eq_ignore_ascii_case("email") {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if report.ready.len() + report.problems.len() >= super::MAX_IMPORT_ROWS {
            report.problems.push((
                line,
                ImportProblem::TooManyRows {
                    max: super::MAX_IMPORT_ROWS,
                },
            ));
            break;
        }
        if !(2..=3).contains(&record.len()) {
            report.problems.push((line, ImportProblem::Columns));
            continue;
        }
        let email = Email::parse(field(0));
        let name = DisplayName::parse(field(1));
        let role_text = field(2).to_lowercase();
        let role = if role_text.is_empty() {
            Ok(Role::User)
        } else {
            Role::parse(&role_text)
        };
        let (email, name, role) = match (email, name, role) {
            (Ok(e), Ok(n), Ok(r)) => (e, n, r),
            (e, n, r) => {
                let why = [e.err(), n.err(), r.err()].into_iter().flatten().collect();
                report.problems.push((line, ImportProblem::Refused(why)));
                continue;
            }
        };
        if let Some(first) = seen.get(email.as_str()) {
            report.problems.push((
                line,
                ImportProblem::Repeats {
                    email: email.as_str().to_string(),
                    first: *first,
                },
            ));
            continue;
        }
        seen.insert(email.as_str().to_string(), line);
        if users::id_by_email(state.pool(), email.as_str())
            .await?
            .is_some()
        {
            report.problems.push((
                line,
                ImportProblem::Exists {
                    email: email.as_str().to_string(),
                },
            ));
            continue;
        }
        report.ready.push((
            line,
            email.as_str().to_string(),
            name.as_str().to_string(),
            role,
        ));
    }
    Ok(report)
}

/// Creates the users of a checked import with no problems, all or none, each with
/// `user.created` (via `import`). They have no password until an administrator resets it.
/// Returns how many were created.
///
/// Errors: `Conflict` when an email was taken since the check; `Internal` on database failures.
#[tracing::instrument(skip_all)]
pub async fn run(
    state: &AppState,
    admin: &Admin,
    report: &super::ImportReport,
    ctx: &RequestContext,
    now: i64,
) -> Result<usize, AppError> {
    let mut tx = begin_write(state.pool()).await?;
    for (_, email, name, role) in &report.ready {
        let row = users::NewUser {
            email,
            password_hash: NO_PASSWORD,
            role: *role,
            must_change_password: true,
            display_name: name,
        };
        let Some(id) = users::insert(&mut tx, &row, now).await? else {
            return Err(AppError::Conflict {
                field: "csv".into(),
                message: format!(
                    "An account with {email} was created meanwhile; nothing was imported."
                ),
                refusal: Some(Refusal::ImportTakenMeanwhile),
            });
        };
        let event = AuditEvent::new(AuditAction::UserCreated, admin.actor(), Some(id), ctx)
            .with("email", email.as_str())
            .with("role", role.as_str())
            .with("via", "import");
        record(&mut tx, &event, now).await?;
    }
    tx.commit().await.or_internal()?;
    Ok(report.ready.len())
}
