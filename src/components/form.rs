//! Form pieces that give every form the same behaviour: a label tied to each input, the field's
//! message right under it (from the browser's check or the server's), a form-level alert, and
//! a submit button that shows a pending state.

use leptos::{prelude::*, server_fn::ServerFn};
use serde::de::DeserializeOwned;

use crate::{
    error::{AppError, FieldErrors},
    i18n::{self, td_string, Locale},
    paths,
};

/// The messages of one form: those the browser found before sending (`client`), else those the
/// server returned for the last submission (with JavaScript, from the action's value; without
/// it, from the `__err` the server put in the redirect URL, which Leptos reads back into the
/// same action value).
#[derive(Clone, Copy)]
pub struct FormFeedback {
    client: RwSignal<FieldErrors>,
    server: Signal<Option<AppError>>,
    /// The form's fields as they were drawn: `(name, label)`, for the summary's links.
    labels: StoredValue<Vec<(&'static str, &'static str)>>,
    /// The page's language, which the messages are drawn in.
    locale: Locale,
}

impl FormFeedback {
    /// Feedback for the form of `action`.
    pub fn new<S>(action: ServerAction<S>) -> Self
    where
        S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Send + Sync + 'static,
    {
        let value = action.value();
        Self {
            client: RwSignal::new(FieldErrors::new()),
            server: Signal::derive(move || {
                value.with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned()))
            }),
            labels: StoredValue::new(Vec::new()),
            locale: i18n::use_locale(),
        }
    }

    /// The message to show under the field named `name`, if any; a field component given it
    /// (`error=feedback.field("email")`) also puts a link to itself in the form's summary.
    pub fn field(self, name: &'static str) -> FieldError {
        FieldError {
            message: Signal::derive(move || self.message_of(name)),
            form: Some((self, name)),
        }
    }

    fn message_of(self, name: &str) -> Option<String> {
        let shown = |e: &crate::error::FieldError| field_message(self.locale, e);
        let client = self.client.with(|c| c.find(name).map(shown));
        client.or_else(|| {
            self.server.with(|e| {
                e.as_ref()
                    .and_then(|e| e.field_error(name))
                    .map(|e| shown(&e))
            })
        })
    }

    /// The drawn fields (`(name, label)`, in page order) that have a message now: what the
    /// form's summary links to.
    pub fn fields_in_error(self) -> Vec<(&'static str, &'static str)> {
        let labels = self.labels.with_value(Clone::clone);
        labels
            .into_iter()
            .filter(|(name, _)| self.message_of(name).is_some())
            .collect()
    }

    /// The message for the whole form (for example "Email or password is incorrect").
    pub fn form(self) -> Signal<Option<String>> {
        Signal::derive(move || {
            if self.client.with(|c| !c.is_empty()) {
                return Some(td_string!(self.locale, errors.validation).to_string());
            }
            self.server.with(|e| {
                e.as_ref()
                    .filter(|e| e.form_message().is_some())
                    .map(|e| error_text(self.locale, e))
            })
        })
    }

    /// A click handler for the submit button that runs `check` (the same rules the server
    /// applies) on the form's data in the browser and stops the submission when it finds
    /// anything. Implicit submission (Enter in a field) clicks the default button too, so
    /// this sees every submission. Data it cannot read is left to the server to judge.
    pub fn check_before_submit<T>(
        self,
        check: fn(&T) -> FieldErrors,
    ) -> impl Fn(leptos::ev::MouseEvent) + Clone + 'static
    where
        T: DeserializeOwned + 'static,
    {
        move |ev: leptos::ev::MouseEvent| {
            use leptos::form::FromFormData;
            use leptos::wasm_bindgen::JsCast;
            let form = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlButtonElement>().ok())
                .and_then(|button| button.form());
            let Some(form) = form else { return };
            let Ok(data) = web_sys::FormData::new_with_form(&form) else {
                return;
            };
            let Ok(input) = T::from_form_data(&data) else {
                return;
            };
            let found = check(&input);
            if !found.is_empty() {
                ev.prevent_default();
            }
            self.client.set(found);
        }
    }
}

/// A field's message as a person reads it in `locale`: its refusal in that language (after the
/// quoted part it is about, if any), or the message as it came when it is no known refusal.
fn field_message(locale: Locale, error: &crate::error::FieldError) -> String {
    match (error.refusal, &error.quoted) {
        (Some(r), Some(quoted)) => i18n::fill(
            td_string!(locale, refusal.quoted),
            &[("value", quoted), ("message", &i18n::refusal(locale, r))],
        ),
        (Some(r), None) => i18n::refusal(locale, r),
        (None, _) => error.message.clone(),
    }
}

/// `error` as a person reads it in `locale` (the page-level text; a conflict's text is its
/// field's message).
pub fn error_text(locale: Locale, error: &AppError) -> String {
    match error {
        AppError::Validation(_) => td_string!(locale, errors.validation).to_string(),
        AppError::BadRequest => td_string!(locale, errors.bad_request).to_string(),
        AppError::InvalidCredentials => td_string!(locale, errors.invalid_credentials).to_string(),
        AppError::AccountDisabled => td_string!(locale, errors.account_disabled).to_string(),
        AppError::EmailUnconfirmed => td_string!(locale, errors.email_unconfirmed).to_string(),
        AppError::Unauthorized => td_string!(locale, errors.unauthorized).to_string(),
        AppError::Forbidden => td_string!(locale, errors.forbidden).to_string(),
        AppError::NotFound => td_string!(locale, errors.not_found).to_string(),
        AppError::Conflict {
            refusal: Some(refusal),
            ..
        } => i18n::refusal(locale, *refusal),
        AppError::Conflict { message, .. } => message.clone(),
        AppError::RateLimited { retry_after } => {
            let wait = i18n::wait(locale, *retry_after);
            i18n::fill(td_string!(locale, errors.rate_limited), &[("wait", &wait)])
        }
        AppError::Internal { request_id } => i18n::fill(
            td_string!(locale, errors.internal),
            &[("request_id", request_id)],
        ),
    }
}

/// A field's message (shown under it) and, for a field of a form with a [`FormFeedback`], that
/// form and the field's name, so the form's summary can link to the field. A plain signal
/// (`Signal::derive(|| None)`) makes a field no summary names.
#[derive(Clone, Copy)]
pub struct FieldError {
    message: Signal<Option<String>>,
    form: Option<(FormFeedback, &'static str)>,
}

impl From<Signal<Option<String>>> for FieldError {
    fn from(message: Signal<Option<String>>) -> Self {
        Self {
            message,
            form: None,
        }
    }
}

impl FieldError {
    /// The message now, if any (tracked).
    pub fn get(self) -> Option<String> {
        self.message.get()
    }

    /// The message as a signal.
    pub fn message(self) -> Signal<Option<String>> {
        self.message
    }

    /// Tells the form that this field is drawn, labelled `label` (once per name).
    fn drawn_as(self, label: &'static str) {
        if let Some((feedback, name)) = self.form {
            feedback.labels.update_value(|labels| {
                if !labels.iter().any(|(n, _)| *n == name) {
                    labels.push((name, label));
                }
            });
        }
    }
}

/// True when the last submission of `action` succeeded: from its value with JavaScript, or
/// from `?<query_key>=...` after the plain-form redirect (no JavaScript). A failed later attempt
/// hides it.
pub fn saved_signal<S>(action: ServerAction<S>, query_key: &'static str) -> Signal<bool>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let query = leptos_router::hooks::use_query_map();
    let value = action.value();
    Signal::derive(
        move || match value.with(|v| v.as_ref().map(Result::is_ok)) {
            Some(ok) => ok,
            None => query.with(|q| q.get(query_key).is_some()),
        },
    )
}

/// A labelled single-line input with its message. `name` is the input's `name` (the server
/// function argument) and its `id` is `f-<name>`.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(into)] error: FieldError,
    /// Called with the input's value as the person types (JavaScript on).
    #[prop(optional)]
    on_input: Option<Callback<String>>,
    /// Shown under the field, live (for example a password strength hint).
    #[prop(optional, into)]
    live_hint: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let described = format!("{id}-hint {id}-live {id}-error");
    let message = error.message();
    view! {
        <FieldFrame label id=id.clone() hint error>
            <input
                id=id.clone()
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                inputmode=inputmode
                aria-invalid=move || message.with(Option::is_some).then_some("true")
                aria-describedby=described
                on:input=move |ev| {
                    if let Some(cb) = on_input {
                        cb.run(event_target_value(&ev));
                    }
                }
            />
            {live_hint
                .map(|live| {
                    view! {
                        <p class="hint live" id=format!("{id}-live") aria-live="polite">
                            // The same words as the error under it would be said twice.
                            {move || live.get().filter(|text| message.with(|e| e.as_ref() != Some(text)))}
                        </p>
                    }
                })}
        </FieldFrame>
    }
}

/// A labelled multi-line input with its message.
#[component]
pub fn TextAreaField(
    label: &'static str,
    name: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = 5)] rows: u32,
    #[prop(into)] error: FieldError,
) -> impl IntoView {
    let id = format!("f-{name}");
    let described = format!("{id}-hint {id}-error");
    let message = error.message();
    view! {
        <FieldFrame label id=id.clone() hint error>
            <textarea
                id=id
                name=name
                rows=rows
                aria-invalid=move || message.with(Option::is_some).then_some("true")
                aria-describedby=described
            >
                {value}
            </textarea>
        </FieldFrame>
    }
}

/// A labelled drop-down list of `(value, label)` options with `selected` chosen.
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    options: Vec<(String, String)>,
    #[prop(into)] selected: String,
    #[prop(into)] error: FieldError,
) -> impl IntoView {
    let id = format!("f-{name}");
    let described = format!("{id}-hint {id}-error");
    let message = error.message();
    view! {
        <FieldFrame label id=id.clone() hint=None error>
            <select
                id=id
                name=name
                aria-invalid=move || message.with(Option::is_some).then_some("true")
                aria-describedby=described
            >
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is_selected = value == selected;
                        view! {
                            <option value=value selected=is_selected>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </FieldFrame>
    }
}

/// What every field has around its control: the label (tied to the control by `id`), then an
/// optional hint and the message (referenced by the control's `aria-describedby`).
#[component]
fn FieldFrame(
    label: &'static str,
    id: String,
    hint: Option<String>,
    error: FieldError,
    children: Children,
) -> impl IntoView {
    error.drawn_as(label);
    let error = error.message();
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            {children()}
            {hint.map(|hint| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
            <p class="field-error" id=format!("{id}-error")>
                {move || error.get()}
            </p>
        </div>
    }
}

/// The form's message (`role="alert"`, so screen readers announce it; an empty live region
/// while there is nothing to say) and, under it, a link to each field with a message, named by
/// the field's label (an error summary, WCAG 2.2 SC 3.3.1 and technique G139). A refused
/// submission moves focus to it, so a keyboard or screen-reader user starts from the summary:
/// with JavaScript when the answer arrives, without it through `autofocus` on the page the
/// redirect shows. A link moves focus to its field: with JavaScript by focusing it, without it
/// as the browser goes to the `#f-<name>` fragment.
#[component]
pub fn FormMessage(feedback: FormFeedback) -> impl IntoView {
    let message = feedback.form();
    let summary = NodeRef::<leptos::html::Div>::new();
    // The render with a message already there (the page after a no-JS redirect) focuses
    // through `autofocus`; later messages through this effect, which skips that first run.
    let initial = message.get_untracked().is_some();
    Effect::new(move |seen: Option<bool>| {
        let now = message.with(Option::is_some);
        if now && seen.is_some() {
            if let Some(el) = summary.get() {
                let _ = el.focus();
            }
        }
        now
    });
    view! {
        <div
            class="form-message"
            role="alert"
            tabindex="-1"
            autofocus=initial
            node_ref=summary
        >
            {move || {
                message
                    .get()
                    .map(|m| {
                        let fields = feedback.fields_in_error();
                        view! {
                            <p class="error">{m}</p>
                            {(!fields.is_empty())
                                .then(|| {
                                    view! {
                                        <ul class="error-links">
                                            {fields
                                                .into_iter()
                                                .map(|(name, label)| {
                                                    view! {
                                                        <li>
                                                            <a
                                                                href=format!("#f-{name}")
                                                                on:click=move |ev| focus_field(ev, name)
                                                            >
                                                                {label}
                                                            </a>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    }
                                })}
                        }
                    })
            }}
        </div>
    }
}

/// A summary link's click (JavaScript on): focuses the field `f-<name>` (which scrolls it into
/// view) instead of leaving it to the router.
fn focus_field(ev: leptos::ev::MouseEvent, name: &str) {
    use leptos::wasm_bindgen::JsCast;
    let field = document()
        .get_element_by_id(&format!("f-{name}"))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(field) = field {
        ev.prevent_default();
        let _ = field.focus();
    }
}

/// The submit button. While `pending`, it is marked busy and disabled and shows a spinner; its
/// accessible name stays `label`.
#[component]
pub fn SubmitButton(
    label: &'static str,
    pending: Signal<bool>,
    #[prop(optional)] on_click: Option<Callback<leptos::ev::MouseEvent>>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="primary"
            aria-busy=move || pending.get().then_some("true")
            disabled=move || pending.get()
            on:click=move |ev| {
                if let Some(cb) = on_click {
                    cb.run(ev);
                }
            }
        >
            <span class="spinner" aria-hidden="true"></span>
            {label}
        </button>
    }
}

/// The hidden field ([`paths::RETURN_FIELD`]) that names the page a form is on: its path and
/// query without a previous refusal's `__path`/`__err`. A form posted without JavaScript is
/// answered with a redirect back to its page, errors included; Leptos takes that page from the
/// `Referer`, which a browser may not send (privacy settings, `Referrer-Policy`), and then the
/// errors were lost on `/`. The server turns this field into the redirect's target instead
/// (`server::middleware::form_return_page`). Put it first inside every `<ActionForm>`.
#[component]
pub fn ReturnTo() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let page = move || {
        let path = location.pathname.get();
        let search = location.search.get();
        let kept: Vec<&str> = search
            .trim_start_matches('?')
            .split('&')
            .filter(|pair| {
                let key = pair.split('=').next().unwrap_or_default();
                !pair.is_empty() && key != "__path" && key != "__err"
            })
            .collect();
        if kept.is_empty() {
            path
        } else {
            format!("{path}?{}", kept.join("&"))
        }
    };
    view! { <input type="hidden" name=paths::RETURN_FIELD value=page/> }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::Refusal;

    /// The pages' English for a whole-form error is the text the API and the command line
    /// print (`AppError`'s `Display`), and German differs from it.
    #[test]
    fn error_texts_read_in_english_as_the_api_says_them() {
        let errors = [
            AppError::Validation(FieldErrors::new()),
            AppError::BadRequest,
            AppError::InvalidCredentials,
            AppError::AccountDisabled,
            AppError::EmailUnconfirmed,
            AppError::Unauthorized,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::conflict("email", Refusal::EmailTaken),
            AppError::RateLimited { retry_after: 1 },
            AppError::RateLimited { retry_after: 45 },
            AppError::RateLimited { retry_after: 900 },
            AppError::Internal {
                request_id: "r-1".into(),
            },
        ];
        for error in &errors {
            assert_eq!(error_text(Locale::en, error), error.to_string());
            assert_ne!(
                error_text(Locale::de, error),
                error.to_string(),
                "{error:?}"
            );
        }
        assert_eq!(
            error_text(Locale::de, &AppError::RateLimited { retry_after: 900 }),
            "Zu viele Versuche. Versuchen Sie es in 15 Minuten noch einmal."
        );
    }
}
