import { expect, type Page, test } from "@playwright/test";
import { hydrated, jsEnabled, open, PASSWORD, signIn, signOut, signUp, uniqueEmail } from "./helpers";

/** The words the journey reads and clicks, in each language the pages speak. */
const WORDS = {
  en: {
    welcome: "Welcome",
    profile: "Profile",
    displayName: "Display name",
    bio: "Bio",
    location: "Location",
    website: "Website",
    saveProfile: "Save profile",
    profileSaved: "Profile saved",
    theme: "Theme",
    dark: "Dark",
    timeZone: "Time zone",
    saveSettings: "Save settings",
    settingsSaved: "Settings saved",
    localTime: /Your local time: .* JST/,
  },
  de: {
    welcome: "Willkommen",
    profile: "Profil",
    displayName: "Anzeigename",
    bio: "Über mich",
    location: "Ort",
    website: "Webseite",
    saveProfile: "Profil speichern",
    profileSaved: "Profil gespeichert",
    theme: "Farbschema",
    dark: "Dunkel",
    timeZone: "Zeitzone",
    saveSettings: "Einstellungen speichern",
    settingsSaved: "Einstellungen gespeichert",
    localTime: /Ihre Ortszeit: .* JST/,
  },
} as const;

type Language = keyof typeof WORDS;

/** The accounts journey in `language`: the browser asks for it (Accept-Language), so every
 * page, button and message along the way speaks it. */
async function journey(page: Page, language: Language): Promise<void> {
  const w = WORDS[language];
  const email = uniqueEmail(`journey-${language}`);
  await signUp(page, email, "Journey Tester", language);
  await expect(page.locator("html")).toHaveAttribute("lang", language);
  await expect(page.getByRole("navigation")).toContainText("Journey Tester");

  await signOut(page, language);
  await expect(page.getByRole("navigation")).not.toContainText("Journey Tester");

  await open(page, "/login");
  await signIn(page, email, PASSWORD, language);
  await expect(page.getByRole("heading", { name: `${w.welcome}, Journey Tester` })).toBeVisible();

  await page.getByRole("navigation").getByRole("link", { name: w.profile }).click();
  await expect(page.getByRole("heading", { name: w.profile })).toBeVisible();
  await hydrated(page);
  await page.getByLabel(w.displayName).fill("Journey Renamed");
  await page.getByLabel(w.bio).fill("Line one\nLine two");
  await page.getByLabel(w.location).fill("Lisbon");
  await page.getByLabel(w.website).fill("https://example.org/me");
  await page.getByRole("button", { name: w.saveProfile }).click();
  await expect(page.getByText(w.profileSaved)).toBeVisible();
  await expect(page.getByRole("navigation")).toContainText("Journey Renamed");

  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel(w.displayName)).toHaveValue("Journey Renamed");
  await expect(page.getByLabel(w.bio)).toHaveValue("Line one\nLine two");
  await expect(page.getByLabel(w.location)).toHaveValue("Lisbon");
  await expect(page.getByLabel(w.website)).toHaveValue("https://example.org/me");

  await open(page, "/settings");
  await page.getByLabel(w.theme).selectOption({ label: w.dark });
  await page.getByLabel(w.timeZone).selectOption("Asia/Tokyo");
  await page.getByRole("button", { name: w.saveSettings }).click();
  await expect(page.getByText(w.settingsSaved)).toBeVisible();
  await expect(page.locator(".app")).toHaveAttribute("data-theme", "dark");
  await expect(page.getByText(w.localTime)).toBeVisible();
  // Dark really is dark: the page background is the dark theme's.
  const background = await page.locator(".app").evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(background).toBe("rgb(15, 18, 24)");

  // The theme applies on every page, not only the settings page.
  await open(page, "/");
  await expect(page.locator(".app")).toHaveAttribute("data-theme", "dark");

  await signOut(page, language);
  await expect(page.locator(".app")).toHaveAttribute("data-theme", "system");
}

test("sign up, sign out, sign in, edit profile, reload, change theme, sign out", async ({ page }) => {
  await journey(page, "en");
});

test.describe("in German", () => {
  test.use({ locale: "de-DE" });

  test("the same journey, every step in German", async ({ page }) => {
    await journey(page, "de");
  });
});

test("bad input shows messages next to the fields", async ({ page }) => {
  await open(page, "/signup");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Display name").fill("   ");
  // With JavaScript the strength hint is asked for half a second after typing; its answer is
  // awaited below, so the check that it does not repeat the error sees it.
  const hint = jsEnabled()
    ? page.waitForResponse((r) => new URL(r.url()).pathname === "/fn/password_hint")
    : null;
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter an email address like name@example.com")).toBeVisible();
  await expect(page.getByText("Enter a display name")).toBeVisible();
  await expect(page.getByText("Use at least 12 characters (5 so far)")).toBeVisible();
  if (hint) {
    expect((await hint).ok()).toBe(true);
    // The answer is drawn on the next frame.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done(null))));
  }
  await expect(page.getByText("Use at least 12 characters (5 so far)")).toHaveCount(1);
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("alert").first()).toBeVisible();
  // The summary names each refused field, in page order, with a link that takes focus to it.
  const summary = page.locator(".form-message");
  await expect(summary).toBeFocused();
  await expect(summary.getByRole("link")).toHaveText(["Email", "Display name", "Password"]);
  await summary.getByRole("link", { name: "Display name" }).click();
  await expect(page.getByLabel("Display name")).toBeFocused();

  const email = uniqueEmail("invalid");
  await signUp(page, email, "Val Idation");
  await open(page, "/profile");
  await page.getByLabel("Display name").fill("");
  await page.getByLabel("Website").fill("ftp://example.org");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Enter a display name")).toBeVisible();
  await expect(page.getByText("Use an address starting with http:// or https://")).toBeVisible();
  await expect(page.getByLabel("Website")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Profile saved")).toHaveCount(0);

  // Nothing was saved.
  await open(page, "/profile");
  await expect(page.getByLabel("Display name")).toHaveValue("Val Idation");

  await signOut(page);
  await open(page, "/login");
  await signIn(page, email, "wrong password!!");
  await expect(page.getByText("Email or password is incorrect")).toBeVisible();
});

test("sign-in returns to next=, but never to another site", async ({ page }) => {
  const email = uniqueEmail("next");
  await signUp(page, email, "Next Tester");
  await signOut(page);

  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
  await hydrated(page);
  await signIn(page, email);
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();

  await signOut(page);
  await open(page, "/login?next=https://evil.example/steal");
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Welcome, Next Tester" })).toBeVisible();
  expect(new URL(page.url()).host).toBe(new URL(test.info().project.use.baseURL ?? page.url()).host);
  expect(new URL(page.url()).pathname).toBe("/");
});

test("unknown pages show a 404 page", async ({ page }) => {
  const res = await page.goto("/no/such/page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("with JavaScript, forms submit without a full page load", async ({ page }) => {
  test.skip(!jsEnabled(), "only meaningful with JavaScript on");
  await signUp(page, uniqueEmail("spa"), "Spa Tester");
  await open(page, "/profile");
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.getByLabel("Location").fill("Porto");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Profile saved")).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  // The browser runs the server's rules before sending: no request for a bad email.
  await signOut(page);
  await open(page, "/signup");
  let posted = false;
  page.on("request", (r) => {
    // Only the sign-up itself: the password strength hint may be asked for meanwhile.
    if (r.method() === "POST" && r.url().includes("/fn/sign_up")) posted = true;
  });
  await page.getByLabel("Email").fill("bad");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter an email address like name@example.com")).toBeVisible();
  expect(posted).toBe(false);
});

test("leaving a page while its password hint is pending raises no error", async ({ page }) => {
  test.skip(!jsEnabled(), "only meaningful with JavaScript on");
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await open(page, "/signup");
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
  // The hint is asked for half a second after the last key; leave before that.
  await page.getByLabel("Password").fill("short");
  await page.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.waitForTimeout(1000);
  expect(errors).toEqual([]);
  // The page still runs its JavaScript: the next form submits without a page load.
  await page.getByLabel("Email").fill("nobody@example.org");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText("Email or password is incorrect")).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
});

test("a browser that sends no Referer gets its form's errors on the form's own page", async ({ page }) => {
  // Every page comes with `Referrer-Policy: no-referrer`, as a browser's privacy settings
  // would have it: its form posts then carry no Referer (and `Origin: null`).
  await page.route("**/*", async (route) => {
    const request = route.request();
    if (request.resourceType() !== "document" || request.method() !== "GET") return route.continue();
    const response = await route.fetch({ maxRedirects: 0 });
    await route.fulfill({ response, headers: { ...response.headers(), "referrer-policy": "no-referrer" } });
  });
  const email = uniqueEmail("noreferrer");
  await signUp(page, email, "Nora Referrer");
  await signOut(page);

  await open(page, "/login?next=%2Fsettings");
  await signIn(page, email, "wrong password!!");
  await expect(page.getByText("Email or password is incorrect")).toBeVisible();
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings/);

  // The right password still leads where `next` says.
  await hydrated(page);
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
});
