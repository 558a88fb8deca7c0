//! `/settings/password`, `/settings/sessions` and `/settings/account`, and their routes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Route, Lazy, MatchNestedRoutes, SsrMode};

use super::{
    api::{get_sessions, ChangeEmail, ChangePassword, DeleteAccount, EndOtherSessions, EndSession},
    describe_user_agent, ChangeEmailForm, ChangePasswordForm, DeleteAccountForm, SessionView,
};
use crate::{
    auth::ui::{NewPasswordField, ViewerContext},
    components::{
        lazy_page, saved_signal, DataCard, Field, FormFeedback, FormMessage, ReturnTo, SubmitButton,
    },
    i18n::{td, td_string, use_locale},
    paths::{self, Route as Path},
};

/// The account's pages inside the settings area: password, sessions, account.
#[component(transparent)]
pub fn AccountRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route
            path=Path::below(paths::SETTINGS, paths::SETTINGS_PASSWORD)
            view={Lazy::<PasswordRoute>::new()}
            ssr=SsrMode::Async
        />
        <Route
            path=Path::below(paths::SETTINGS, paths::SETTINGS_SESSIONS)
            view={Lazy::<SessionsRoute>::new()}
            ssr=SsrMode::Async
        />
        <Route
            path=Path::below(paths::SETTINGS, paths::SETTINGS_ACCOUNT)
            view={Lazy::<AccountRoute>::new()}
            ssr=SsrMode::Async
        />
    }
    .into_inner()
}

// Loaded from wasm chunks of their own (see `lazy_page!`).
lazy_page!(PasswordRoute => PasswordPage);
lazy_page!(SessionsRoute => SessionsPage);
lazy_page!(AccountRoute => AccountPage);

/// `/settings/password`: change the password; other sessions end.
#[component]
pub fn PasswordPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let feedback = FormFeedback::new(action);
    let saved = saved_signal(action, "saved");
    let query = leptos_router::hooks::use_query_map();
    let required =
        Signal::derive(move || !saved.get() && query.with(|q| q.get("required").is_some()));
    ViewerContext::get().refresh_after(action);
    let check = Callback::new(
        feedback.check_before_submit(|f: &ChangePasswordForm| f.parse().err().unwrap_or_default()),
    );
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, password.title)/>
        <section class="card">
            <h1>{td!(locale, password.title)}</h1>
            <Show when=move || required.get()>
                <p class="notice" role="status">{td!(locale, password.required)}</p>
            </Show>
            <p class="muted">{td!(locale, password.signs_out)}</p>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <Show when=move || saved.get()>
                    <p class="success" role="status">{td!(locale, password.changed)}</p>
                </Show>
                <Field
                    label=td_string!(locale, password.current)
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    error=feedback.field("current_password")
                />
                <NewPasswordField
                    label=td_string!(locale, password.new)
                    name="new_password"
                    error=feedback.field("new_password")
                />
                <div class="check">
                    <input
                        type="checkbox"
                        id="f-revoke_tokens"
                        name="revoke_tokens"
                        value="on"
                        checked=true
                    />
                    <label for="f-revoke_tokens">{td!(locale, password.revoke_tokens)}</label>
                </div>
                <SubmitButton
                    label=td_string!(locale, password.submit)
                    pending=action.pending().into()
                    on_click=check
                />
            </ActionForm>
        </section>
    }
}

type SessionList = Vec<SessionView>;

/// `/settings/sessions`: where the person is signed in; end one or all other sessions.
#[component]
pub fn SessionsPage() -> impl IntoView {
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(end_one);
    cx.refresh_after(end_others);
    let one_feedback = FormFeedback::new(end_one);
    let ended_one = saved_signal(end_one, "ended");
    let ended_others = saved_signal(end_others, "ended");
    let saves = cx.saves();
    let sessions = Resource::new(move || saves.get(), |_| get_sessions());
    let locale = use_locale();
    view! {
        <DataCard
            title=td_string!(locale, sessions.title)
            here=paths::SETTINGS_SESSIONS
            data=sessions
            content=move |list: SessionList| {
                let others = list.iter().filter(|s| !s.this_device).count();
                view! {
                    <p class="muted">{td!(locale, sessions.intro)}</p>
                    <FormMessage feedback=one_feedback/>
                    <Show when=move || ended_one.get() || ended_others.get()>
                        <p class="success" role="status">{td!(locale, sessions.ended)}</p>
                    </Show>
                    <ul class="sessions">
                        {list
                            .into_iter()
                            .map(|s| view! { <SessionItem session=s action=end_one/> })
                            .collect_view()}
                    </ul>
                    {(others > 0)
                        .then(|| {
                            view! {
                                <ActionForm action=end_others>
                                    <ReturnTo/>
                                    <SubmitButton
                                        label=td_string!(locale, sessions.end_others)
                                        pending=end_others.pending().into()
                                    />
                                </ActionForm>
                            }
                        })}
                }
            }
        />
    }
}

/// One session in the list, with a "Sign out" button unless it is this device's.
#[component]
fn SessionItem(session: SessionView, action: ServerAction<EndSession>) -> impl IntoView {
    let locale = use_locale();
    let device = crate::i18n::device(locale, &describe_user_agent(&session.user_agent));
    view! {
        <li class="session">
            <p>
                <strong title=session.user_agent.clone()>{device}</strong>
                {session
                    .this_device
                    .then(|| {
                        view! { " " <span class="badge">{td!(locale, sessions.this_device)}</span> }
                    })}
            </p>
            <p class="muted">
                {td!(locale, sessions.signed_in)} " " {session.signed_in} " · "
                {td!(locale, sessions.last_active)} " " {session.last_seen} " · "
                {td!(locale, sessions.ip)} " " {session.ip}
                {session
                    .remember_me
                    .then(|| view! { " · " {td!(locale, sessions.remembered)} })}
            </p>
            {(!session.this_device)
                .then(|| {
                    view! {
                        <ActionForm action=action>
                            <ReturnTo/>
                            <input type="hidden" name="id" value=session.id.to_string()/>
                            <button type="submit">{td!(locale, sessions.end)}</button>
                        </ActionForm>
                    }
                })}
        </li>
    }
}

/// `/settings/account`: download one's data, change the address, delete the account.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangeEmail>::new();
    let change_feedback = FormFeedback::new(change);
    let requested = saved_signal(change, "email");
    let change_check = Callback::new(
        change_feedback
            .check_before_submit(|f: &ChangeEmailForm| f.parse().err().unwrap_or_default()),
    );
    let action = ServerAction::<DeleteAccount>::new();
    ViewerContext::get().refresh_after(action);
    let feedback = FormFeedback::new(action);
    let check = Callback::new(
        feedback.check_before_submit(|f: &DeleteAccountForm| f.check().err().unwrap_or_default()),
    );
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, account.title)/>
        <section class="card">
            <h1>{td!(locale, account.title)}</h1>
            <h2>{td!(locale, account.your_data)}</h2>
            <p class="muted">{td!(locale, account.your_data_text)}</p>
            <p>
                <a href=paths::ACCOUNT_EXPORT download="roster-export.json" rel="external" class="button">
                    {td!(locale, account.download)}
                </a>
            </p>
            <h2>{td!(locale, account.email)}</h2>
            <p class="muted">{td!(locale, account.email_text)}</p>
            <ActionForm action=change>
                <ReturnTo/>
                <FormMessage feedback=change_feedback/>
                <Show when=move || requested.get()>
                    <p class="success" role="status">{td!(locale, account.email_requested)}</p>
                </Show>
                <Field
                    label=td_string!(locale, account.new_email)
                    name="new_email"
                    autocomplete="email"
                    inputmode="email"
                    error=change_feedback.field("new_email")
                />
                <Field
                    label=td_string!(locale, password.current)
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    error=change_feedback.field("current_password")
                />
                <SubmitButton
                    label=td_string!(locale, account.change_email)
                    pending=change.pending().into()
                    on_click=change_check
                />
            </ActionForm>
            <h2>{td!(locale, account.delete)}</h2>
            <p class="muted">{td!(locale, account.delete_text)}</p>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <Field
                    label=td_string!(locale, fields.password)
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    hint=td_string!(locale, account.confirm_hint)
                    error=feedback.field("password")
                />
                <button
                    type="submit"
                    class="danger"
                    aria-busy=move || action.pending().get().then_some("true")
                    disabled=move || action.pending().get()
                    on:click=move |ev| check.run(ev)
                >
                    <span class="spinner" aria-hidden="true"></span>
                    {td!(locale, account.delete)}
                </button>
            </ActionForm>
        </section>
    }
}
