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
        lazy_page, DataCard, Field, FormFeedback, FormMessage, ReturnTo, SubmitButton, TableWrap,
    },
    paths::{self, Route as Path},
};

/// The label of every confirmation field on the page.
const CONFIRM_LABEL: &str = "Current password or authentication code";

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
    view! {
        <DataCard
            title="Security"
            here=paths::SETTINGS_SECURITY
            data=page
            content=move |page: SecurityPage| {
                let notice = [
                    ("enabled", "Authenticator app turned on. Signing in now asks for its code."),
                    ("turned_off", "Authenticator app turned off."),
                    ("regenerated", "New recovery codes made: the old ones no longer work."),
                    ("removed", "Passkey removed."),
                    ("added", "Passkey added."),
                ]
                    .into_iter()
                    .find(|(key, _)| flag(key))
                    .map(|(_, text)| view! { <p class="success" role="status">{text}</p> });
                let required = (flag("required") && !page.protected())
                    .then(|| {
                        view! {
                            <p class="notice" role="alert">
                                "Administrators must set up a second factor before the admin console opens: \
                                 turn on an authenticator app or add a passkey."
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
    let body = if page.totp {
        view! {
            <p>"On: signing in asks for a code from your authenticator app."</p>
            <ActionForm action=actions.turn_off>
                <ReturnTo/>
                <FormMessage feedback=turn_off/>
                <Field
                    label=CONFIRM_LABEL
                    name="confirm"
                    kind="password"
                    autocomplete="current-password"
                    hint="Turning off your last second factor needs your password."
                    error=turn_off.field("confirm")
                />
                <button
                    type="submit"
                    class="danger"
                    aria-busy=move || actions.turn_off.pending().get().then_some("true")
                    disabled=move || actions.turn_off.pending().get()
                >
                    <span class="spinner" aria-hidden="true"></span>
                    "Turn off"
                </button>
            </ActionForm>
        }
        .into_any()
    } else if let Some(TotpSetup { secret, qr_svg }) = page.setup {
        view! {
            <ol class="steps">
                <li>
                    "Scan this QR code with your authenticator app (for example Aegis, \
                     Google Authenticator, 1Password or Bitwarden)."
                    <div class="qr" inner_html=qr_svg></div>
                </li>
                <li>
                    "Or type the secret key into the app:"
                    <p>
                        <span class="label" id="secret-key-label">"Secret key"</span>
                        " "
                        <code class="secret" aria-labelledby="secret-key-label">{secret}</code>
                    </p>
                </li>
                <li>"Enter the 6-digit code the app shows."</li>
            </ol>
            <ActionForm action=actions.turn_on>
                <ReturnTo/>
                <FormMessage feedback=turn_on/>
                <Field
                    label="Authentication code"
                    name="code"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    error=turn_on.field("code")
                />
                <SubmitButton label="Turn on" pending=actions.turn_on.pending().into()/>
            </ActionForm>
            <ActionForm action=actions.turn_off>
                <ReturnTo/>
                <button type="submit" class="link">"Cancel"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <p class="muted">
                "Off. An authenticator app on your phone makes a new 6-digit code every 30 seconds; \
                 with it on, signing in needs your password and a code."
            </p>
            <ActionForm action=actions.set_up>
                <ReturnTo/>
                <FormMessage feedback=set_up/>
                <SubmitButton
                    label="Set up authenticator app"
                    pending=actions.set_up.pending().into()
                />
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="totp-heading">
            <h2 id="totp-heading">"Authenticator app"</h2>
            {body}
        </section>
    }
}

/// Recovery codes just made, shown this once, with "Download codes" (a text file made in the
/// page itself, so it works without JavaScript).
#[component]
fn NewCodes(codes: Vec<String>) -> impl IntoView {
    let text = format!(
        "Roster recovery codes\n\nEach code signs you in once when you cannot use your \
         authenticator app or passkey.\nKeep them somewhere safe.\n\n{}\n",
        codes.join("\n")
    );
    let encoded: String = url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let href = format!("data:text/plain;charset=utf-8,{encoded}");
    view! {
        <div class="notice new-codes" role="status">
            <p>
                <strong>"Your recovery codes"</strong>
                " — save them now: they are shown only this once. Each signs you in once if you \
                 lose your authenticator app or passkey."
            </p>
            <ul class="codes" aria-label="Recovery codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <a class="button" href=href download="roster-recovery-codes.txt">"Download codes"</a>
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
    view! {
        <section aria-labelledby="codes-heading">
            <h2 id="codes-heading">"Recovery codes"</h2>
            <p class=if left <= 2 { "notice" } else { "muted" }>
                {match left {
                    0 => "You have no unused recovery codes: make new ones.".to_string(),
                    1 => "1 unused recovery code left.".to_string(),
                    n => format!("{n} unused recovery codes left."),
                }}
            </p>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <Field
                    label=CONFIRM_LABEL
                    name="confirm_codes"
                    kind="password"
                    autocomplete="current-password"
                    error=feedback.field("confirm_codes")
                />
                <SubmitButton
                    label="Regenerate recovery codes"
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
    let list = if page.passkeys.is_empty() {
        view! { <p class="muted">"No passkeys yet."</p> }.into_any()
    } else {
        view! {
            <TableWrap label="Passkeys">
                <table class="passkeys">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Added"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
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
                                        <td>{p.last_used.clone().unwrap_or_else(|| "Never".into())}</td>
                                        <td>
                                            <a
                                                class="button danger"
                                                href=href
                                                aria-label=format!("Remove {}", p.name)
                                            >
                                                "Remove"
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
            <div class="passkey-add" data-passkey-box="">
                <p class="muted passkeys-need-js">
                        "Adding a passkey needs JavaScript, which is off in this browser: \
                         passkeys are a browser feature only scripts can reach. \
                         Everything else on this page works without it."
                    </p>
                <p class="muted webauthn-unsupported">
                    "This browser cannot use passkeys."
                </p>
                <div class="needs-webauthn">
                    <div class="field">
                        <label for="f-passkey_name">"Passkey name"</label>
                        <input
                            id="f-passkey_name"
                            name="passkey_name"
                            type="text"
                            maxlength="64"
                            placeholder="e.g. Laptop"
                            aria-describedby="passkey-message"
                        />
                    </div>
                    <button type="button" class="primary" data-passkey="register">
                        "Add a passkey"
                    </button>
                    <p class="field-error" id="passkey-message" data-passkey-message="" role="alert"></p>
                </div>
            </div>
        }
        .into_any()
    } else {
        view! {
            <p class="muted">
                "Passkeys need Roster to be reached at a domain name (set ROSTER_PUBLIC_URL); \
                 browsers do not allow them at an IP address."
            </p>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">"Passkeys"</h2>
            <p class="muted">
                "A passkey signs you in with your device's screen lock or security key instead \
                 of a password, and serves as your second factor after a password."
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
    view! {
        <section class="confirm" aria-labelledby="remove-heading">
            <h2 id="remove-heading">{format!("Remove passkey \"{}\"?", passkey.name)}</h2>
            <ActionForm action=action>
                <ReturnTo/>
                <FormMessage feedback=feedback/>
                <input type="hidden" name="id" value=passkey.id.to_string()/>
                <Field
                    label=CONFIRM_LABEL
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
                    "Remove passkey"
                </button>
                " "
                <a href=paths::SETTINGS_SECURITY>"Cancel"</a>
            </ActionForm>
        </section>
    }
}
