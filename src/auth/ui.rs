//! Sign-up and sign-in pages (and their route group), the header's sign-out form, the
//! new-password field with its live strength hint, and [`ViewerContext`]: who is signed in, for
//! every page.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::{
    components::{Route, A},
    hooks::{use_location, use_query_map},
    Lazy, MatchNestedRoutes, SsrMode,
};

use super::{
    api::{
        get_viewer, password_hint, second_factor_challenge, LogIn, LogOut, SignUp,
        VerifySecondFactor,
    },
    LoginForm, SignUpForm, Viewer,
};
use crate::{
    components::{
        error_text, lazy_page, Field, FormFeedback, FormMessage, PasskeyBox, ReturnTo, SubmitButton,
    },
    domain::Password,
    error::AppError,
    i18n::{fill, td, td_string, use_locale},
    paths::{self, Route as Path},
};

/// Who is signed in, shared by every page: a resource that is fetched again after each
/// navigation and after each action that may change it (sign-in, sign-out, profile, settings).
#[derive(Clone, Copy)]
pub struct ViewerContext {
    pub viewer: Resource<Result<Option<Viewer>, AppError>>,
    refresh: RwSignal<u32>,
}

impl ViewerContext {
    /// Makes the context and provides it to everything below (the page frame does this once).
    pub fn provide() -> Self {
        let refresh = RwSignal::new(0u32);
        let location = use_location();
        let viewer = Resource::new(
            move || (refresh.get(), location.pathname.get()),
            |_| get_viewer(),
        );
        let cx = Self { viewer, refresh };
        provide_context(cx);
        cx
    }

    /// The context provided by the page frame.
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// Counts the successful actions so far: page data keyed on it is fetched again after each
    /// save, and kept (with what the person typed) after a refused one.
    pub fn saves(self) -> ReadSignal<u32> {
        self.refresh.read_only()
    }

    /// Fetches the viewer again each time `action` succeeds.
    pub fn refresh_after<S>(self, action: ServerAction<S>)
    where
        S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Send + Sync + 'static,
    {
        let value = action.value();
        Effect::new(move |_| {
            if value.with(|v| matches!(v, Some(Ok(_)))) {
                self.refresh.update(|n| *n += 1);
            }
        });
    }
}

/// The signed-out pages of this feature: `/signup`, `/login`, and the pages mailed links open.
#[component(transparent)]
pub fn AuthRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=Path(paths::SIGN_UP) view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async/>
        <Route path=Path(paths::LOGIN) view=LoginPage ssr=SsrMode::Async/>
        <Route path=Path(paths::LOGIN_VERIFY) view={Lazy::<LoginVerifyRoute>::new()} ssr=SsrMode::Async/>
        <Route
            path=Path(paths::PASSWORD_FORGOT)
            view={Lazy::<ForgotPasswordRoute>::new()}
            ssr=SsrMode::Async
        />
        <Route
            path=Path(paths::PASSWORD_RESET)
            view={Lazy::<ResetPasswordRoute>::new()}
            ssr=SsrMode::Async
        />
        <Route
            path=Path(paths::VERIFY_EMAIL)
            view={Lazy::<VerifyEmailRoute>::new()}
            ssr=SsrMode::Async
        />
    }
    .into_inner()
}

// Loaded from wasm chunks of their own (see `lazy_page!`): sign-in, the page most signed-out
// visitors open, stays in the main module.
lazy_page!(SignUpRoute => SignUpPage);
lazy_page!(LoginVerifyRoute => LoginVerifyPage);
lazy_page!(ForgotPasswordRoute => super::mail_ui::ForgotPasswordPage);
lazy_page!(ResetPasswordRoute => super::mail_ui::ResetPasswordPage);
lazy_page!(VerifyEmailRoute => super::mail_ui::VerifyEmailPage);

/// `/signup`: create an account.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    ViewerContext::get().refresh_after(action);
    let feedback = FormFeedback::new(action);
    let check = Callback::new(
        feedback.check_before_submit(|f: &SignUpForm| f.parse().err().unwrap_or_default()),
    );
    let query = use_query_map();
    let check_inbox = move || query.with(|q| q.get("check").is_some());
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, sign_up.title)/>
        <section class="card narrow">
            <h1>{td!(locale, sign_up.title)}</h1>
            <Show when=check_inbox>
                <p class="success" role="status">{td!(locale, sign_up.check_inbox)}</p>
            </Show>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <Field
                    label=td_string!(locale, fields.email)
                    name="email"
                    autocomplete="email"
                    inputmode="email"
                    error=feedback.field("email")
                />
                <Field
                    label=td_string!(locale, fields.display_name)
                    name="display_name"
                    autocomplete="name"
                    hint=td_string!(locale, sign_up.display_name_hint)
                    error=feedback.field("display_name")
                />
                <NewPasswordField
                    label=td_string!(locale, fields.password)
                    name="password"
                    error=feedback.field("password")
                />
                <SubmitButton
                    label=td_string!(locale, sign_up.submit)
                    pending=action.pending().into()
                    on_click=check
                />
            </ActionForm>
            <p class="aside">
                {td!(locale, sign_up.have_account)} " "
                <A href=paths::LOGIN>{td!(locale, sign_up.sign_in)}</A>
            </p>
        </section>
    }
}

/// `/login/verify`: the second factor after a correct password: "Authentication code" (or,
/// after "Use a recovery code", "Recovery code") and "Verify"; "Use a passkey" where the
/// person has one and the browser runs JavaScript.
#[component]
pub fn LoginVerifyPage() -> impl IntoView {
    let action = ServerAction::<VerifySecondFactor>::new();
    ViewerContext::get().refresh_after(action);
    let feedback = FormFeedback::new(action);
    let challenge = Resource::new(|| (), |_| second_factor_challenge());
    let query = use_query_map();
    let recovery = move || query.with(|q| q.get("recovery").is_some());
    let recovery_href = format!("{}?recovery=1", paths::LOGIN_VERIFY);
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, verify.title)/>
        <section class="card narrow">
            <h1>{td!(locale, verify.title)}</h1>
            <Suspense fallback=move || view! { <p aria-busy="true">{td!(locale, common.loading)}</p> }>
                {move || {
                    let recovery_href = recovery_href.clone();
                    challenge.get().map(|loaded| match loaded {
                        Ok(Some(challenge)) => {
                            let use_recovery = recovery() || !challenge.totp;
                            let form = if use_recovery {
                                view! {
                                    <p class="muted">
                                        {td!(locale, verify.recovery_intro)}
                                    </p>
                                    <ActionForm action=action>
                                        <ReturnTo/>
                                        <FormMessage feedback=feedback/>
                                        <Field
                                            label=td_string!(locale, verify.recovery_code)
                                            name="recovery_code"
                                            autocomplete="off"
                                            error=feedback.field("recovery_code")
                                        />
                                        <SubmitButton label=td_string!(locale, verify.verify) pending=action.pending().into()/>
                                    </ActionForm>
                                    {challenge.totp.then(|| view! {
                                        <p class="aside">
                                            <A href=paths::LOGIN_VERIFY>{td!(locale, verify.use_code)}</A>
                                        </p>
                                    })}
                                }
                                .into_any()
                            } else {
                                view! {
                                    <p class="muted">
                                        {td!(locale, verify.code_intro)}
                                    </p>
                                    <ActionForm action=action>
                                        <ReturnTo/>
                                        <FormMessage feedback=feedback/>
                                        <Field
                                            label=td_string!(locale, verify.code)
                                            name="code"
                                            autocomplete="one-time-code"
                                            inputmode="numeric"
                                            error=feedback.field("code")
                                        />
                                        <SubmitButton label=td_string!(locale, verify.verify) pending=action.pending().into()/>
                                    </ActionForm>
                                    <p class="aside">
                                        <A href=recovery_href>{td!(locale, verify.use_recovery_code)}</A>
                                    </p>
                                }
                                .into_any()
                            };
                            view! {
                                {form}
                                {challenge.passkey.then(|| view! {
                                    <PasskeyButton label=td_string!(locale, verify.use_passkey) next=Signal::derive(String::new)/>
                                })}
                            }
                            .into_any()
                        }
                        Ok(None) => view! {
                            <p class="error" role="alert">
                                {td!(locale, verify.expired)}" "
                                <A href=paths::LOGIN>{td!(locale, verify.sign_in_again)}</A>
                            </p>
                        }
                        .into_any(),
                        Err(e) => view! { <p class="error" role="alert">{error_text(locale, &e)}</p> }.into_any(),
                    })
                }}
            </Suspense>
        </section>
    }
}

/// A passkey sign-in button ("Sign in with a passkey" on `/login`, "Use a passkey" on
/// `/login/verify`), shown by `public/passkeys.js` only where the browser runs JavaScript
/// and offers WebAuthn; without JavaScript a note says why it is missing.
#[component]
fn PasskeyButton(label: &'static str, next: Signal<String>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <PasskeyBox class="passkey-sign-in">
            <p class="muted passkeys-need-js">{td!(locale, verify.passkeys_need_js)}</p>
            <div class="needs-webauthn">
                <button type="button" class="secondary" data-passkey="sign-in" data-next=next>
                    {label}
                </button>
                <p class="field-error" data-passkey-message="" role="alert"></p>
            </div>
        </PasskeyBox>
    }
}

/// `/login`: sign in; `?next=/local/path` is where the person goes afterwards.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    ViewerContext::get().refresh_after(action);
    let feedback = FormFeedback::new(action);
    let check = Callback::new(
        feedback.check_before_submit(|f: &LoginForm| f.check().err().unwrap_or_default()),
    );
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    let reset = move || query.with(|q| q.get("reset").is_some());
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, sign_in.title)/>
        <section class="card narrow">
            <h1>{td!(locale, sign_in.title)}</h1>
            <Show when=reset>
                <p class="success" role="status">{td!(locale, sign_in.password_changed)}</p>
            </Show>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <input type="hidden" name="next" value=next/>
                <Field
                    label=td_string!(locale, fields.email)
                    name="email"
                    autocomplete="username webauthn"
                    inputmode="email"
                    error=feedback.field("email")
                />
                <Field
                    label=td_string!(locale, fields.password)
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error=feedback.field("password")
                />
                <div class="check">
                    <input type="checkbox" id="f-remember" name="remember" value="on"/>
                    <label for="f-remember">{td!(locale, sign_in.remember)}</label>
                </div>
                <SubmitButton
                    label=td_string!(locale, sign_in.submit)
                    pending=action.pending().into()
                    on_click=check
                />
            </ActionForm>
            <PasskeyButton label=td_string!(locale, sign_in.passkey) next=Signal::derive(next)/>
            <p class="aside">
                <A href=paths::PASSWORD_FORGOT>{td!(locale, sign_in.forgot)}</A>
            </p>
            <p class="aside">
                {td!(locale, sign_in.new_here)} " "
                <A href=paths::SIGN_UP>{td!(locale, sign_in.create)}</A>
            </p>
        </section>
    }
}

/// The header's sign-out button (a form, so it works without JavaScript and never signs anyone
/// out on a GET). `action` must outlive the form: the header redraws it each time the viewer is
/// fetched again, and an action created here would be disposed while the old button still
/// shows (a click in that moment panicked the page's wasm and left it without JavaScript).
#[component]
pub fn SignOutForm(action: ServerAction<LogOut>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ActionForm action=action>
            <ReturnTo/>
            <button type="submit" class="link">
                {td!(locale, sign_in.sign_out)}
            </button>
        </ActionForm>
    }
}

/// A new-password input named `name`, with the policy under it and, while the person types
/// (JavaScript on), whether the server would accept it and why not: the same zxcvbn rules,
/// asked half a second after the last keystroke.
#[component]
pub fn NewPasswordField(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: crate::components::FieldError,
) -> impl IntoView {
    let locale = use_locale();
    let hint = fill(
        td_string!(locale, new_password.hint),
        &[("min", &Password::MIN_CHARS), ("max", &Password::MAX_CHARS)],
    );
    let verdict = RwSignal::new(None::<String>);
    let typed = RwSignal::new(String::new());
    let judge = Action::new(move |password: &String| {
        let password = password.clone();
        async move {
            let answer = if password.is_empty() {
                None
            } else {
                match password_hint(password.clone()).await {
                    Ok(None) => Some(td_string!(locale, new_password.strong_enough).to_string()),
                    Ok(Some(why)) => Some(crate::i18n::refusal(locale, why)),
                    Err(_) => None,
                }
            };
            // Only the answer for what is in the field now counts.
            if typed.get_untracked() == password {
                verdict.set(answer);
            }
        }
    });
    let pending = StoredValue::new(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
    // A hint still waiting when the field goes away (navigation, a redraw) must not fire: its
    // action is disposed with the field, and dispatching it would panic.
    on_cleanup(move || {
        if let Some(handle) = pending.try_get_value().flatten() {
            handle.clear();
        }
    });
    let on_input = Callback::new(move |value: String| {
        typed.set(value.clone());
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle = leptos::leptos_dom::helpers::set_timeout_with_handle(
            move || {
                judge.dispatch(value.clone());
            },
            std::time::Duration::from_millis(500),
        )
        .ok();
        pending.set_value(handle);
    });
    view! {
        <Field
            label
            name
            kind="password"
            autocomplete="new-password"
            hint
            error
            on_input
            live_hint=verdict.read_only()
        />
    }
}
