//! `/profile` and `/settings` (preferences) pages, and their routes.

use leptos::prelude::*;
use leptos_router::{components::Route, Lazy, MatchNestedRoutes, SsrMode};

use super::{
    api::{get_profile, get_settings, UpdateProfile, UpdateSettings},
    ProfileData, ProfileForm, SettingsData, SettingsForm,
};
use crate::{
    auth::ui::ViewerContext,
    components::{
        lazy_page, saved_signal, DataCard, Field, FormFeedback, FormMessage, ReturnTo, SelectField,
        SubmitButton, TextAreaField,
    },
    domain::Theme,
    paths::{self, Route as Path},
};

/// `/profile`.
#[component(transparent)]
pub fn ProfileRoutes() -> impl MatchNestedRoutes + Clone {
    view! { <Route path=Path(paths::PROFILE) view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async/> }
        .into_inner()
}

// Loaded from wasm chunks of their own (see `lazy_page!`).
lazy_page!(ProfileRoute => ProfilePage);
lazy_page!(SettingsRoute => SettingsPage);

/// `/settings` itself (the preferences), inside the settings area's frame.
#[component(transparent)]
pub fn PreferencesRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route
            path=Path::below(paths::SETTINGS, paths::SETTINGS)
            view={Lazy::<SettingsRoute>::new()}
            ssr=SsrMode::Async
        />
    }
    .into_inner()
}

/// `/profile`: edit one's own profile.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let action = ServerAction::<UpdateProfile>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(action);
    let feedback = FormFeedback::new(action);
    let saved = saved_signal(action, "saved");
    let saves = cx.saves();
    let profile = Resource::new(move || saves.get(), |_| get_profile());
    let check = Callback::new(
        feedback.check_before_submit(|f: &ProfileForm| f.parse().err().unwrap_or_default()),
    );
    view! {
        <DataCard
            title="Profile"
            here=paths::PROFILE
            data=profile
            content=move |p: ProfileData| {
                view! {
                    <p class="muted">{p.email} " · member since " {p.member_since}</p>
                    <ActionForm action=action>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <Show when=move || saved.get()>
                            <p class="success" role="status">"Profile saved"</p>
                        </Show>
                        <Field
                            label="Display name"
                            name="display_name"
                            value=p.display_name
                            autocomplete="name"
                            error=feedback.field("display_name")
                        />
                        <TextAreaField
                            label="Bio"
                            name="bio"
                            value=p.bio
                            hint="Up to 1000 characters."
                            error=feedback.field("bio")
                        />
                        <Field
                            label="Location"
                            name="location"
                            value=p.location
                            error=feedback.field("location")
                        />
                        <Field
                            label="Website"
                            name="website"
                            value=p.website
                            inputmode="url"
                            autocomplete="url"
                            hint="A full address, such as https://example.org"
                            error=feedback.field("website")
                        />
                        <SubmitButton
                            label="Save profile"
                            pending=action.pending().into()
                            on_click=check
                        />
                    </ActionForm>
                }
            }
        />
    }
}

/// `/settings`: theme and time zone.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let action = ServerAction::<UpdateSettings>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(action);
    let feedback = FormFeedback::new(action);
    let saved = saved_signal(action, "saved");
    let saves = cx.saves();
    let settings = Resource::new(move || saves.get(), |_| get_settings());
    let check = Callback::new(
        feedback.check_before_submit(|f: &SettingsForm| f.parse().err().unwrap_or_default()),
    );
    view! {
        <DataCard
            title="Settings"
            here=paths::SETTINGS
            data=settings
            content=move |s: SettingsData| {
                let themes = Theme::ALL
                    .iter()
                    .map(|t| (t.as_str().to_string(), t.label().to_string()))
                    .collect::<Vec<_>>();
                let zones = s
                    .time_zones
                    .iter()
                    .map(|z| (z.clone(), z.replace('_', " ")))
                    .collect::<Vec<_>>();
                view! {
                    <ActionForm action=action>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
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
                            selected=s.time_zone
                            error=feedback.field("time_zone")
                        />
                        <p class="muted">"Your local time: " <time>{s.local_time}</time></p>
                        <SubmitButton
                            label="Save settings"
                            pending=action.pending().into()
                            on_click=check
                        />
                    </ActionForm>
                }
            }
        />
    }
}
