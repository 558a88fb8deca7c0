import { expect, test } from "@playwright/test";
import { hydrated, jsEnabled, open, signUp, uniqueEmail } from "./helpers";

test("create a token, copy it, call /api/v1/me with it, revoke it, the call fails", async ({
  page,
  context,
  request,
}) => {
  const email = uniqueEmail("token");
  await signUp(page, email, "Token Maker");
  await open(page, "/settings/tokens");
  await expect(page.getByText("No tokens yet.")).toBeVisible();

  // A form that needs fixing first: no scope ticked.
  await page.getByLabel("Token name").fill("laptop script");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByText("Choose at least one scope")).toBeVisible();
  await hydrated(page);

  await page.getByLabel("Token name").fill("laptop script");
  await page.getByRole("checkbox", { name: /profile:read/ }).check();
  await page.getByLabel("Expires").selectOption({ label: "7 days" });
  // Ordinary people are not offered the administrators' scopes.
  await expect(page.getByRole("checkbox", { name: /users:read/ })).toHaveCount(0);
  await page.getByRole("button", { name: "Create token" }).click();

  const shown = page.getByLabel("New token");
  await expect(shown).toBeVisible();
  const token = await shown.inputValue();
  expect(token).toMatch(/^roster_pat_[0-9A-Za-z]{32}$/);
  if (jsEnabled()) {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.getByRole("button", { name: "Copy" }).click();
    await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(token);
  }
  const row = page.getByRole("row", { name: /laptop script/ });
  await expect(row).toContainText("profile:read");

  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe(email);

  // Shown once: a reload no longer shows it.
  await open(page, "/settings/tokens");
  await expect(page.getByLabel("New token")).toHaveCount(0);

  await page.getByRole("button", { name: "Revoke laptop script" }).click();
  await expect(page.getByText("Token revoked")).toBeVisible();
  await expect(page.getByText("No tokens yet.")).toBeVisible();
  const after = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
  expect(after.headers()["content-type"]).toBe("application/problem+json");
});

test("the API reference is linked from the tokens page and lists the operations", async ({ page }) => {
  await signUp(page, uniqueEmail("apidocs"), "Doc Reader");
  await open(page, "/settings/tokens");
  await page.getByRole("link", { name: "API reference" }).click();
  await expect(page.getByRole("heading", { name: "API reference" })).toBeVisible();
  await expect(page.getByText("GET /api/v1/me")).toBeVisible();
  await expect(page.getByText("/api/docs#problem-insufficient-scope")).toBeVisible();
});
