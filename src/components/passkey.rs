//! The box `public/passkeys.js` works in.

use leptos::prelude::*;

use crate::i18n::{td_string, use_locale};

/// A `[data-passkey-box]` with class `class` around its buttons and message line, carrying
/// the words the script says itself (a cancelled request, a browser that failed, ...) in the
/// page's language as data attributes (keys `passkey_script.*`): the script has no catalogue
/// of its own.
#[component]
pub fn PasskeyBox(class: &'static str, children: Children) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div
            class=class
            data-passkey-box=""
            data-cancelled=td_string!(locale, passkey_script.cancelled)
            data-registered=td_string!(locale, passkey_script.registered)
            data-failed=td_string!(locale, passkey_script.failed)
            data-went-wrong=td_string!(locale, passkey_script.went_wrong)
        >
            {children()}
        </div>
    }
}
