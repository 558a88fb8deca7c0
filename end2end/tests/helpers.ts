import { execFileSync } from "node:child_process";
import { type Browser, expect, type Page, test } from "@playwright/test";

export const PASSWORD = "correct horse battery staple";

/** A fresh address per call, so tests never share users and can run in parallel. */
export function uniqueEmail(tag: string): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return `${tag}-${Date.now()}-${rand}@example.org`;
}

export function jsEnabled(): boolean {
  return test.info().project.name === "js";
}

/** Opens `path`; with JavaScript on, waits until the page is hydrated (interactive). */
export async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await hydrated(page);
}

export async function hydrated(page: Page): Promise<void> {
  if (jsEnabled()) {
    await page.locator("body[data-hydrated]").waitFor();
  }
}

/** The words of signing up, in and out, in each language the pages speak. */
const ACCOUNT_WORDS = {
  en: {
    email: "Email",
    displayName: "Display name",
    password: "Password",
    createAccount: "Create account",
    welcome: "Welcome",
    signIn: "Sign in",
    signOut: "Sign out",
  },
  de: {
    email: "E-Mail",
    displayName: "Anzeigename",
    password: "Passwort",
    createAccount: "Konto anlegen",
    welcome: "Willkommen",
    signIn: "Anmelden",
    signOut: "Abmelden",
  },
} as const;

/** A language the pages speak (the page's `<html lang>`). */
export type PageLanguage = keyof typeof ACCOUNT_WORDS;

export async function signUp(
  page: Page,
  email: string,
  name: string,
  language: PageLanguage = "en",
): Promise<void> {
  const w = ACCOUNT_WORDS[language];
  await open(page, "/signup");
  await page.getByLabel(w.email).fill(email);
  await page.getByLabel(w.displayName).fill(name);
  await page.getByLabel(w.password).fill(PASSWORD);
  await page.getByRole("button", { name: w.createAccount }).click();
  await expect(page.getByRole("heading", { name: `${w.welcome}, ${name}` })).toBeVisible();
}

export async function signIn(
  page: Page,
  email: string,
  password = PASSWORD,
  language: PageLanguage = "en",
): Promise<void> {
  const w = ACCOUNT_WORDS[language];
  await page.getByLabel(w.email).fill(email);
  await page.getByLabel(w.password, { exact: true }).fill(password);
  await page.getByRole("button", { name: w.signIn, exact: true }).click();
}

export async function signOut(page: Page, language: PageLanguage = "en"): Promise<void> {
  const w = ACCOUNT_WORDS[language];
  await page.getByRole("banner").getByRole("button", { name: w.signOut }).click();
  await expect(page.getByRole("navigation").getByRole("link", { name: w.signIn })).toBeVisible();
  await hydrated(page);
}

/** A second, separate browser (its own cookies), with JavaScript as the project says. */
export async function otherBrowser(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    baseURL: test.info().project.use.baseURL,
    javaScriptEnabled: jsEnabled(),
  });
  return context.newPage();
}

/** True when `page` is signed in: `/profile` shows instead of the sign-in page. */
export async function isSignedIn(page: Page): Promise<boolean> {
  await open(page, "/profile");
  return !page.url().includes("/login");
}

/** Makes an administrator through the command line and signs them in on `page`; returns
 * their email. */
export async function signInAsNewAdmin(page: Page, tag: string, name: string): Promise<string> {
  const email = uniqueEmail(tag);
  roster(["admin", "create", "--email", email, "--display-name", name, "--password-stdin"], `${PASSWORD}\n`);
  await open(page, "/login");
  await signIn(page, email);
  await expect(page.getByRole("banner").getByRole("link", { name: "Admin" })).toBeVisible();
  return email;
}

/** Runs the `roster` command line on the test server's database. */
export function roster(args: string[], input?: string): string {
  const bin = process.env.ROSTER_BIN;
  const db = process.env.ROSTER_DATABASE_URL;
  if (!bin || !db) {
    throw new Error("ROSTER_BIN and ROSTER_DATABASE_URL must be set (scripts/test sets them)");
  }
  return execFileSync(bin, ["--database-url", db, ...args], {
    input,
    encoding: "utf8",
  });
}

/** A mail as maildev keeps it. */
export interface Mail {
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
}

/**
 * The newest mail to `address` whose subject starts with `subject`, read from maildev's HTTP
 * API (scripts/test starts maildev and points Roster at it), waiting up to 15 s for it.
 */
export async function mailTo(address: string, subject: string): Promise<Mail> {
  const base = process.env.MAILDEV_URL;
  if (!base) {
    throw new Error("MAILDEV_URL must be set (scripts/test sets it)");
  }
  let found: Mail | undefined;
  await expect
    .poll(
      async () => {
        const mails: Mail[] = await (await fetch(`${base}/api/email`)).json();
        found = mails
          .filter((m) => m.to.some((t) => t.address === address) && m.subject.startsWith(subject))
          .pop();
        return found !== undefined;
      },
      { timeout: 15_000, message: `a mail "${subject}" to ${address}` },
    )
    .toBe(true);
  return found as Mail;
}

/** The link (with its token) in a mail's text. */
export function linkIn(mail: Mail): string {
  const match = mail.text.match(/https?:\/\/\S+\?token=[0-9a-f]{64}/);
  if (!match) {
    throw new Error(`no link in: ${mail.text}`);
  }
  return match[0];
}
