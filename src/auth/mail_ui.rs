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
    components::{saved_signal, Field, FormFeedback, FormMessage, ReturnTo, SubmitButton},
    paths,
};

/// `/password/forgot`: ask for a reset link. The same answer for every address.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let feedback = FormFeedback::new(action);
    let sent = saved_signal(action, "sent");
    view! {
        <Title text="Forgot password"/>
        <section class="card narrow">
            <h1>"Forgot password"</h1>
            <Show
                when=move || sent.get()
                fallback=move || {
                    view! {
                        <p class="muted">
                            "Enter the address you sign in with. We will mail you a link to choose a new password."
                        </p>
                        <ActionForm action=action>
                            <ReturnTo/>
                            <FormMessage feedback=feedback/>
                            <Field
                                label="Email"
                                name="email"
                                autocomplete="username"
                                inputmode="email"
                                error=feedback.field("email")
                            />
                            <SubmitButton label="Send reset link" pending=action.pending().into()/>
                        </ActionForm>
                    }
                }
            >
                <p class="success" role="status">
                    "If an account uses this address, we have sent it a link to choose a new password. \
                     The link works for 1 hour. Check your spam folder if nothing arrives."
                </p>
            </Show>
            <p class="aside"><A href=paths::LOGIN>"Back to sign in"</A></p>
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
    view! {
        <Title text="Choose a new password"/>
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| ()>
                {move || {
                    open.get()
                        .map(|open| match open {
                            Ok(true) => {
                                view! {
                                    <p class="muted">
                                        "Setting it signs you out everywhere and revokes your personal access tokens."
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
                                            label="New password"
                                            name="new_password"
                                            error=feedback.field("new_password")
                                        />
                                        <SubmitButton
                                            label="Set new password"
                                            pending=action.pending().into()
                                        />
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            Ok(false) => view! { <InvalidLink/> }.into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}

/// What a used, expired or made-up link gets.
#[component]
fn InvalidLink() -> impl IntoView {
    view! {
        <p class="error" role="alert">{super::LINK_INVALID_TEXT}</p>
        <p><A href=paths::PASSWORD_FORGOT>"Ask for a new link"</A></p>
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
    view! {
        <Title text="Confirm email address"/>
        <section class="card narrow">
            {move || match done() {
                Some(which) => {
                    view! {
                        <h1>"Email verified"</h1>
                        <p class="success" role="status">
                            {if which == "new" {
                                "Your new address is confirmed: sign in with it from now on."
                            } else {
                                "Your address is confirmed. Thank you."
                            }}
                        </p>
                        <Transition fallback=|| ()>
                            {move || {
                                if signed_in() {
                                    view! { <p><A href=paths::HOME>"Continue"</A></p> }.into_any()
                                } else {
                                    view! { <p><A href=paths::LOGIN>"Sign in"</A></p> }.into_any()
                                }
                            }}
                        </Transition>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <h1>"Confirm email address"</h1>
                        <p class="muted">"Confirm that this address is yours."</p>
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
                                            <p><A href=paths::HOME>"Go to the start page"</A></p>
                                        }
                                    })
                            }}
                            <input type="hidden" name="token" value=token/>
                            <SubmitButton
                                label="Confirm email address"
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
    view! {
        <aside class="notice verify" aria-label="Email address">
            <Show
                when=move || resent.get()
                fallback=move || {
                    view! {
                        <p>"Please confirm your email address: follow the link we mailed you."</p>
                        <ActionForm action=action>
                            <ReturnTo/>
                            <FormMessage feedback=feedback/>
                            <button type="submit" class="link">"Resend verification email"</button>
                        </ActionForm>
                    }
                }
            >
                <p role="status">"We have sent you a new link. It works for 24 hours."</p>
            </Show>
        </aside>
    }
}
