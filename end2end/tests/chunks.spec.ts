import { expect, type Page, test } from "@playwright/test";
import { hydrated, jsEnabled, open, signInAsNewAdmin } from "./helpers";

// The browser code is split (`cargo leptos build --split`): the main module holds the frame,
// the home page and sign-in; every other page's code is a lazy route whose wasm chunks load the
// first time that page is shown.

/** The wasm files `page` fetches from now on, by file name. */
function wasmFetches(page: Page): string[] {
  const names: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) names.push(path.split("/").pop() ?? path);
  });
  return names;
}

test("a signed-out visitor loads the main module and none of the lazy pages' chunks", async ({ page }) => {
  test.skip(!jsEnabled(), "without JavaScript no wasm is loaded at all");
  const fetched = wasmFetches(page);
  await open(page, "/");
  await open(page, "/login");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
  expect(fetched.filter((name) => name.startsWith("roster."))).not.toHaveLength(0);
  expect(fetched.filter((name) => !name.startsWith("roster."))).toEqual([]);
});

test("a lazy page opened directly works, and the router moves between lazy pages without a reload", async ({ page }) => {
  const adminEmail = await signInAsNewAdmin(page, "chunks", "Chunk Admin");

  // Opened by its address: the server renders it whole; with JavaScript its chunks load and it
  // hydrates.
  const fetched = wasmFetches(page);
  await open(page, "/admin/audit");
  await expect(page.getByRole("heading", { name: "Audit", exact: true })).toBeVisible();
  if (!jsEnabled()) return;
  expect(fetched.some((name) => name.startsWith("split___admin_audit_route_view_"))).toBe(true);

  // A link to another lazy page: the router fetches that page's chunk and renders it in place
  // (the window's state survives, so the document was not reloaded).
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users", exact: true })).toBeVisible();
  await hydrated(page);
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  expect(fetched.some((name) => name.startsWith("split___admin_users_route_view_"))).toBe(true);

  // And the page works: a search through the client-side form.
  await page.getByLabel("Search").fill(adminEmail);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("Showing 1–1 of 1 users")).toBeVisible();
});
