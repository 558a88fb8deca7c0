import { expect, test } from "@playwright/test";
import {
  hydrated,
  isSignedIn,
  linkIn,
  mailTo,
  open,
  PASSWORD,
  roster,
  signIn,
  signOut,
  signUp,
  uniqueEmail,
} from "./helpers";

// Every flow here goes through a real SMTP server (maildev): the mail is read from its API
// and its link followed, with JavaScript on and off.

const NEW_PASSWORD = "a completely different passphrase";

test("sign-up mails a link that confirms the address", async ({ page }) => {
  const email = uniqueEmail("verify");
  await signUp(page, email, "Vera Verify");
  await expect(page.getByText("Please confirm your email address")).toBeVisible();

  const mail = await mailTo(email, "Confirm your email address");
  expect(mail.html).toContain("Vera Verify");
  await open(page, linkIn(mail));
  await page.getByRole("button", { name: "Confirm email address" }).click();
  await expect(page.getByRole("heading", { name: "Email verified" })).toBeVisible();
  await open(page, "/");
  await expect(page.getByText("Please confirm your email address")).toHaveCount(0);

  // A used link gets a clear page, and changes nothing.
  await open(page, linkIn(mail));
  await page.getByRole("button", { name: "Confirm email address" }).click();
  await expect(page.getByText("This link is invalid or has expired.")).toBeVisible();
});

test("forgot password: a mailed link sets a new one and signs out everywhere", async ({ page }) => {
  const email = uniqueEmail("forgot");
  await signUp(page, email, "Fay Forgot");
  await signOut(page);

  await open(page, "/login");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  // The sign-in page has an "Email" field too: wait for the lazy page to be in place.
  await expect(page.getByRole("heading", { name: "Forgot password" })).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText("If an account uses this address")).toBeVisible();

  const mail = await mailTo(email, "Reset your password");
  expect(mail.text).toContain("1 hour");
  await open(page, linkIn(mail));
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("Your password has been changed.")).toBeVisible();
  await signIn(page, email, PASSWORD);
  await expect(page.getByText("Email or password is incorrect")).toBeVisible();
  await hydrated(page);
  await signIn(page, email, NEW_PASSWORD);
  await expect(page.getByRole("heading", { name: "Welcome, Fay Forgot" })).toBeVisible();
  await mailTo(email, "Your password was changed");

  // Unknown addresses get the very same answer.
  await signOut(page);
  await open(page, "/password/forgot");
  await page.getByLabel("Email").fill(uniqueEmail("nobody"));
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText("If an account uses this address")).toBeVisible();
});

test("change email: the new address signs in once its link is followed", async ({ page }) => {
  const email = uniqueEmail("old");
  const newEmail = uniqueEmail("new");
  await signUp(page, email, "Cam Change");
  await open(page, "/settings/account");
  await page.getByLabel("New email").fill(newEmail);
  await page.getByLabel("Current password").fill("not my password at all");
  await page.getByRole("button", { name: "Change email" }).click();
  await expect(page.getByText("This is not your current password.")).toBeVisible();
  await hydrated(page);
  await page.getByLabel("New email").fill(newEmail);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change email" }).click();
  await expect(page.getByText("Check the new address's inbox")).toBeVisible();
  await mailTo(email, "A change of your email address was requested");

  const mail = await mailTo(newEmail, "Confirm your new email address");
  await open(page, linkIn(mail));
  await page.getByRole("button", { name: "Confirm email address" }).click();
  await expect(page.getByText("Your new address is confirmed")).toBeVisible();
  await mailTo(email, "Your email address was changed");

  await open(page, "/");
  await signOut(page);
  await open(page, "/login");
  await signIn(page, email);
  await expect(page.getByText("Email or password is incorrect")).toBeVisible();
  await hydrated(page);
  await signIn(page, newEmail);
  await expect(page.getByRole("heading", { name: "Welcome, Cam Change" })).toBeVisible();
  expect(await isSignedIn(page)).toBe(true);
});

test("the outbox shows each mail's fate and sends a test mail", async ({ page }) => {
  const admin = uniqueEmail("postmaster");
  roster(
    ["admin", "create", "--email", admin, "--display-name", "Post Master", "--password-stdin"],
    `${PASSWORD}\n`,
  );
  await open(page, "/login");
  await signIn(page, admin);
  await expect(page.getByRole("heading", { name: "Welcome, Post Master" })).toBeVisible();
  await open(page, "/admin/outbox");
  await page.getByRole("button", { name: "Send test mail" }).click();
  await expect(page.getByText("Test mail written to the outbox")).toBeVisible();
  await mailTo(admin, "Test mail");
  // Marked sent once the SMTP server took it: a reload shows it.
  await expect
    .poll(async () => {
      await open(page, `/admin/outbox?address=${encodeURIComponent(admin)}`);
      const row = page.getByRole("row").filter({ hasText: "Test mail" });
      return row.getByRole("cell", { name: /^Sent/ }).count();
    })
    .toBe(1);
});
