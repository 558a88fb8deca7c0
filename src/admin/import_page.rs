//! `/admin/users/import`: users from a CSV, previewed before anything is written.

use leptos::prelude::*;

use super::{
    api::{admin_import_report, AdminImportUsers},
    ui::AdminNav,
    ImportProblem, ImportState,
};
use crate::{
    auth::ui::ViewerContext,
    components::{DataCard, FormFeedback, FormMessage, ReturnTo, SubmitButton, TextAreaField},
    i18n::{fill, plural, td, td_string, use_locale, Locale},
    paths,
};

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
    let locale = use_locale();
    view! {
        <AdminNav/>
        <DataCard
            title=td_string!(locale, admin.import_title)
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
                    <p class="muted">{td!(locale, admin.import_intro)}</p>
                    <ActionForm action=action>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <p class="field-error">{move || feedback.field("csv").get()}</p>
                        <TextAreaField
                            label=td_string!(locale, admin.csv)
                            name="csv"
                            rows=10
                            value=state.csv.clone()
                            error=Signal::derive(|| None)
                        />
                        <SubmitButton label=td_string!(locale, admin.preview) pending=action.pending().into()/>
                    </ActionForm>
                    {report.map(|r| view! { <ImportResult report=r/> })}
                    {can_import.then(|| view! {
                        <ActionForm action=action>
                            <ReturnTo/>
                            <input type="hidden" name="csv" value=csv/>
                            <input type="hidden" name="commit" value="yes"/>
                            <SubmitButton
                                label=td_string!(locale, admin.import)
                                pending=action.pending().into()
                            />
                            <span class="muted">
                                {fill(td_string!(locale, admin.import_count), &[("users", &users(locale, ready_count))])}
                            </span>
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
    let locale = use_locale();
    let summary = match report.imported {
        Some(n) => fill(
            td_string!(locale, admin.imported),
            &[("users", &users(locale, n))],
        ),
        None if report.problems.is_empty() => fill(
            td_string!(locale, admin.preview_ready),
            &[("users", &users(locale, report.ready.len()))],
        ),
        None => fill(
            td_string!(locale, admin.preview_problems),
            &[
                (
                    "problems",
                    &plural(
                        locale,
                        report.problems.len() as u64,
                        td_string!(locale, admin.one_problem),
                        td_string!(locale, admin.many_problems),
                    ),
                ),
                (
                    "rows",
                    &plural(
                        locale,
                        report.ready.len() as u64,
                        td_string!(locale, admin.one_good_row),
                        td_string!(locale, admin.many_good_rows),
                    ),
                ),
            ],
        ),
    };
    let ok = report.problems.is_empty();
    view! {
        <div class="notice" role="status">
            <p class:success=ok class:error=!ok>{summary}</p>
            {(!report.problems.is_empty()).then(|| view! {
                <ul class="problems">
                    {report.problems.into_iter().map(|(line, problem)| {
                        let why = problem_text(locale, &problem);
                        view! {
                            <li>{fill(td_string!(locale, admin.line), &[("line", &line), ("why", &why)])}</li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// "1 user", "2 users" in `locale`.
fn users(locale: Locale, n: usize) -> String {
    plural(
        locale,
        n as u64,
        td_string!(locale, admin.one_user),
        td_string!(locale, admin.many_users),
    )
}

/// `problem` as the page's reader reads it (keys `admin.import_*`, and `refusal.*` for a field).
fn problem_text(locale: Locale, problem: &ImportProblem) -> String {
    match problem {
        ImportProblem::NotCsv => td_string!(locale, admin.import_not_csv).to_string(),
        ImportProblem::TooManyRows { max } => fill(
            td_string!(locale, admin.import_too_many_rows),
            &[("max", max)],
        ),
        ImportProblem::Columns => td_string!(locale, admin.import_columns).to_string(),
        ImportProblem::Refused(refusals) => refusals
            .iter()
            .map(|r| crate::i18n::refusal(locale, *r))
            .collect::<Vec<_>>()
            .join("; "),
        ImportProblem::Repeats { email, first } => fill(
            td_string!(locale, admin.import_repeats),
            &[("email", email), ("first", first)],
        ),
        ImportProblem::Exists { email } => {
            fill(td_string!(locale, admin.import_exists), &[("email", email)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Refusal;

    #[test]
    fn import_problems_read_in_english_as_their_display() {
        let all = [
            ImportProblem::NotCsv,
            ImportProblem::TooManyRows { max: 1000 },
            ImportProblem::Columns,
            ImportProblem::Refused(vec![Refusal::EmailMalformed, Refusal::ChooseRole]),
            ImportProblem::Repeats {
                email: "ann@example.org".into(),
                first: 2,
            },
            ImportProblem::Exists {
                email: "ann@example.org".into(),
            },
        ];
        for problem in all {
            assert_eq!(problem_text(Locale::en, &problem), problem.to_string());
            assert_ne!(problem_text(Locale::de, &problem), problem.to_string());
        }
    }
}
