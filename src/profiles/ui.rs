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
    domain::{Language, Theme},
    i18n::{td, td_string, use_locale},
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
    let locale = use_locale();
    view! {
        <DataCard
            title=td_string!(locale, profile.title)
            here=paths::PROFILE
            data=profile
            content=move |p: ProfileData| {
                view! {
                    <p class="muted">
                        {p.email} " · " {td!(locale, profile.member_since)} " " {p.member_since}
                    </p>
                    <ActionForm action=action>
                        <ReturnTo/>
                        <FormMessage feedback=feedback/>
                        <Show when=move || saved.get()>
                            <p class="success" role="status">{td!(locale, profile.saved)}</p>
                        </Show>
                        <Field
                            label=td_string!(locale, fields.display_name)
                            name="display_name"
                            value=p.display_name
                            autocomplete="name"
                            error=feedback.field("display_name")
                        />
                        <TextAreaField
                            label=td_string!(locale, profile.bio)
                            name="bio"
                            value=p.bio
                            hint=td_string!(locale, profile.bio_hint)
                            error=feedback.field("bio")
                        />
                        <Field
                            label=td_string!(locale, profile.location)
                            name="location"
                            value=p.location
                            error=feedback.field("location")
                        />
                        <Field
                            label=td_string!(locale, profile.website)
                            name="website"
                            value=p.website
                            inputmode="url"
                            autocomplete="url"
                            hint=td_string!(locale, profile.website_hint)
                            error=feedback.field("website")
                        />
                        <SubmitButton
                            label=td_string!(locale, profile.save)
                            pending=action.pending().into()
                            on_click=check
                        />
                    </ActionForm>
                }
            }
        />
    }
}

/// In the browser: once a save changed the "Language" setting (the settings read again after
/// it differ in language from those the page was drawn with), loads `/settings?saved=1` in
/// full, so the server draws every word in the new language, as it does for the form sent
/// without JavaScript. The address is named rather than reloaded: the router may not have moved
/// to it yet when the settings arrive.
fn load_again_when_the_language_changes(
    settings: Resource<Result<SettingsData, crate::error::AppError>>,
) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |before: Option<Option<Option<Language>>>| {
        let now = settings.get().and_then(Result::ok).map(|s| s.language);
        if let (Some(Some(before)), Some(now)) = (before, now) {
            if before != now {
                let _ = window()
                    .location()
                    .assign(&paths::flagged(paths::SETTINGS, "saved"));
            }
        }
        now
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = settings;
}

/// `/settings`: theme, time zone and language.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<UpdateSettings>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(action);
    let feedback = FormFeedback::new(action);
    let saved = saved_signal(action, "saved");
    let saves = cx.saves();
    let settings = Resource::new(move || saves.get(), |_| get_settings());
    load_again_when_the_language_changes(settings);
    let check = Callback::new(
        feedback.check_before_submit(|f: &SettingsForm| f.parse().err().unwrap_or_default()),
    );
    view! {
        <DataCard
            title=td_string!(locale, preferences.title)
            here=paths::SETTINGS
            data=settings
            content=move |s: SettingsData| {
                let themes = Theme::ALL
                    .iter()
                    .map(|t| {
                        let label = match t {
                            Theme::System => td_string!(locale, theme.system),
                            Theme::Light => td_string!(locale, theme.light),
                            Theme::Dark => td_string!(locale, theme.dark),
                        };
                        (t.as_str().to_string(), label.to_string())
                    })
                    .collect::<Vec<_>>();
                // Each language by its own name, after "follow the browser".
                let languages = std::iter::once((
                    Language::BROWSER.to_string(),
                    td_string!(locale, preferences.language_browser).to_string(),
                ))
                .chain(Language::ALL.iter().map(|l| (l.tag().to_string(), l.name().to_string())))
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
                            <p class="success" role="status">{td!(locale, preferences.saved)}</p>
                        </Show>
                        <SelectField
                            label=td_string!(locale, preferences.theme)
                            name="theme"
                            options=themes
                            selected=s.theme.as_str()
                            error=feedback.field("theme")
                        />
                        <SelectField
                            label=td_string!(locale, preferences.time_zone)
                            name="time_zone"
                            options=zones
                            selected=s.time_zone
                            error=feedback.field("time_zone")
                        />
                        <p class="muted">
                            {td!(locale, preferences.local_time)} " " <time>{s.local_time}</time>
                        </p>
                        <SelectField
                            label=td_string!(locale, preferences.language)
                            name="language"
                            options=languages
                            selected=s.language.map_or(Language::BROWSER, Language::tag)
                            error=feedback.field("language")
                        />
                        <SubmitButton
                            label=td_string!(locale, preferences.save)
                            pending=action.pending().into()
                            on_click=check
                        />
                    </ActionForm>
                }
            }
        />
    }
}
