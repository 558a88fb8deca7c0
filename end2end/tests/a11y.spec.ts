import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import { hydrated, jsEnabled, open, PASSWORD, signIn, signInAsNewAdmin, signUp, uniqueEmail } from "./helpers";

// Every page, in the light and the dark theme, scanned by axe-core for WCAG 2.2 A/AA rules;
// no violation of impact serious or critical may remain. axe runs inside the page, so this
// runs in the JavaScript-on project (the server renders the same HTML for both).

async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 4).join(", ")}`);
}

/** Scans `paths` in both themes; also checks that each has a `<title>` of its own. */
async function scan(page: Page, paths: string[]): Promise<void> {
  const titles = new Map<string, string>();
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const path of paths) {
      await open(page, path);
      expect(await violations(page), `${path} (${scheme})`).toEqual([]);
      const title = await page.title();
      expect(title, path).toMatch(/Roster$/);
      const other = titles.get(title);
      expect(other === undefined || other === path, `${path} has the title of ${other}: ${title}`).toBe(true);
      titles.set(title, path);
    }
  }
}

const SIGNED_OUT_PAGES = ["/", "/login", "/signup", "/password/forgot", "/no-such-page"];

/** Every page of a signed-in administrator (which includes every signed-in person's). */
const SIGNED_IN_PAGES = [
  "/profile",
  "/settings",
  "/settings/password",
  "/settings/sessions",
  "/settings/security",
  "/settings/tokens",
  "/settings/apps",
  "/settings/account",
  "/api/docs",
  "/admin/users",
  "/admin/users/new",
  "/admin/users/import",
  "/admin/audit",
  "/admin/outbox",
  "/admin/clients",
];

test.beforeEach(() => {
  test.skip(!jsEnabled(), "axe-core runs inside the page");
});

test("signed-out pages and their refused forms", async ({ page }) => {
  await scan(page, SIGNED_OUT_PAGES);
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, "/login");
    await signIn(page, "nobody@example.org", "wrong password!!");
    await expect(page.getByText("Email or password is incorrect")).toBeVisible();
    expect(await violations(page), `refused sign-in (${scheme})`).toEqual([]);
    await open(page, "/signup");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator("[aria-invalid=true]").first()).toBeVisible();
    expect(await violations(page), `refused sign-up (${scheme})`).toEqual([]);
  }
});

test("the page a person without the role gets (403)", async ({ page }) => {
  await signUp(page, uniqueEmail("a11y403"), "Ally Person");
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const res = await page.goto("/admin/users");
    expect(res?.status()).toBe(403);
    await hydrated(page);
    await expect(page.getByText("You need to be an administrator")).toBeVisible();
    expect(await violations(page), `403 (${scheme})`).toEqual([]);
  }
});

/** Makes the server function at `path` answer as the server does when it refuses with `status`:
 * the `AppError` `body` as JSON. Throttling the test's own IP for real, or breaking the shared
 * server, would disturb the tests running beside this one; what is scanned here is how the page
 * shows such an answer (tests/pages.rs checks the server's side of a failing page). */
async function answerWith(page: Page, path: string, status: number, body: object): Promise<void> {
  await page.route(
    (url) => url.pathname === path,
    (route) =>
      route.fulfill({
        status,
        contentType: "application/json",
        headers: { serverfnerror: path },
        body: JSON.stringify(body),
      }),
  );
}

test("the answers to too many attempts (429) and to a failure on our side (500)", async ({ page }) => {
  await answerWith(page, "/fn/log_in", 429, { RateLimited: { retry_after: 120 } });
  await answerWith(page, "/fn/sign_up", 500, { Internal: { request_id: "a11y-form" } });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, "/login");
    await signIn(page, "nobody@example.org", "wrong password!!");
    await expect(page.getByText("Too many attempts. Try again in 2 minutes.")).toBeVisible();
    expect(await violations(page), `429 at sign-in (${scheme})`).toEqual([]);
    await open(page, "/signup");
    await page.getByLabel("Email").fill(uniqueEmail("a11y500"));
    await page.getByLabel("Display name").fill("Ally Person");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("(request id a11y-form)")).toBeVisible();
    expect(await violations(page), `500 at sign-up (${scheme})`).toEqual([]);
  }
  await page.unrouteAll();

  // A page whose data fails to load shows the error in place of its body.
  await signUp(page, uniqueEmail("a11y500"), "Ally Person");
  await answerWith(page, "/fn/tokens", 500, { Internal: { request_id: "a11y-page" } });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, "/settings");
    await page.locator('a[href="/settings/tokens"]').first().click();
    await expect(page.getByText("(request id a11y-page)")).toBeVisible();
    await expect(page.getByRole("link", { name: "Go to the start page" })).toBeVisible();
    expect(await violations(page), `500 in place of a page (${scheme})`).toEqual([]);
  }
});

test("signed-in and administrator pages", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAsNewAdmin(page, "a11y", "Ally Admin");
  await scan(page, SIGNED_IN_PAGES);
});

/** What does not fit a phone's width on the current page: the page itself scrolling sideways,
 * an element reaching past the viewport (outside a table's own scrolling box), or a control
 * smaller than 24×24 px (WCAG 2.2 SC 2.5.8; links inside running text are exempt). */
async function phoneProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : ""} "${(el.textContent ?? "").trim().slice(0, 30)}"`;
    if (document.documentElement.scrollWidth > width) {
      problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    }
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      if (el.closest(".table-wrap") || el.closest(".skip-link")) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.right > width + 0.5) problems.push(`${name(el)} reaches ${Math.round(box.right)} px`);
    }
    for (const el of Array.from(document.querySelectorAll("button, select, input:not([type=hidden]), textarea, nav a"))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.width < 24 || box.height < 24) {
        problems.push(`${name(el)} is ${Math.round(box.width)}×${Math.round(box.height)} px`);
      }
    }
    return problems;
  });
}

test("at 375×740 no page scrolls sideways and every control is at least 24×24 px", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 375, height: 740 });
  const check = async (paths: string[]) => {
    for (const path of paths) {
      await open(page, path);
      expect(await phoneProblems(page), path).toEqual([]);
    }
  };
  await check(SIGNED_OUT_PAGES);
  await signInAsNewAdmin(page, "phone", "Pat Phone");
  await check(SIGNED_IN_PAGES);
});
