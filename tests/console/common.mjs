// common.mjs - what every console browser scenario shares: the environment, a check counter, the
// browser, a context that records script errors, CSP violations and dialogs, signing in, and
// inspect() (screenshots at 1280 and 390 px, axe-core, no sideways scrolling at 390 px).
//
//   import { env, checker, launch, signIn, inspect } from "./common.mjs";
//   const { check, done } = checker();
//   const browser = await launch();
//   const ctx = await newContext(browser);
//   const page = await ctx.newPage();
//   await signIn(page, env("TOKEN_A"));
//   await inspect(page, "fleet", check);
//   ...
//   await browser.close();
//   done(ctx.problems);          // prints the summary, exits 1 on any FAIL or problem
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import fs from "node:fs";
import path from "node:path";

// A required environment variable, or an error naming it.
export const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};

// check(cond, what) counts and prints "FAIL: what" when cond is false; done() prints the tally and
// exits 1 when anything failed (problems: strings the browser reported, each a failure).
export function checker() {
  let fails = 0, passes = 0;
  const check = (cond, what) => {
    if (cond) passes++;
    else { fails++; console.error(`FAIL: ${what}`); }
  };
  const done = (problems = []) => {
    for (const p of problems) check(false, `browser reported: ${p}`);
    console.log(`${passes} checks passed, ${fails} failed`);
    process.exit(fails ? 1 : 0);
  };
  process.on("unhandledRejection", (e) => { console.error(`FAIL: ${e.stack || e.message}`); process.exit(1); });
  return { check, done };
}

export async function launch() {
  fs.mkdirSync(env("OUT"), { recursive: true });
  return chromium.launch({
    executablePath: env("CHROMIUM"),
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

// A browser context whose pages record script errors, console errors (CSP violations among them)
// and dialogs (an alert() would mean injected script ran) in ctx.problems. Error statuses a test
// asks for on purpose (401, 404) are logged as failed loads: not a problem. options: Playwright's
// context options (acceptDownloads, ...).
export async function newContext(browser, options = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  ctx.problems = [];
  ctx.on("page", (page) => {
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
        ctx.problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => ctx.problems.push(`script error: ${e.message}`));
    page.on("dialog", async (d) => { ctx.problems.push(`dialog: ${d.message()}`); await d.dismiss(); });
  });
  return ctx;
}

// Sign in through the form, as a person does.
export async function signIn(page, token) {
  await page.goto(`${env("OG_URL")}/console/sign-in`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState();
}

// The people of one browser, a context (cookie jar) each: session(token) is a new context's page
// signed in with token; problems() every context's problems, for done(). options: newContext's.
export function people(browser, options = {}) {
  const contexts = [];
  return {
    async session(token) {
      const ctx = await newContext(browser, options);
      contexts.push(ctx);
      const page = await ctx.newPage();
      await signIn(page, token);
      return page;
    },
    problems: () => contexts.flatMap((ctx) => ctx.problems),
  };
}

// The CSRF token of the page's first form.
export const csrfOf = async (page) => page.locator('input[name="csrf"]').first().inputValue();

// A mark on the window that a full navigation would wipe, and whether it is still there (htmx
// swapped in place).
export const mark = (p) => p.evaluate(() => { window.__ogKept = 1; });
export const kept = (p) => p.evaluate(() => window.__ogKept === 1);

// Screenshots NAME-1280.png and NAME-390.png in $OUT, axe-core with no serious or critical
// violation, and no sideways scrolling at 390 px.
export async function inspect(page, name, check) {
  const out = env("OUT");
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(out, `${name}-1280.png`), fullPage: true });
  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `${name}: accessibility violations: ` +
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`).join("; "));
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(50);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 391, `${name}: at 390 px the page is ${wide} px wide (sideways scrolling)`);
  await page.screenshot({ path: path.join(out, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}
