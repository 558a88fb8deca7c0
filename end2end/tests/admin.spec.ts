import { expect, test } from "@playwright/test";
import {
  hydrated,
  isSignedIn,
  open,
  otherBrowser,
  PASSWORD,
  roster,
  signIn,
  signUp,
  uniqueEmail,
} from "./helpers";

test("an administrator from the CLI manages a user from search to deletion", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const adminEmail = uniqueEmail("admin");
  expect(
    roster(["admin", "create", "--email", adminEmail, "--display-name", "Ada Admin", "--password-stdin"], `${PASSWORD}\n`),
  ).toContain("administrator");
  expect(roster(["seed", "--users", "120"])).toContain("added 120 users");

  const victimEmail = uniqueEmail("victim");
  const victim = await otherBrowser(browser);
  await signUp(victim, victimEmail, "Victor Victim");

  await open(page, "/login");
  await signIn(page, adminEmail);
  await page.getByRole("banner").getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await hydrated(page);

  // Search and filter.
  await page.getByLabel("Search").fill(victimEmail);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("Showing 1–1 of 1 users")).toBeVisible();
  await page.getByLabel("Search").fill("");
  await page.getByLabel("Role").selectOption("admin");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("cell", { name: adminEmail })).toBeVisible();
  await expect(page.getByRole("cell", { name: victimEmail })).toHaveCount(0);

  // Page through the seeded users.
  await open(page, "/admin/users?q=example.test&sort=email&dir=asc");
  await expect(page.getByText(/Showing 1–50 of \d+ users/)).toBeVisible();
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page.getByText(/Showing 51–100 of \d+ users/)).toBeVisible();
  await hydrated(page);
  await page.getByRole("link", { name: "Previous" }).click();
  await expect(page.getByText(/Showing 1–50 of \d+ users/)).toBeVisible();

  // Edit the role, then disable: the victim's open session dies.
  await open(page, `/admin/users?q=${encodeURIComponent(victimEmail)}`);
  await page.getByRole("link", { name: "Victor Victim" }).click();
  await expect(page.getByRole("heading", { name: "Edit user" })).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Role").selectOption("admin");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Changes saved")).toBeVisible();
  await expect(page.getByLabel("Role")).toHaveValue("admin");
  await hydrated(page);
  await page.getByLabel("Role").selectOption("user");
  await page.getByLabel("Status").selectOption("disabled");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Changes saved")).toBeVisible();
  expect(await isSignedIn(victim)).toBe(false);
  await signIn(victim, victimEmail);
  await expect(victim.getByText("This account is disabled")).toBeVisible();

  // Enable again and reset the password: the one-time password works once, then a new one.
  await hydrated(page);
  await page.getByLabel("Status").selectOption("active");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Changes saved")).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: "Reset password" }).click();
  const secret = page.locator("code.secret");
  await expect(secret).toBeVisible();
  const oneTime = (await secret.textContent())!.trim();
  await open(victim, "/login");
  await signIn(victim, victimEmail, oneTime);
  await expect(victim.getByText("An administrator reset your password")).toBeVisible();
  await hydrated(victim);
  await victim.getByLabel("Current password").fill(oneTime);
  await victim.getByLabel("New password").fill("victor's own new passphrase");
  await victim.getByRole("button", { name: "Change password" }).click();
  await expect(victim.getByText("Password changed.")).toBeVisible();

  // Delete, with the confirmation step.
  await open(page, page.url().split("?")[0]);
  await page.getByRole("button", { name: "Delete user" }).click();
  await expect(page.getByText(`Delete Victor Victim (${victimEmail}) for good?`)).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: "Yes, delete user" }).click();
  await expect(page.getByText("User deleted")).toBeVisible();
  expect(await isSignedIn(victim)).toBe(false);

  // Every step is in the audit trail.
  await open(page, `/admin/audit?actor=${encodeURIComponent(adminEmail)}`);
  for (const action of ["user.updated", "user.password_reset", "user.deleted"]) {
    await expect(page.getByRole("cell", { name: action }).first()).toBeVisible();
  }
  await page.getByLabel("Action").selectOption("user.deleted");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("Showing 1–1 of 1 events")).toBeVisible();
  await expect(page.getByRole("cell", { name: new RegExp(victimEmail) })).toBeVisible();
});

test("a signed-in non-admin gets a 403 page", async ({ page }) => {
  await signUp(page, uniqueEmail("plain"), "Plain User");
  for (const path of ["/admin/users", "/admin/users/new", "/admin/audit"]) {
    const res = await page.goto(path);
    expect(res?.status()).toBe(403);
    await expect(page.getByText("You need to be an administrator")).toBeVisible();
  }
});
