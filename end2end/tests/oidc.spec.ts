import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { expect, test } from "@playwright/test";
import { hydrated, open, roster, signIn, signOut, signUp, uniqueEmail } from "./helpers";

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

/** Starts the relying party (rp/server.mjs) for a client registered through the CLI. */
async function relyingParty(issuer: string): Promise<{ base: string; stop: () => void }> {
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
  const child: ChildProcess = spawn(process.execPath, ["rp/server.mjs", String(port), issuer, id, secret], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk) => String(chunk).includes("listening") && resolve());
    child.on("exit", (code) => reject(new Error(`the relying party exited (${code})`)));
  });
  return { base, stop: () => child.kill() };
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
