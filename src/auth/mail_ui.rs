//! The pages reached from mail, and the notice that asks for a confirmed address:
//! `/password/forgot`, `/password/reset?token=...`, `/verify-email?token=...`, and
//! [`VerifyNotice`]. Each works without JavaScript: the plain form posts, the server redirects
//! to a page that says what happened.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::{
    api::{reset_link, ConfirmEmail, ForgotPassword, ResendVerification, ResetPassword},
    ui::NewPasswordField,
};
use crate::{
    components::{
        error_text, saved_signal, Field, FormFeedback, FormMessage, ReturnTo, SubmitButton,
    },
    i18n::{self, td, td_string, use_locale},
    paths,
};

/// `/password/forgot`: ask for a reset link. The same answer for every address.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let feedback = FormFeedback::new(action);
    let sent = saved_signal(action, "sent");
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, forgot.title)/>
        <section class="card narrow">
            <h1>{td!(locale, forgot.title)}</h1>
            <Show
                when=move || sent.get()
                fallback=move || {
                    view! {
                        <p class="muted">
                            {td!(locale, forgot.intro)}
                        </p>
                        <ActionForm action=action>
                            <ReturnTo/>
                            <FormMessage feedback=feedback/>
                            <Field
                                label=td_string!(locale, fields.email)
                                name="email"
                                autocomplete="username"
                                inputmode="email"
                                error=feedback.field("email")
                            />
                            <SubmitButton label=td_string!(locale, forgot.send) pending=action.pending().into()/>
                        </ActionForm>
                    }
                }
            >
                <p class="success" role="status">
                    {td!(locale, forgot.sent)}
                </p>
            </Show>
            <p class="aside"><A href=paths::LOGIN>{td!(locale, forgot.back)}</A></p>
        </section>
    }
}

/// `/password/reset?token=...`: choose a new password through a mailed link.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token").unwrap_or_default());
    let open = Resource::new(token, reset_link);
    let action = ServerAction::<ResetPassword>::new();
    let feedback = FormFeedback::new(action);
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, reset.title)/>
        <section class="card narrow">
            <h1>{td!(locale, reset.title)}</h1>
            <Suspense fallback=|| ()>
                {move || {
                    open.get()
                        .map(|open| match open {
                            Ok(true) => {
                                view! {
                                    <p class="muted">
                                        {td!(locale, reset.intro)}
                                    </p>
                                    <ActionForm action=action>
                                        <ReturnTo/>
                                        <FormMessage feedback=feedback/>
                                        {move || {
                                            feedback
                                                .field("token")
                                                .get()
                                                .map(|m| view! { <p class="error" role="alert">{m}</p> })
                                        }}
                                        <input type="hidden" name="token" value=token/>
                                        <NewPasswordField
                                            label=td_string!(locale, reset.new_password)
                                            name="new_password"
                                            error=feedback.field("new_password")
                                        />
                                        <SubmitButton
                                            label=td_string!(locale, reset.submit)
                                            pending=action.pending().into()
                                        />
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            Ok(false) => view! { <InvalidLink/> }.into_any(),
                            Err(e) => view! { <p class="error" role="alert">{error_text(locale, &e)}</p> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}

/// What a used, expired or made-up link gets.
#[component]
fn InvalidLink() -> impl IntoView {
    let locale = use_locale();
    view! {
        <p class="error" role="alert">{i18n::refusal(locale, crate::domain::Refusal::LinkInvalid)}</p>
        <p><A href=paths::PASSWORD_FORGOT>{td!(locale, reset.ask_again)}</A></p>
    }
}

/// `/verify-email?token=...`: confirm an address through a mailed link (a button, since a GET
/// never changes anything: mail scanners open links too); `?done=address|new` afterwards.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token").unwrap_or_default());
    let done = move || query.with(|q| q.get("done"));
    let action = ServerAction::<ConfirmEmail>::new();
    let feedback = FormFeedback::new(action);
    let cx = super::ui::ViewerContext::get();
    cx.refresh_after(action);
    let signed_in = move || cx.viewer.get().and_then(|v| v.ok().flatten()).is_some();
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, confirm_email.title)/>
        <section class="card narrow">
            {move || match done() {
                Some(which) => {
                    view! {
                        <h1>{td!(locale, confirm_email.verified)}</h1>
                        <p class="success" role="status">
                            {if which == "new" {
                                td_string!(locale, confirm_email.new_confirmed)
                            } else {
                                td_string!(locale, confirm_email.confirmed)
                            }}
                        </p>
                        <Transition fallback=|| ()>
                            {move || {
                                if signed_in() {
                                    view! { <p><A href=paths::HOME>{td!(locale, confirm_email.go_on)}</A></p> }.into_any()
                                } else {
                                    view! { <p><A href=paths::LOGIN>{td!(locale, confirm_email.sign_in)}</A></p> }.into_any()
                                }
                            }}
                        </Transition>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <h1>{td!(locale, confirm_email.title)}</h1>
                        <p class="muted">{td!(locale, confirm_email.intro)}</p>
                        <ActionForm action=action>
                            <ReturnTo/>
                            <FormMessage feedback=feedback/>
                            {move || {
                                feedback
                                    .field("token")
                                    .get()
                                    .map(|m| {
                                        view! {
                                            <p class="error" role="alert">{m}</p>
                                            <p><A href=paths::HOME>{td!(locale, confirm_email.start_page)}</A></p>
                                        }
                                    })
                            }}
                            <input type="hidden" name="token" value=token/>
                            <SubmitButton
                                label=td_string!(locale, confirm_email.title)
                                pending=action.pending().into()
                            />
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// The notice for a signed-in person whose address is not confirmed, with
/// "Resend verification email". `action` lives as long as the page frame (see `SignOutForm`).
#[component]
pub fn VerifyNotice(action: ServerAction<ResendVerification>) -> impl IntoView {
    let feedback = FormFeedback::new(action);
    let resent = saved_signal(action, "resent");
    let locale = use_locale();
    view! {
        <aside class="notice verify" aria-label=td_string!(locale, confirm_email.notice_label)>
            <Show
                when=move || resent.get()
                fallback=move || {
                    view! {
                        <p>{td!(locale, confirm_email.notice)}</p>
                        <ActionForm action=action>
                            <ReturnTo/>
                            <FormMessage feedback=feedback/>
                            <button type="submit" class="link">{td!(locale, confirm_email.resend)}</button>
                        </ActionForm>
                    }
                }
            >
                <p role="status">{td!(locale, confirm_email.resent)}</p>
            </Show>
        </aside>
    }
}
