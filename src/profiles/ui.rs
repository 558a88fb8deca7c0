//! `/profile` and `/settings` pages.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use super::{
    api::{get_profile, get_settings, UpdateProfile, UpdateSettings},
    ProfileForm, SettingsForm,
};
use crate::{
    app::ViewerContext,
    auth::login_url,
    components::{Field, FormFeedback, FormMessage, SelectField, SubmitButton, TextAreaField},
    domain::Theme,
    error::AppError,
};

/// True when the last save of `action` succeeded: from its value with JavaScript, or from
/// `?saved=1` after the plain-form redirect (no JavaScript). A failed later attempt hides it.
fn saved_signal<S>(action: ServerAction<S>) -> Signal<bool>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let query = use_query_map();
    let value = action.value();
    Signal::derive(
        move || match value.with(|v| v.as_ref().map(Result::is_ok)) {
            Some(ok) => ok,
            None => query.with(|q| q.get("saved").is_some()),
        },
    )
}

/// What a page shows when its data could not be loaded.
#[component]
fn LoadError(error: AppError, here: &'static str) -> impl IntoView {
    match error {
        AppError::Unauthorized => view! { <Redirect path=login_url(here)/> }.into_any(),
        other => view! { <p class="error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// `/profile`: edit one's own profile.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let action = ServerAction::<UpdateProfile>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(action);
    let feedback = FormFeedback::new(action);
    let saved = saved_signal(action);
    let saves = cx.saves();
    let profile = Resource::new(move || saves.get(), |_| get_profile());
    let check = feedback.check_before_submit(|f: &ProfileForm| f.parse().err().unwrap_or_default());
    view! {
        <Title text="Profile"/>
        <section class="card">
            <h1>"Profile"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    profile
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <LoadError error here="/profile"/> }.into_any(),
                            Ok(p) => {
                                let check = check.clone();
                                view! {
                                    <p class="muted">
                                        {p.email.clone()} " · member since " {p.member_since.clone()}
                                    </p>
                                    <ActionForm action=action>
                                        <FormMessage message=feedback.form()/>
                                        <Show when=move || saved.get()>
                                            <p class="success" role="status">"Profile saved"</p>
                                        </Show>
                                        <Field
                                            label="Display name"
                                            name="display_name"
                                            value=p.display_name.clone()
                                            autocomplete="name"
                                            error=feedback.field("display_name")
                                        />
                                        <TextAreaField
                                            label="Bio"
                                            name="bio"
                                            value=p.bio.clone()
                                            hint="Up to 1000 characters."
                                            error=feedback.field("bio")
                                        />
                                        <Field
                                            label="Location"
                                            name="location"
                                            value=p.location.clone()
                                            error=feedback.field("location")
                                        />
                                        <Field
                                            label="Website"
                                            name="website"
                                            value=p.website.clone()
                                            inputmode="url"
                                            autocomplete="url"
                                            hint="A full address, such as https://example.org"
                                            error=feedback.field("website")
                                        />
                                        <SubmitButton
                                            label="Save profile"
                                            pending=action.pending().into()
                                            on_click=Callback::new(check)
                                        />
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

/// `/settings`: theme and time zone.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let action = ServerAction::<UpdateSettings>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(action);
    let feedback = FormFeedback::new(action);
    let saved = saved_signal(action);
    let saves = cx.saves();
    let settings = Resource::new(move || saves.get(), |_| get_settings());
    let check =
        feedback.check_before_submit(|f: &SettingsForm| f.parse().err().unwrap_or_default());
    view! {
        <Title text="Settings"/>
        <section class="card">
            <h1>"Settings"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    settings
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <LoadError error here="/settings"/> }.into_any(),
                            Ok(s) => {
                                let themes = Theme::ALL
                                    .iter()
                                    .map(|t| (t.as_str().to_string(), t.label().to_string()))
                                    .collect::<Vec<_>>();
                                let zones = s
                                    .time_zones
                                    .iter()
                                    .map(|z| (z.clone(), z.replace('_', " ")))
                                    .collect::<Vec<_>>();
                                let check = check.clone();
                                view! {
                                    <ActionForm action=action>
                                        <FormMessage message=feedback.form()/>
                                        <Show when=move || saved.get()>
                                            <p class="success" role="status">"Settings saved"</p>
                                        </Show>
                                        <SelectField
                                            label="Theme"
                                            name="theme"
                                            options=themes
                                            selected=s.theme.as_str()
                                            error=feedback.field("theme")
                                        />
                                        <SelectField
                                            label="Time zone"
                                            name="time_zone"
                                            options=zones
                                            selected=s.time_zone.clone()
                                            error=feedback.field("time_zone")
                                        />
                                        <p class="muted">
                                            "Your local time: " <time>{s.local_time.clone()}</time>
                                        </p>
                                        <SubmitButton
                                            label="Save settings"
                                            pending=action.pending().into()
                                            on_click=Callback::new(check)
                                        />
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}
