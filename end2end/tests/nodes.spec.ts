import { expect, test } from "@playwright/test";
import { hydrated, isSignedIn, open, signIn, signOut, signUp, uniqueEmail } from "./helpers";

// The accounts journey through two nodes on one PostgreSQL database, each page from the
// other node in turn: scripts/test starts node A (baseURL) and node B (ROSTER_SECOND_URL).
// Cookies belong to the host, not the port, so one browser session reaches both.
const second = process.env.ROSTER_SECOND_URL;
const onB = (path: string) => `${second}${path}`;

test.skip(!second, "needs two nodes on PostgreSQL (ROSTER_SECOND_URL, set by scripts/test)");

test("sign up on A, edit the profile on B, see it on A, sign out on B, signed out on A", async ({ page }) => {
  const email = uniqueEmail("nodes");
  await signUp(page, email, "Node Walker");

  await open(page, onB("/profile"));
  await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  await expect(page.getByRole("navigation")).toContainText("Node Walker");
  await page.getByLabel("Display name").fill("Node Renamed");
  await page.getByLabel("Location").fill("Porto");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Profile saved")).toBeVisible();

  await open(page, "/profile");
  await expect(page.getByLabel("Display name")).toHaveValue("Node Renamed");
  await expect(page.getByLabel("Location")).toHaveValue("Porto");

  await open(page, onB("/settings"));
  await page.getByLabel("Theme").selectOption({ label: "Dark" });
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved")).toBeVisible();
  await open(page, "/");
  await expect(page.locator(".app")).toHaveAttribute("data-theme", "dark");

  await open(page, onB("/"));
  await signOut(page);
  expect(await isSignedIn(page)).toBe(false);

  await open(page, onB("/login"));
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Welcome, Node Renamed" })).toBeVisible();
  await hydrated(page);
  expect(await isSignedIn(page)).toBe(true);
});
