import { expect, type Locator, type Page, test } from "@playwright/test";
import { hydrated, open, otherBrowser, PASSWORD, roster, signUp, uniqueEmail } from "./helpers";

// The journeys with the keyboard alone: Tab and Shift+Tab to move, typing, Enter and Space to
// act, arrow keys in selects. Every step asserts where focus is.

/** Presses Tab (or Shift+Tab) until `target` has focus; fails if it is not reached within
 * `most` presses, i.e. when the keyboard cannot get there. */
async function tabTo(page: Page, target: Locator, { back = false, most = 40 } = {}): Promise<void> {
  for (let i = 0; i < most; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) break;
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
  }
  await expect(target).toBeFocused();
}

/** Tabs to the field labelled `label` and types `text` into it (after clearing it). */
async function typeInto(page: Page, label: string, text: string): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await tabTo(page, field);
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type(text);
  await expect(field).toHaveValue(text);
}

/** Tabs to the select `select` and picks the next option with the down arrow (the previous
 * with the up arrow when it is on the last); returns the value chosen. */
async function chooseWithArrow(page: Page, select: Locator): Promise<string> {
  await tabTo(page, select);
  const before = await select.inputValue();
  await page.keyboard.press("ArrowDown");
  if ((await select.inputValue()) === before) await page.keyboard.press("ArrowUp");
  const chosen = await select.inputValue();
  expect(chosen).not.toBe(before);
  return chosen;
}

test("a person signs up, signs in, edits the profile and changes a setting by keyboard", async ({ page }) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("keys");

  // The first Tab reaches "Skip to content", which moves focus to the page's content.
  await open(page, "/signup");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();

  await typeInto(page, "Email", email);
  await typeInto(page, "Display name", "Kay Board");
  await typeInto(page, "Password", PASSWORD);
  // Back to the name with Shift+Tab, then on to the button.
  await tabTo(page, page.getByLabel("Display name"), { back: true });
  await tabTo(page, page.getByRole("button", { name: "Create account" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Welcome, Kay Board" })).toBeVisible();
  await hydrated(page);

  // Sign out and in again.
  await tabTo(page, page.getByRole("banner").getByRole("button", { name: "Sign out" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
  await hydrated(page);
  await tabTo(page, page.getByRole("banner").getByRole("link", { name: "Sign in" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await hydrated(page);
  // A wrong password: focus moves to the form's message, and Tab goes on to the fields.
  await typeInto(page, "Email", email);
  await typeInto(page, "Password", "not the password");
  await page.keyboard.press("Enter");
  await expect(page.getByText("Email or password is incorrect")).toBeVisible();
  await expect(page.locator(".form-message")).toBeFocused();
  await hydrated(page);
  await typeInto(page, "Email", email);
  await typeInto(page, "Password", PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Welcome, Kay Board" })).toBeVisible();
  await hydrated(page);

  // The profile.
  await tabTo(page, page.getByRole("banner").getByRole("link", { name: "Profile" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  await hydrated(page);
  await typeInto(page, "Display name", "Kay Keys");
  await typeInto(page, "Location", "Oslo");
  await tabTo(page, page.getByRole("button", { name: "Save profile" }));
  await page.keyboard.press("Space");
  await expect(page.getByText("Profile saved")).toBeVisible();
  await expect(page.getByRole("banner")).toContainText("Kay Keys");
  await hydrated(page);

  // A setting: the theme, chosen with the arrow keys.
  await tabTo(page, page.getByRole("banner").getByRole("link", { name: "Settings" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
  await hydrated(page);
  const chosen = await chooseWithArrow(page, page.getByLabel("Theme"));
  await tabTo(page, page.getByRole("button", { name: "Save settings" }));
  await page.keyboard.press("Enter");
  await expect(page.getByText("Settings saved")).toBeVisible();
  await expect(page.locator(".app")).toHaveAttribute("data-theme", chosen);
});

test("an administrator searches, opens, edits and deletes a user by keyboard", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const adminEmail = uniqueEmail("keyadmin");
  roster(["admin", "create", "--email", adminEmail, "--display-name", "Key Admin", "--password-stdin"], `${PASSWORD}\n`);
  const victimEmail = uniqueEmail("keyvictim");
  await signUp(await otherBrowser(browser), victimEmail, "Vic Keys");

  await open(page, "/login");
  await typeInto(page, "Email", adminEmail);
  await typeInto(page, "Password", PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("banner").getByRole("link", { name: "Admin" })).toBeVisible();
  await hydrated(page);

  await tabTo(page, page.getByRole("banner").getByRole("link", { name: "Admin" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Users", exact: true })).toBeVisible();
  await hydrated(page);

  // Search: type, Enter.
  await typeInto(page, "Search", victimEmail);
  await page.keyboard.press("Enter");
  await expect(page.getByText("Showing 1–1 of 1 users")).toBeVisible();
  await hydrated(page);

  // Open the user.
  await tabTo(page, page.getByRole("link", { name: "Vic Keys" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Edit user" })).toBeVisible();
  await hydrated(page);

  // Edit: the role with the arrow keys, then save.
  const role = page.getByLabel("Role");
  const chosen = await chooseWithArrow(page, role);
  await tabTo(page, page.getByRole("button", { name: "Save changes" }));
  await page.keyboard.press("Enter");
  await expect(page.getByText("Changes saved")).toBeVisible();
  await expect(role).toHaveValue(chosen);
  await hydrated(page);

  // Delete, confirming.
  await tabTo(page, page.getByRole("button", { name: "Delete user" }));
  await page.keyboard.press("Enter");
  await expect(page.getByText(`Delete Vic Keys (${victimEmail}) for good?`)).toBeVisible();
  await hydrated(page);
  await tabTo(page, page.getByRole("button", { name: "Yes, delete user" }));
  await page.keyboard.press("Space");
  await expect(page.getByText("User deleted")).toBeVisible();
});
