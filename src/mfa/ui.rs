//! `/settings/security`: the authenticator app (set up with a QR code or the "Secret key",
//! turn on with a code, turn off), recovery codes (shown once, "Download codes",
//! "Regenerate recovery codes") and passkeys ("Add a passkey" — JavaScript only, as WebAuthn is
//! a browser API —, a "Remove" per passkey); and its route.

use leptos::prelude::*;
use leptos_router::{components::Route, hooks::use_query_map, Lazy, MatchNestedRoutes, SsrMode};

use super::{
    api::{
        get_security, RegenerateRecoveryCodes, RemovePasskey, SetUpTotp, TurnOffTotp, TurnOnTotp,
    },
    PasskeyView, SecurityPage, TotpSetup,
};
use crate::{
    auth::ui::ViewerContext,
    components::{
        lazy_page, DataCard, Field, FormFeedback, FormMessage, PasskeyBox, ReturnTo, SubmitButton,
        TableWrap,
    },
    i18n::{fill, td, td_string, use_locale, Locale},
    paths::{self, Route as Path},
};

/// The label of every confirmation field on the page.
fn confirm_label(locale: Locale) -> &'static str {
    td_string!(locale, security.confirm_label)
}

/// `/settings/security`, inside the settings area's frame.
#[component(transparent)]
pub fn SecurityRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route
            path=Path::below(paths::SETTINGS, paths::SETTINGS_SECURITY)
            view={Lazy::<SecuritySettingsRoute>::new()}
            ssr=SsrMode::Async
        />
    }
    .into_inner()
}

// Loaded from wasm chunks of their own (see `lazy_page!`).
lazy_page!(SecuritySettingsRoute => SecuritySettingsPage);

/// `/settings/security`: second factors.
#[component]
pub fn SecuritySettingsPage() -> impl IntoView {
    let set_up = ServerAction::<SetUpTotp>::new();
    let turn_on = ServerAction::<TurnOnTotp>::new();
    let turn_off = ServerAction::<TurnOffTotp>::new();
    let regenerate = ServerAction::<RegenerateRecoveryCodes>::new();
    let remove = ServerAction::<RemovePasskey>::new();
    let cx = ViewerContext::get();
    cx.refresh_after(set_up);
    cx.refresh_after(turn_on);
    cx.refresh_after(turn_off);
    cx.refresh_after(regenerate);
    cx.refresh_after(remove);
    let actions = Actions {
        set_up,
        turn_on,
        turn_off,
        regenerate,
        remove,
    };
    let saves = cx.saves();
    let page = Resource::new(move || saves.get(), |_| get_security());
    let query = use_query_map();
    let flag = move |key: &'static str| query.with(|q| q.get(key).is_some());
    let removing = move || query.with(|q| q.get("remove").and_then(|id| id.parse::<i64>().ok()));
    let locale = use_locale();
    view! {
        <DataCard
            title=td_string!(locale, security.title)
            here=paths::SETTINGS_SECURITY
            data=page
            content=move |page: SecurityPage| {
                let notice = [
                    ("enabled", td_string!(locale, security.enabled)),
                    ("turned_off", td_string!(locale, security.turned_off)),
                    ("regenerated", td_string!(locale, security.regenerated)),
                    ("removed", td_string!(locale, security.removed)),
                    ("added", td_string!(locale, security.added)),
                ]
                    .into_iter()
                    .find(|(key, _)| flag(key))
                    .map(|(_, text)| view! { <p class="success" role="status">{text}</p> });
                let required = (flag("required") && !page.protected())
                    .then(|| {
                        view! {
                            <p class="notice" role="alert">
                                {td!(locale, security.required)}
                            </p>
                        }
                    });
                let confirm_removal = removing()
                    .and_then(|id| page.passkeys.iter().find(|p| p.id == id).cloned())
                    .map(|passkey| view! { <RemoveConfirm passkey action=actions.remove/> });
                view! {
                    {required}
                    {notice}
                    {page.new_codes.clone().map(|codes| view! { <NewCodes codes/> })}
                    {confirm_removal}
                    <AuthenticatorApp page=page.clone() actions/>
                    <RecoveryCodes page=page.clone() action=actions.regenerate/>
                    <Passkeys page/>
                }
            }
        />
    }
}

#[derive(Clone, Copy)]
struct Actions {
    set_up: ServerAction<SetUpTotp>,
    turn_on: ServerAction<TurnOnTotp>,
    turn_off: ServerAction<TurnOffTotp>,
    regenerate: ServerAction<RegenerateRecoveryCodes>,
    remove: ServerAction<RemovePasskey>,
}

/// The authenticator app's section: off ("Set up authenticator app"), being set up (QR code,
/// "Secret key", "Authentication code", "Turn on"), or on ("Turn off").
#[component]
fn AuthenticatorApp(page: SecurityPage, actions: Actions) -> impl IntoView {
    let set_up = FormFeedback::new(actions.set_up);
    let turn_on = FormFeedback::new(actions.turn_on);
    let turn_off = FormFeedback::new(actions.turn_off);
    let locale = use_locale();
    let body = if page.totp {
        view! {
            <p>{td!(locale, security.totp_on)}</p>
            <ActionForm action=actions.turn_off>
                <ReturnTo/>
                <FormMessage feedback=turn_off/>
                <Field
                    label=confirm_label(locale)
                    name="confirm"
                    kind="password"
                    autocomplete="current-password"
                    hint=td_string!(locale, security.last_factor_hint)
                    error=turn_off.field("confirm")
                />
                <button
                    type="submit"
                    class="danger"
                    aria-busy=move || actions.turn_off.pending().get().then_some("true")
                    disabled=move || actions.turn_off.pending().get()
                >
                    <span class="spinner" aria-hidden="true"></span>
                    {td!(locale, security.turn_off)}
                </button>
            </ActionForm>
        }
        .into_any()
    } else if let Some(TotpSetup { secret, qr_svg }) = page.setup {
        view! {
            <ol class="steps">
                <li>
                    {td!(locale, security.scan)}
                    <div class="qr" inner_html=qr_svg></div>
                </li>
                <li>
                    {td!(locale, security.type_secret)}
                    <p>
                        <span class="label" id="secret-key-label">{td!(locale, security.secret_key)}</span>
                        " "
                        <code class="secret" aria-labelledby="secret-key-label">{secret}</code>
                    </p>
                </li>
                <li>{td!(locale, security.enter_code)}</li>
            </ol>
            <ActionForm action=actions.turn_on>
                <ReturnTo/>
                <FormMessage feedback=turn_on/>
                <Field
                    label=td_string!(locale, security.code)
                    name="code"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    error=turn_on.field("code")
                />
                <SubmitButton label=td_string!(locale, security.turn_on) pending=actions.turn_on.pending().into()/>
            </ActionForm>
            <ActionForm action=actions.turn_off>
                <ReturnTo/>
                <button type="submit" class="link">{td!(locale, security.cancel)}</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <p class="muted">
                {td!(locale, security.totp_off)}
            </p>
            <ActionForm action=actions.set_up>
                <ReturnTo/>
                <FormMessage feedback=set_up/>
                <SubmitButton
                    label=td_string!(locale, security.set_up)
                    pending=actions.set_up.pending().into()
                />
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="totp-heading">
            <h2 id="totp-heading">{td!(locale, security.totp_heading)}</h2>
            {body}
        </section>
    }
}

/// Recovery codes just made, shown this once, with "Download codes" (a text file made in the
/// page itself, so it works without JavaScript).
#[component]
fn NewCodes(codes: Vec<String>) -> impl IntoView {
    let locale = use_locale();
    let text = format!(
        "{}\n{}\n",
        td_string!(locale, security.codes_file),
        codes.join("\n")
    );
    let encoded: String = url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let href = format!("data:text/plain;charset=utf-8,{encoded}");
    view! {
        <div class="notice new-codes" role="status">
            <p>
                <strong>{td!(locale, security.your_codes)}</strong>
                {td!(locale, security.save_codes)}
            </p>
            <ul class="codes" aria-label=td_string!(locale, security.codes_heading)>
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <a class="button" href=href download="roster-recovery-codes.txt">{td!(locale, security.download)}</a>
        </div>
    }
}

/// The recovery codes' section: how many are left, "Regenerate recovery codes".
#[component]
fn RecoveryCodes(
    page: SecurityPage,
    action: ServerAction<RegenerateRecoveryCodes>,
) -> impl IntoView {
    let feedback = FormFeedback::new(action);
    if !page.protected() {
        return ().into_any();
    }
    let left = page.recovery_codes_left;
    let locale = use_locale();
    view! {
        <section aria-labelledby="codes-heading">
            <h2 id="codes-heading">{td!(locale, security.codes_heading)}</h2>
            <p class=if left <= 2 { "notice" } else { "muted" }>
                {match left {
                    0 => td_string!(locale, security.no_codes).to_string(),
                    1 => td_string!(locale, security.one_code).to_string(),
                    n => fill(td_string!(locale, security.codes_left), &[("n", &n)]),
                }}
            </p>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <Field
                    label=confirm_label(locale)
                    name="confirm_codes"
                    kind="password"
                    autocomplete="current-password"
                    error=feedback.field("confirm_codes")
                />
                <SubmitButton
                    label=td_string!(locale, security.regenerate)
                    pending=action.pending().into()
                />
            </ActionForm>
        </section>
    }
    .into_any()
}

/// The passkeys' section: the list (a "Remove" link each) and "Add a passkey", offered only
/// where the browser runs JavaScript with WebAuthn (`public/passkeys.js` shows it).
#[component]
fn Passkeys(page: SecurityPage) -> impl IntoView {
    let locale = use_locale();
    let list = if page.passkeys.is_empty() {
        view! { <p class="muted">{td!(locale, security.no_passkeys)}</p> }.into_any()
    } else {
        view! {
            <TableWrap label=td_string!(locale, security.passkeys)>
                <table class="passkeys">
                    <thead>
                        <tr>
                            <th scope="col">{td!(locale, security.name)}</th>
                            <th scope="col">{td!(locale, security.added_on)}</th>
                            <th scope="col">{td!(locale, security.last_used)}</th>
                            <th scope="col"><span class="visually-hidden">{td!(locale, security.actions)}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {page
                            .passkeys
                            .iter()
                            .map(|p| {
                                let href = format!("{}?remove={}", paths::SETTINGS_SECURITY, p.id);
                                view! {
                                    <tr>
                                        <td>{p.name.clone()}</td>
                                        <td>{p.created.clone()}</td>
                                        <td>{p.last_used.clone().unwrap_or_else(|| td_string!(locale, security.never).into())}</td>
                                        <td>
                                            <a
                                                class="button danger"
                                                href=href
                                                aria-label=fill(td_string!(locale, security.remove_named), &[("name", &p.name)])
                                            >
                                                {td!(locale, security.remove)}
                                            </a>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </TableWrap>
        }
        .into_any()
    };
    let add = if page.passkeys_available {
        view! {
            <PasskeyBox class="passkey-add">
                <p class="muted passkeys-need-js">
                        {td!(locale, security.add_needs_js)}
                    </p>
                <p class="muted webauthn-unsupported">
                    {td!(locale, security.unsupported)}
                </p>
                <div class="needs-webauthn">
                    <div class="field">
                        <label for="f-passkey_name">{td!(locale, security.passkey_name)}</label>
                        <input
                            id="f-passkey_name"
                            name="passkey_name"
                            type="text"
                            maxlength="64"
                            placeholder=td_string!(locale, security.passkey_placeholder)
                            aria-describedby="passkey-message"
                        />
                    </div>
                    <button type="button" class="primary" data-passkey="register">
                        {td!(locale, security.add)}
                    </button>
                    <p class="field-error" id="passkey-message" data-passkey-message="" role="alert"></p>
                </div>
            </PasskeyBox>
        }
        .into_any()
    } else {
        view! {
            <p class="muted">
                {td!(locale, security.needs_domain)}
            </p>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">{td!(locale, security.passkeys)}</h2>
            <p class="muted">
                {td!(locale, security.passkeys_intro)}
            </p>
            {list}
            {add}
        </section>
    }
}

/// "Remove passkey "{name}"?" with the confirmation field.
#[component]
fn RemoveConfirm(passkey: PasskeyView, action: ServerAction<RemovePasskey>) -> impl IntoView {
    let feedback = FormFeedback::new(action);
    let locale = use_locale();
    view! {
        <section class="confirm" aria-labelledby="remove-heading">
            <h2 id="remove-heading">
                {fill(td_string!(locale, security.remove_heading), &[("name", &passkey.name)])}
            </h2>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <input type="hidden" name="id" value=passkey.id.to_string()/>
                <Field
                    label=confirm_label(locale)
                    name="confirm_remove"
                    kind="password"
                    autocomplete="current-password"
                    error=feedback.field("confirm_remove")
                />
                <button
                    type="submit"
                    class="danger"
                    aria-busy=move || action.pending().get().then_some("true")
                    disabled=move || action.pending().get()
                >
                    <span class="spinner" aria-hidden="true"></span>
                    {td!(locale, security.remove_passkey)}
                </button>
                " "
                <a href=paths::SETTINGS_SECURITY>{td!(locale, security.cancel)}</a>
            </ActionForm>
        </section>
    }
}
