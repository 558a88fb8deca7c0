//! Sign-up and sign-in pages and the header's sign-out form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::{
    api::{LogIn, LogOut, SignUp},
    LoginForm, SignUpForm,
};
use crate::{
    account::ui::NewPasswordField,
    app::ViewerContext,
    components::{Field, FormFeedback, FormMessage, SubmitButton},
};

/// `/signup`: create an account.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    ViewerContext::get().refresh_after(action);
    let feedback = FormFeedback::new(action);
    let check = Callback::new(
        feedback.check_before_submit(|f: &SignUpForm| f.parse().err().unwrap_or_default()),
    );
    view! {
        <Title text="Create account"/>
        <section class="card narrow">
            <h1>"Create account"</h1>
            <ActionForm action=action>
                <FormMessage message=feedback.form()/>
                <Field
                    label="Email"
                    name="email"
                    autocomplete="email"
                    inputmode="email"
                    error=feedback.field("email")
                />
                <Field
                    label="Display name"
                    name="display_name"
                    autocomplete="name"
                    hint="How others see you. You can change it later."
                    error=feedback.field("display_name")
                />
                <NewPasswordField
                    label="Password"
                    name="password"
                    error=feedback.field("password")
                />
                <SubmitButton
                    label="Create account"
                    pending=action.pending().into()
                    on_click=check
                />
            </ActionForm>
            <p class="aside">"Already have an account? " <A href="/login">"Sign in"</A></p>
        </section>
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
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=action>
                <FormMessage message=feedback.form()/>
                <input type="hidden" name="next" value=next/>
                <Field
                    label="Email"
                    name="email"
                    autocomplete="username"
                    inputmode="email"
                    error=feedback.field("email")
                />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error=feedback.field("password")
                />
                <div class="check">
                    <input type="checkbox" id="f-remember" name="remember" value="on"/>
                    <label for="f-remember">"Remember me"</label>
                </div>
                <SubmitButton
                    label="Sign in"
                    pending=action.pending().into()
                    on_click=check
                />
            </ActionForm>
            <p class="aside">"New to Roster? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}

/// The header's sign-out button (a form, so it works without JavaScript and never signs anyone
/// out on a GET). `action` must outlive the form: the header redraws it each time the viewer is
/// fetched again, and an action created here would be disposed while the old button still
/// shows (a click in that moment panicked the page's wasm and left it without JavaScript).
#[component]
pub fn SignOutForm(action: ServerAction<LogOut>) -> impl IntoView {
    view! {
        <ActionForm action=action>
            <button type="submit" class="link">
                "Sign out"
            </button>
        </ActionForm>
    }
}
