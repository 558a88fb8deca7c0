//! Exporting the user list as CSV or JSON, streamed.

use std::collections::HashMap;

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::UserListQuery;
use crate::{
    auth::Caller,
    domain::time::rfc3339,
    server::AppState,
    store::user_list::{self, ListRow},
};

/// A CSV cell that a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading `'` (OWASP "CSV Injection"). Quoting of
/// commas, quotes and line breaks is left to the CSV writer.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The file formats of the user export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// The columns of the user export, in order.
pub const EXPORT_COLUMNS: [&str; 7] = [
    "id",
    "email",
    "display_name",
    "role",
    "status",
    "created_at",
    "last_login_at",
];

fn csv_line(row: &ListRow) -> Vec<u8> {
    let cells = [
        row.id.to_string(),
        neutralise_formula(&row.email).into_owned(),
        neutralise_formula(&row.display_name).into_owned(),
        row.role.as_str().to_string(),
        row.status.as_str().to_string(),
        rfc3339(row.created_at),
        row.last_login_at.map(rfc3339).unwrap_or_default(),
    ];
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(&cells);
    writer.into_inner().unwrap_or_default()
}

fn json_line(row: &ListRow, first: bool) -> Vec<u8> {
    let value = json!({
        "id": row.id, "email": row.email, "display_name": row.display_name,
        "role": row.role.as_str(), "status": row.status.as_str(),
        "created_at": rfc3339(row.created_at),
        "last_login_at": row.last_login_at.map(rfc3339),
    });
    let mut out = if first {
        b"\n".to_vec()
    } else {
        b",\n".to_vec()
    };
    out.extend(value.to_string().into_bytes());
    out
}

/// `GET /admin/users/export.csv` and `.json`: the users matching the list's query parameters
/// (same search, filters and order as `/admin/users`, every page), streamed from the database
/// in chunks of about 64 KiB, never built whole in memory. Administrators only, by the same
/// capability check as every server function: a signed-in non-administrator gets 403 (an
/// anonymous caller is sent to sign in by the page guard first); a failure to check is a 500.
pub async fn download(
    state: AppState,
    caller: &Caller,
    params: &HashMap<String, String>,
    format: ExportFormat,
) -> Response {
    if let Err(refused) = caller.admin() {
        let status =
            StatusCode::from_u16(refused.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, refused.to_string()).into_response();
    }
    let query = UserListQuery::from_params(|k| params.get(k).cloned());
    let mut listed = user_list::listed(&query.filter(), query.order());
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    tokio::spawn(async move {
        use futures_util::TryStreamExt;
        let mut chunk = match format {
            ExportFormat::Csv => {
                let mut header = EXPORT_COLUMNS.join(",").into_bytes();
                header.extend(b"\r\n");
                header
            }
            ExportFormat::Json => b"[".to_vec(),
        };
        let mut rows = listed.fetch(state.pool());
        let mut first = true;
        loop {
            match rows.try_next().await {
                Ok(Some(row)) => {
                    chunk.extend(match format {
                        ExportFormat::Csv => csv_line(&row),
                        ExportFormat::Json => json_line(&row, first),
                    });
                    first = false;
                    if chunk.len() >= 64 * 1024
                        && tx.send(Ok(std::mem::take(&mut chunk))).await.is_err()
                    {
                        return; // the client went away
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, "user export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            }
        }
        if format == ExportFormat::Json {
            chunk.extend(b"\n]\n");
        }
        let _ = tx.send(Ok(chunk)).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let (content_type, name) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "users.csv"),
        ExportFormat::Json => ("application/json", "users.json"),
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        let row = ListRow {
            id: 7,
            email: "=cmd|'/c calc'!A1@example.org".into(),
            display_name: "Lee, \"Ann\"\nSecond line".into(),
            role: crate::domain::Role::User,
            status: crate::domain::AccountStatus::Active,
            created_at: 0,
            last_login_at: None,
            email_verified: false,
            two_factor: false,
            total: 0,
        };
        let line = String::from_utf8(csv_line(&row)).unwrap();
        assert_eq!(
            line,
            "7,'=cmd|'/c calc'!A1@example.org,\"Lee, \"\"Ann\"\"\nSecond line\",user,active,\
             1970-01-01T00:00:00Z,\r\n"
        );
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            assert!(
                neutralise_formula(&format!("{lead}1+1")).starts_with('\''),
                "{lead:?}"
            );
        }
        assert_eq!(neutralise_formula("Ann"), "Ann");
    }
}
