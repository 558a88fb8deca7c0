// Passkeys for Roster: the browser half of WebAuthn (navigator.credentials), which only a
// script can reach. It shows the passkey buttons (hidden by the stylesheet until this runs),
// and runs three things through the server's JSON endpoints:
//   [data-passkey="register"]  /settings/security  "Add a passkey"
//   [data-passkey="sign-in"]   /login, /login/verify  "Sign in with a passkey", "Use a passkey"
//   the email field on /login (autocomplete="username webauthn"): the browser's passkey
//   autofill (conditional mediation) where the browser has it.
// Everything else in Roster works without JavaScript; this file is only about passkeys.
(() => {
  "use strict";
  const supported =
    typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
  document.documentElement.dataset.webauthn = supported ? "yes" : "no";
  if (!supported) return;

  const toBase64Url = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const fromBase64Url = (text) => {
    let s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;
  };

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try {
      data = await response.json();
    } catch (_) {
      // An answer without a body: the status says enough.
    }
    if (!response.ok) {
      const error = new Error(data.message || "");
      error.fromServer = true;
      throw error;
    }
    return data;
  }

  // The words the script says itself come from its box's data attributes, which the server
  // wrote in the page's language (components::PasskeyBox); English if one is
  // missing.
  function word(element, key, english) {
    const box = element && element.closest("[data-passkey-box]");
    return (box && box.dataset[key]) || english;
  }

  function say(element, text) {
    const box = element.closest("[data-passkey-box]");
    const out = box && box.querySelector("[data-passkey-message]");
    if (out) out.textContent = text;
  }

  function explain(element, error) {
    if (error && error.fromServer) {
      return error.message || word(element, "wentWrong", "Something went wrong. Try again.");
    }
    if (error && error.name === "NotAllowedError") {
      return word(element, "cancelled", "The passkey request was cancelled or timed out.");
    }
    if (error && error.name === "InvalidStateError") {
      return word(element, "registered", "This passkey is registered already.");
    }
    return word(
      element,
      "failed",
      "Passkeys did not work in this browser. Try again, or use another way to sign in.",
    );
  }

  async function register(button) {
    const box = button.closest("[data-passkey-box]");
    const field = box && box.querySelector("[name=passkey_name]");
    say(button, "");
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    try {
      const options = await post("/settings/security/passkeys/options", {
        name: field ? field.value : "",
      });
      const publicKey = options.publicKey;
      publicKey.challenge = fromBase64Url(publicKey.challenge);
      publicKey.user.id = fromBase64Url(publicKey.user.id);
      for (const c of publicKey.excludeCredentials || []) c.id = fromBase64Url(c.id);
      const credential = await navigator.credentials.create({ publicKey });
      const response = credential.response;
      const done = await post("/settings/security/passkeys", {
        id: credential.id,
        rawId: toBase64Url(credential.rawId),
        type: credential.type,
        extensions: {},
        response: {
          attestationObject: toBase64Url(response.attestationObject),
          clientDataJSON: toBase64Url(response.clientDataJSON),
          transports: response.getTransports ? response.getTransports() : undefined,
        },
      });
      window.location.assign(done.redirect);
    } catch (error) {
      say(button, explain(button, error));
    } finally {
      button.removeAttribute("aria-busy");
      button.disabled = false;
    }
  }

  let autofill = null; // the pending conditional request, cancelled by a button press

  async function authenticate(next, mediation, signal) {
    const options = await post("/login/passkey/options", { next });
    const publicKey = options.publicKey;
    publicKey.challenge = fromBase64Url(publicKey.challenge);
    for (const c of publicKey.allowCredentials || []) c.id = fromBase64Url(c.id);
    const request = { publicKey };
    if (mediation) request.mediation = mediation;
    if (signal) request.signal = signal;
    const credential = await navigator.credentials.get(request);
    const response = credential.response;
    const done = await post("/login/passkey", {
      id: credential.id,
      rawId: toBase64Url(credential.rawId),
      type: credential.type,
      extensions: {},
      response: {
        authenticatorData: toBase64Url(response.authenticatorData),
        clientDataJSON: toBase64Url(response.clientDataJSON),
        signature: toBase64Url(response.signature),
        userHandle: response.userHandle ? toBase64Url(response.userHandle) : null,
      },
    });
    window.location.assign(done.redirect);
  }

  async function signIn(button) {
    if (autofill) {
      autofill.abort();
      autofill = null;
    }
    say(button, "");
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    try {
      await authenticate(button.dataset.next || "", null, null);
    } catch (error) {
      say(button, explain(button, error));
    } finally {
      button.removeAttribute("aria-busy");
      button.disabled = false;
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-passkey]");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.passkey === "register") register(button);
    if (button.dataset.passkey === "sign-in") signIn(button);
  });

  // The passkey autofill on /login: started once the email field is on the page (also after
  // the app moved there without a page load).
  async function offerAutofill() {
    const field = document.querySelector('input[autocomplete~="webauthn"]');
    if (!field || autofill || field.dataset.passkeyAutofill) return;
    if (
      !PublicKeyCredential.isConditionalMediationAvailable ||
      !(await PublicKeyCredential.isConditionalMediationAvailable())
    ) {
      return;
    }
    field.dataset.passkeyAutofill = "on";
    const controller = new AbortController();
    autofill = controller;
    const button = document.querySelector('[data-passkey="sign-in"]');
    try {
      await authenticate(button ? button.dataset.next || "" : "", "conditional", controller.signal);
    } catch (error) {
      if (error && error.name !== "AbortError" && button) say(button, explain(button, error));
    } finally {
      if (autofill === controller) autofill = null;
    }
  }
  // Leaving /login (the app moves on without a page load) cancels its pending request.
  const dropAutofill = () => {
    const field = document.querySelector('input[autocomplete~="webauthn"]');
    if (autofill && !field) {
      autofill.abort();
      autofill = null;
    }
  };
  const start = () => {
    offerAutofill();
    new MutationObserver(() => {
      dropAutofill();
      offerAutofill();
    }).observe(document.body, {
      childList: true,
      subtree: true,
    });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
