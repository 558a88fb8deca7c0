import { expect, test } from "@playwright/test";
import { hydrated, jsEnabled, signUp, uniqueEmail } from "./helpers";

test("pages run under the Content-Security-Policy without violations", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content[- ]Security[- ]Policy/i.test(msg.text())) violations.push(msg.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`Content-Security-Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });

  for (const path of ["/", "/login", "/signup", "/password/forgot", "/password/reset?token=x", "/verify-email?token=x"]) {
    const res = await page.goto(path);
    expect(res?.headers()["content-security-policy"]).toContain("'nonce-");
    await hydrated(page);
  }
  await signUp(page, uniqueEmail("csp"), "Csp Tester");
  for (const path of ["/profile", "/settings", "/settings/account"]) {
    await page.goto(path);
    await hydrated(page);
  }
  if (jsEnabled()) {
    // The wasm really runs: the page is hydrated.
    await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  }
  expect(violations).toEqual([]);
});
