import { expect, type Page, test } from "@playwright/test";
import * as OTPAuth from "otpauth";
import { hydrated, jsEnabled, open, signIn, signOut, signUp, uniqueEmail } from "./helpers";

/** An authenticator app holding the seed the page showed as "Secret key". */
function authenticator(secret: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret.replace(/\s+/g, "")),
    algorithm: "SHA1",
    digits: 6,
    period: 30,
  });
}

/** The code of the step after now: accepted (one step either side) and never the one used
 *  a moment ago, so a test need not wait for the clock. */
function nextCode(app: OTPAuth.TOTP): string {
  return app.generate({ timestamp: Date.now() + 30_000 });
}

async function setUpApp(page: Page): Promise<{ app: OTPAuth.TOTP; codes: string[] }> {
  await open(page, "/settings/security");
  await page.getByRole("button", { name: "Set up authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const secret = (await page.getByLabel("Secret key").textContent()) ?? "";
  expect(secret.replace(/\s+/g, "")).toMatch(/^[A-Z2-7]{32}$/);
  const app = authenticator(secret);
  await hydrated(page);
  await page.getByLabel("Authentication code").fill(app.generate());
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByText("Authenticator app turned on.")).toBeVisible();
  const list = page.getByRole("list", { name: "Recovery codes" });
  await expect(list.getByRole("listitem")).toHaveCount(10);
  const codes = (await list.getByRole("listitem").allTextContents()).map((c) => c.trim());
  const download = page.getByRole("link", { name: "Download codes" });
  await expect(download).toHaveAttribute("download", "roster-recovery-codes.txt");
  expect(decodeURIComponent((await download.getAttribute("href")) ?? "")).toContain(codes[0]);
  return { app, codes };
}

test("an authenticator app guards sign-in; a recovery code works once", async ({ page }) => {
  const email = uniqueEmail("totp");
  await signUp(page, email, "Tess Otp");
  const { app, codes } = await setUpApp(page);
  // Shown once: a reload shows no codes.
  await open(page, "/settings/security");
  await expect(page.getByText("10 unused recovery codes left.")).toBeVisible();
  await expect(page.getByRole("list", { name: "Recovery codes" })).toHaveCount(0);

  await signOut(page);
  await open(page, "/login");
  await signIn(page, email);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await expect(page.getByRole("heading", { name: "Two-factor sign-in" })).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Authentication code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("This code is not right")).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Authentication code").fill(nextCode(app));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Tess Otp" })).toBeVisible();
  await hydrated(page);

  await signOut(page);
  await open(page, "/login");
  await signIn(page, email);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await hydrated(page);
  await page.getByRole("link", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code").fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Tess Otp" })).toBeVisible();
  await open(page, "/settings/security");
  await expect(page.getByText("9 unused recovery codes left.")).toBeVisible();

  await signOut(page);
  await open(page, "/login");
  await signIn(page, email);
  await hydrated(page);
  await page.getByRole("link", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code").fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("This recovery code is not right, or was used already.")).toBeVisible();
});

test("turning the app off asks for the password", async ({ page }) => {
  const email = uniqueEmail("totp-off");
  await signUp(page, email, "Otto Off");
  await setUpApp(page);
  await open(page, "/settings/security");
  const section = page.getByRole("region", { name: "Authenticator app" });
  await section.getByLabel("Current password or authentication code").fill("wrong password here");
  await section.getByRole("button", { name: "Turn off" }).click();
  await expect(
    page.getByText("This is not your current password or a current authentication code."),
  ).toBeVisible();
  await hydrated(page);
  await section.getByLabel("Current password or authentication code").fill("correct horse battery staple");
  await section.getByRole("button", { name: "Turn off" }).click();
  await expect(page.getByText("Authenticator app turned off.")).toBeVisible();
  await signOut(page);
  await open(page, "/login");
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Welcome, Otto Off" })).toBeVisible();
});

test("without JavaScript the passkey buttons are missing and the page says why", async ({ page }) => {
  test.skip(jsEnabled(), "the JavaScript-off view");
  await open(page, "/login");
  await expect(page.getByText("Passkeys need JavaScript, which is off in this browser.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toBeHidden();
  await signUp(page, uniqueEmail("nojs-passkey"), "No Script");
  await open(page, "/settings/security");
  await expect(page.getByText("Adding a passkey needs JavaScript")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add a passkey" })).toBeHidden();
});

/** Chromium's virtual authenticator: a platform authenticator with resident keys and user
 *  verification, answering navigator.credentials without a person. Returns a switch for its
 *  simulated touch (off: requests wait, as for a person who has not chosen yet). */
async function virtualAuthenticator(page: Page): Promise<(present: boolean) => Promise<void>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return async (present: boolean) => {
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", {
      authenticatorId,
      enabled: present,
    });
  };
}

test("a passkey signs in without a password and serves as the second factor", async ({ page }) => {
  test.skip(!jsEnabled(), "WebAuthn is a JavaScript API");
  const touch = await virtualAuthenticator(page);
  const email = uniqueEmail("passkey");
  await signUp(page, email, "Pia Passkey");
  await open(page, "/settings/security");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByText("Give the passkey a name")).toBeVisible();
  await page.getByLabel("Passkey name").fill("Test laptop");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByText("Passkey added.")).toBeVisible();
  await expect(page.getByRole("cell", { name: "Test laptop", exact: true })).toBeVisible();
  // The first factor comes with recovery codes, shown once.
  await expect(page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);

  // Passwordless: the browser offers the passkey on /login itself (conditional mediation,
  // "autofill"); the virtual authenticator picks it at once.
  await hydrated(page);
  await signOut(page);
  await open(page, "/login");
  await expect(page.getByRole("heading", { name: "Welcome, Pia Passkey" })).toBeVisible();

  // As the second factor after the password (the authenticator waits meanwhile, so the
  // autofill does not answer first; leaving /login cancels it).
  await hydrated(page);
  await touch(false);
  await signOut(page);
  await open(page, "/login");
  await signIn(page, email);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await hydrated(page);
  await touch(true);
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Pia Passkey" })).toBeVisible();

  // Removing it (after a confirmation with the password) turns two-factor off.
  await open(page, "/settings/security");
  await expect(page.getByRole("cell", { name: "Never" })).toHaveCount(0);
  await page.getByRole("link", { name: "Remove Test laptop" }).click();
  await expect(page.getByRole("heading", { name: 'Remove passkey "Test laptop"?' })).toBeVisible();
  await hydrated(page);
  const confirm = page.getByRole("region", { name: 'Remove passkey "Test laptop"?' });
  await confirm.getByLabel("Current password or authentication code").fill("correct horse battery staple");
  await confirm.getByRole("button", { name: "Remove passkey" }).click();
  await expect(page.getByText("Passkey removed.")).toBeVisible();
  await expect(page.getByText("No passkeys yet.")).toBeVisible();
});
