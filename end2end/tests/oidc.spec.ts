import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { expect, test } from "@playwright/test";
import {
  hydrated,
  open,
  otherBrowser,
  PASSWORD,
  roster,
  signIn,
  signInAsNewAdmin,
  signOut,
  signUp,
  uniqueEmail,
} from "./helpers";

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

type RelyingParty = { base: string; stop: () => void };

/** Starts the relying party (rp/server.mjs) on `port` for client `id` with `secret`. */
async function startRelyingParty(port: number, issuer: string, id: string, secret: string): Promise<RelyingParty> {
  const child: ChildProcess = spawn(process.execPath, ["rp/server.mjs", String(port), issuer, id, secret], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk) => String(chunk).includes("listening") && resolve());
    child.on("exit", (code) => reject(new Error(`the relying party exited (${code})`)));
  });
  return { base: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** Starts the relying party (rp/server.mjs) for a client registered through the CLI. */
async function relyingParty(issuer: string): Promise<RelyingParty> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const made = roster([
    "client",
    "create",
    "--name",
    "Test wiki",
    "--redirect-uri",
    `${base}/callback`,
    "--post-logout-redirect-uri",
    `${base}/signed-out`,
    "--scope",
    "profile",
    "--scope",
    "email",
    "--scope",
    "offline_access",
  ]);
  const id = /^client_id=(.+)$/m.exec(made)?.[1] ?? "";
  const secret = /^client_secret=(.+)$/m.exec(made)?.[1] ?? "";
  expect(id).not.toBe("");
  expect(secret).toMatch(/^roster_cs_/);
  return startRelyingParty(port, issuer, id, secret);
}

test("another app signs a person in through Roster with a certified OpenID Connect client", async ({
  page,
  baseURL,
}) => {
  const rp = await relyingParty(baseURL ?? "");
  try {
    const email = uniqueEmail("oidc");
    await signUp(page, email, "Olive Idc");
    // Sign out, so the app's request goes through Roster's sign-in first.
    await hydrated(page);
    await signOut(page);

    await page.goto(`${rp.base}/login`);
    await expect(page).toHaveURL(/\/login\?next=/);
    await hydrated(page);
    await signIn(page, email);
    await expect(page.getByRole("heading", { name: "Allow Test wiki to use your account?" })).toBeVisible();
    await expect(page.getByText("Your email address and whether it is confirmed")).toBeVisible();
    await hydrated(page);
    await page.getByRole("button", { name: "Allow" }).click();

    await expect(page.getByRole("heading", { name: "Signed in" })).toBeVisible();
    await expect(page.locator("#who")).toHaveText(`Signed in as ${email} (Olive Idc)`);
    await expect(page.locator("#sub")).toHaveText("sub matches: true");
    await expect(page.locator("#refresh")).toHaveText("refresh: ok");
    await expect(page.locator("#revocation")).toHaveText("after revocation: refused");

    // The person sees the app, and the consent is remembered: a second sign-in asks nothing.
    await open(page, "/settings/apps");
    await expect(page.getByRole("heading", { name: "Test wiki" })).toBeVisible();
    await page.goto(`${rp.base}/login`);
    await expect(page.getByRole("heading", { name: "Signed in" })).toBeVisible();

    // RP-initiated logout: Roster asks, then signs out and returns to the app.
    await page.getByRole("link", { name: "Sign out everywhere" }).click();
    await expect(page.getByRole("heading", { name: "Sign out of Roster?" })).toBeVisible();
    await hydrated(page);
    await page.getByRole("main").getByRole("button", { name: "Sign out" }).click();
    await expect(page.locator("#state")).toHaveText("state bye");
    await open(page, "/profile");
    await expect(page).toHaveURL(/\/login/);
  } finally {
    rp.stop();
  }
});

test("Deny sends the app access_denied and grants nothing", async ({ page, baseURL }) => {
  const rp = await relyingParty(baseURL ?? "");
  try {
    await signUp(page, uniqueEmail("oidc-deny"), "Dee Nied");
    await page.goto(`${rp.base}/login`);
    await expect(page.getByRole("heading", { name: "Allow Test wiki to use your account?" })).toBeVisible();
    await hydrated(page);
    await page.getByRole("button", { name: "Deny" }).click();
    await expect(page.locator("#error")).toHaveText("access_denied");
    await open(page, "/settings/apps");
    await expect(page.getByText("No apps yet.")).toBeVisible();
  } finally {
    rp.stop();
  }
});

test("an administrator manages an app at /admin/clients; a person revokes its access", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const adminEmail = await signInAsNewAdmin(page, "clients-admin", "Cli Ent");
  await open(page, "/admin/clients");
  await expect(page.getByRole("heading", { name: "Clients" })).toBeVisible();

  // A redirect URI that is neither https nor on this machine is refused next to its field.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const name = `Board ${port}`;
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Redirect URIs", { exact: true }).fill("http://board.example.org/callback");
  await page.getByRole("button", { name: "Create client" }).click();
  await expect(page.getByText("use https://, or http:// on localhost")).toBeVisible();
  await expect(page.getByRole("cell", { name })).toHaveCount(0);

  // "New client": the secret is shown once.
  await hydrated(page);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Redirect URIs", { exact: true }).fill(`${base}/callback`);
  await page.getByLabel("Post-logout redirect URIs", { exact: true }).fill(`${base}/signed-out`);
  await page.getByLabel("Client type", { exact: true }).selectOption("confidential");
  await page.getByRole("checkbox", { name: /offline_access/ }).check();
  await page.getByRole("button", { name: "Create client" }).click();
  const secretField = page.getByLabel("Client secret", { exact: true });
  await expect(secretField).toHaveValue(/^roster_cs_/);
  const secret = await secretField.inputValue();
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row.getByRole("cell", { name: "Active" })).toBeVisible();
  const id = (await row.locator("code").textContent())!.trim();

  // A person signs in to the app, sees it at /settings/apps and revokes its access.
  const rp = await startRelyingParty(port, baseURL ?? "", id, secret);
  try {
    const person = await otherBrowser(browser);
    await signUp(person, uniqueEmail("clients-person"), "Pat Person");
    await person.goto(`${rp.base}/login`);
    await expect(person.getByRole("heading", { name: `Allow ${name} to use your account?` })).toBeVisible();
    await hydrated(person);
    await person.getByRole("button", { name: "Allow" }).click();
    await expect(person.getByRole("heading", { name: "Signed in" })).toBeVisible();
    await open(person, "/settings/apps");
    await expect(person.getByRole("heading", { name })).toBeVisible();
    await person.getByRole("button", { name: `Revoke access of ${name}` }).click();
    await expect(person.getByText("Access revoked")).toBeVisible();
    await expect(person.getByText("No apps yet.")).toBeVisible();
    // The consent went with it: the app must ask again.
    await person.goto(`${rp.base}/login`);
    await expect(person.getByRole("heading", { name: `Allow ${name} to use your account?` })).toBeVisible();

    // "Rotate secret": a new secret, shown once.
    await open(page, "/admin/clients");
    await page.getByRole("button", { name: `Rotate secret ${name}` }).click();
    await expect(page.getByText("Secret rotated: the old one no longer works.")).toBeVisible();
    await expect(page.getByLabel("Client secret", { exact: true })).toHaveValue(/^roster_cs_/);
    expect(await page.getByLabel("Client secret", { exact: true }).inputValue()).not.toBe(secret);

    // "Disable": the app's requests are refused without a redirect.
    await hydrated(page);
    await page.getByRole("button", { name: `Disable ${name}` }).click();
    await expect(page.getByText("Client disabled: its tokens stopped working.")).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: name }).getByRole("cell", { name: "Disabled" })).toBeVisible();
    await person.goto(`${rp.base}/login`);
    await expect(person.getByText("an administrator turned it off")).toBeVisible();
    await expect(person).toHaveURL(/\/oauth\/authorize/);

    // "Delete" asks first; "Cancel" keeps it, "Delete client" removes it.
    await hydrated(page);
    await page.getByRole("link", { name: `Delete ${name}` }).click();
    await expect(page.getByRole("heading", { name: `Delete ${name} for good?` })).toBeVisible();
    await hydrated(page);
    await page.getByRole("link", { name: "Cancel" }).click();
    await expect(page.getByRole("heading", { name: `Delete ${name} for good?` })).toHaveCount(0);
    await expect(page.getByRole("row").filter({ hasText: name })).toHaveCount(1);
    await hydrated(page);
    await page.getByRole("link", { name: `Delete ${name}` }).click();
    await hydrated(page);
    await page.getByRole("button", { name: "Delete client" }).click();
    await expect(page.getByText("Client deleted.")).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: name })).toHaveCount(0);
  } finally {
    rp.stop();
  }
});
