import { expect, test } from "@playwright/test";
import { hydrated, jsEnabled, linkIn, mailTo, open, PASSWORD, uniqueEmail } from "./helpers";

// A browser that asks for German first (Accept-Language: de-DE and navigator.languages).
test.use({ locale: "de-DE" });

test("a German browser gets German pages; the Language setting overrides it and back", async ({ page }) => {
  await open(page, "/");
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page.getByRole("link", { name: "Konto anlegen" }).first()).toBeVisible();

  await open(page, "/signup");
  await expect(page).toHaveTitle("Konto anlegen · Roster");
  await page.getByLabel("E-Mail").fill(uniqueEmail("sprache"));
  await page.getByLabel("Anzeigename").fill("Greta Sprache");
  await page.getByLabel("Passwort").fill(PASSWORD);
  await page.getByRole("button", { name: "Konto anlegen" }).click();
  await expect(page.getByRole("heading", { name: "Willkommen, Greta Sprache" })).toBeVisible();

  await page.getByRole("navigation").getByRole("link", { name: "Profil" }).click();
  await expect(page.getByRole("heading", { name: "Profil" })).toBeVisible();
  await expect(page.getByLabel("Über mich")).toBeVisible();
  await expect(page.getByRole("button", { name: "Profil speichern" })).toBeVisible();

  await page.getByRole("navigation").getByRole("link", { name: "Einstellungen" }).click();
  await expect(page.getByRole("heading", { name: "Einstellungen" })).toBeVisible();
  await hydrated(page);
  await expect(page.getByLabel("Sprache")).toHaveValue("browser");
  await page.getByLabel("Sprache").selectOption({ label: "English" });
  await page.getByRole("button", { name: "Einstellungen speichern" }).click();

  // The whole page is drawn again in English (with JavaScript: loaded again; without: the
  // form's answer).
  await expect(page.getByText("Settings saved")).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("navigation").getByRole("link", { name: "Settings" })).toBeVisible();
  await hydrated(page);
  await expect(page.getByLabel("Language")).toHaveValue("en");

  // And back to what the browser asks for.
  await page.getByLabel("Language").selectOption({ label: "Same as the browser" });
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Einstellungen gespeichert")).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "de");

  // Signing out and in again, in German.
  await page.getByRole("banner").getByRole("button", { name: "Abmelden" }).click();
  await expect(page.getByRole("navigation").getByRole("link", { name: "Anmelden" })).toBeVisible();
  await open(page, "/login");
  await expect(page.getByRole("heading", { name: "Anmelden" })).toBeVisible();
  await expect(page.getByLabel("Angemeldet bleiben")).toBeVisible();
  await expect(page.getByRole("link", { name: "Passwort vergessen?" })).toBeVisible();
});

test("a refused German sign-up says why in German, at each field and in the summary", async ({ page }) => {
  await open(page, "/signup");
  await page.getByLabel("E-Mail").fill("nope");
  await page.getByLabel("Anzeigename").fill("Greta");
  await page.getByLabel("Passwort").fill("kurz");
  await page.getByRole("button", { name: "Konto anlegen" }).click();
  // With JavaScript the browser's own check (the same rules, run in the wasm) answers; without,
  // the server's redirect back to the form does.
  await expect(page.getByText("Geben Sie eine E-Mail-Adresse wie name@example.com ein")).toBeVisible();
  await expect(page.getByText("Verwenden Sie mindestens 12 Zeichen (bisher 4)")).toBeVisible();
  await expect(page.getByText("Bitte korrigieren Sie die markierten Felder")).toBeVisible();
  await expect(page.getByText("Enter an email address")).toHaveCount(0);

  // A wrong password on the German sign-in page.
  await open(page, "/login");
  await page.getByLabel("E-Mail").fill(uniqueEmail("niemand"));
  await page.getByLabel("Passwort").fill(PASSWORD);
  await page.getByRole("button", { name: "Anmelden", exact: true }).click();
  await expect(page.getByText("E-Mail-Adresse oder Passwort ist falsch")).toBeVisible();
});

test("the pages reached from mail and the security settings are German too", async ({ page }) => {
  await open(page, "/password/forgot");
  await expect(page).toHaveTitle("Passwort vergessen · Roster");
  await page.getByLabel("E-Mail").fill(uniqueEmail("vergessen"));
  await page.getByRole("button", { name: "Link zum Zurücksetzen senden" }).click();
  await expect(page.getByText("Wenn ein Konto diese Adresse verwendet")).toBeVisible();

  await open(page, "/password/reset?token=erfunden");
  await expect(page.getByRole("heading", { name: "Ein neues Passwort wählen" })).toBeVisible();
  await expect(page.getByText("Dieser Link ist ungültig oder abgelaufen.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Einen neuen Link anfordern" })).toBeVisible();

  await open(page, "/signup");
  const email = uniqueEmail("sicher");
  await page.getByLabel("E-Mail").fill(email);
  await page.getByLabel("Anzeigename").fill("Greta Sicher");
  await page.getByLabel("Passwort").fill(PASSWORD);
  await page.getByRole("button", { name: "Konto anlegen" }).click();
  await expect(page.getByRole("heading", { name: "Willkommen, Greta Sicher" })).toBeVisible();
  // The confirmation mail speaks the language of the browser that signed up.
  const mail = await mailTo(email, "Bestätigen Sie Ihre E-Mail-Adresse · Roster");
  expect(mail.text).toContain("Hallo Greta Sicher,");
  expect(mail.text).toContain("Der Link gilt 24 Stunden lang und nur einmal.");
  expect(linkIn(mail)).toContain("/verify-email?token=");
  await open(page, "/settings/security");
  await expect(page.getByRole("heading", { name: "Sicherheit", level: 1 })).toBeVisible();
  if (jsEnabled()) {
    // The passkey script's answers speak the page's language too.
    await page.getByRole("button", { name: "Einen Passkey hinzufügen" }).click();
    await expect(page.getByText("Geben Sie dem Passkey einen Namen")).toBeVisible();
  }
  await expect(page.getByRole("heading", { name: "Authenticator-App" })).toBeVisible();
  await page.getByRole("button", { name: "Authenticator-App einrichten" }).click();
  await expect(page.getByText("Geheimer Schlüssel")).toBeVisible();
  await page.getByLabel("Authentifizierungscode").fill("000000");
  await page.getByRole("button", { name: "Einschalten" }).click();
  await expect(page.getByText("Dieser Code stimmt nicht.")).toBeVisible();

  await open(page, "/settings/tokens");
  await expect(page.getByRole("heading", { name: "Ein Token erstellen" })).toBeVisible();
  await page.getByRole("button", { name: "Token erstellen" }).click();
  await expect(page.getByText("Geben Sie dem Token einen Namen")).toBeVisible();
  await expect(page.getByText("Wählen Sie mindestens eine Berechtigung")).toBeVisible();
  await page.getByLabel("Name des Tokens").fill("Backup");
  await page.getByLabel("Ihr Profil und Ihre Einstellungen lesen").check();
  await page.getByLabel("Läuft ab").selectOption({ label: "7 Tage" });
  await page.getByRole("button", { name: "Token erstellen" }).click();
  await expect(page.getByText("Ihr neues Token")).toBeVisible();
  await expect(page.getByRole("button", { name: "Backup widerrufen" })).toBeVisible();
});
