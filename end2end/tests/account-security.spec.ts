import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import {
  hydrated,
  isSignedIn,
  jsEnabled,
  open,
  otherBrowser,
  PASSWORD,
  signIn,
  signUp,
  uniqueEmail,
} from "./helpers";

const NEW_PASSWORD = "a completely different passphrase";

test("change password: the current one is checked, other sessions end, tokens are revoked", async ({
  page,
  browser,
}) => {
  const email = uniqueEmail("password");
  await signUp(page, email, "Pass Changer");
  const other = await otherBrowser(browser);
  await open(other, "/login");
  await signIn(other, email);
  await expect(other.getByRole("heading", { name: "Welcome, Pass Changer" })).toBeVisible();
  // A token, which the password change revokes unless told otherwise.
  await open(page, "/settings/tokens");
  await page.getByLabel("Token name").fill("before the change");
  await page.getByRole("checkbox", { name: /profile:read/ }).check();
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByLabel("New token")).toBeVisible();

  await open(page, "/settings/password");
  await expect(page.getByLabel("Also revoke my personal access tokens")).toBeChecked();
  await page.getByLabel("Current password").fill("not my password at all");
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("This is not your current password.")).toBeVisible();
  await expect(page.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");

  await hydrated(page);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed.")).toBeVisible();
  expect(await isSignedIn(page)).toBe(true);
  await open(page, "/settings/tokens");
  await expect(page.getByText("No tokens yet.")).toBeVisible();

  expect(await isSignedIn(other)).toBe(false);
  await signIn(other, email, NEW_PASSWORD);
  await expect(other.getByRole("heading", { name: "Profile" })).toBeVisible();
});

test("the new password gets a strength hint while typing", async ({ page }) => {
  test.skip(!jsEnabled(), "the hint needs JavaScript; without it the server judges on submit");
  await signUp(page, uniqueEmail("hint"), "Hint Reader");
  await open(page, "/settings/password");
  const field = page.getByLabel("New password");
  await field.pressSequentially("password123456");
  await expect(page.locator("#f-new_password-live")).toContainText(/common|guess/i);
  await field.fill("");
  await field.pressSequentially(NEW_PASSWORD);
  await expect(page.locator("#f-new_password-live")).toHaveText("Strong enough.");
});

test("list sessions, end one, then all others", async ({ page, browser }) => {
  const email = uniqueEmail("sessions");
  await signUp(page, email, "Session Keeper");
  const second = await otherBrowser(browser);
  const third = await otherBrowser(browser);
  for (const other of [second, third]) {
    await open(other, "/login");
    await signIn(other, email);
    await expect(other.getByRole("heading", { name: "Welcome, Session Keeper" })).toBeVisible();
  }

  await open(page, "/settings/sessions");
  const sessions = page.locator("li.session");
  await expect(sessions).toHaveCount(3);
  await expect(sessions.filter({ hasText: "This device" })).toHaveCount(1);
  const others = sessions.filter({ hasNotText: "This device" });
  await others.first().getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByText("Signed out", { exact: true })).toBeVisible();
  await expect(sessions).toHaveCount(2);
  const ended = [await isSignedIn(second), await isSignedIn(third)];
  expect(ended.filter((alive) => !alive)).toHaveLength(1);

  await open(page, "/settings/sessions");
  await page.getByRole("button", { name: "Sign out all other sessions" }).click();
  await expect(page.getByText("Signed out", { exact: true })).toBeVisible();
  await expect(sessions).toHaveCount(1);
  expect(await isSignedIn(second)).toBe(false);
  expect(await isSignedIn(third)).toBe(false);
  expect(await isSignedIn(page)).toBe(true);
});

test("download my data, then delete the account", async ({ page }) => {
  const email = uniqueEmail("delete");
  await signUp(page, email, "Leaving Soon");
  await open(page, "/settings/account");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download my data" }).click();
  const file = await (await download).path();
  const data = JSON.parse(readFileSync(file, "utf8"));
  expect(data.account.email).toBe(email);
  expect(JSON.stringify(data)).not.toContain("$argon2");

  await page.getByLabel("Password", { exact: true }).fill("not my password at all");
  await page.getByRole("button", { name: "Delete account" }).click();
  await expect(page.getByText("This is not your current password.")).toBeVisible();

  await hydrated(page);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Delete account" }).click();
  await expect(page.getByText("Your account has been deleted.")).toBeVisible();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();

  await open(page, "/login");
  await signIn(page, email);
  await expect(page.getByText("Email or password is incorrect")).toBeVisible();
});
