// console_test.mjs - the web console in a real browser: playwright-core drives Debian's chromium
// headless against `opsgate serve` (started by tests/integration/test_console_browser.sh, which
// passes what it made in the environment). Each check prints "ok" or "FAIL"; exit 1 on any FAIL.
//
// Environment: OG_URL, TOKEN_A (an engineer of tenant acme), TOKEN_B (an engineer of globex),
// TOKEN_PA (a platform-admin),
// TENANT_A, FP_A (acme's expiring certificate, whose subject holds <script>), OUT (screenshots),
// CHROMIUM (the browser binary).
import { request } from "playwright-core";
import { env, checker, launch, newContext as contextOf, signIn, inspect as inspectWith } from "./common.mjs";

const URL = env("OG_URL"), OUT = env("OUT"), FP_A = env("FP_A"), TENANT_A = env("TENANT_A");
const CERT_A = `${URL}/console/tenants/${TENANT_A}/certificates/${FP_A}`;
// The subject as the inventory prints it (RFC 4514 escapes < and > with a backslash).
const SCRIPT_TEXT = /<script\\?>alert\(1\)\\?<\/script/;
const { check, done } = checker();
const browser = await launch();
const newContext = () => contextOf(browser);
const inspect = (page, name) => inspectWith(page, name, check);

const t0 = Date.now();
const a = await newContext();
const page = await a.newPage();

// Not signed in: the console sends us to the sign-in page, which keyboard users can skip past.
let resp = await page.goto(`${URL}/console/certificates`);
check(page.url().startsWith(`${URL}/console/sign-in?next=`), `an anonymous visit lands on the sign-in page (${page.url()})`);
const headers = resp.headers();
check((headers["content-security-policy"] || "").includes("default-src 'self'"), "the page has the CSP");
check(headers["cache-control"] === "no-store", "the page is not cached");
await page.keyboard.press("Tab");
check(await page.evaluate(() => document.activeElement && document.activeElement.className === "skip"),
  "the first Tab reaches the skip link");
await inspect(page, "signin");

// A wrong token: refused on the page, with the reason.
await page.getByLabel("API token").fill("og_not-a-token");
await page.getByRole("button", { name: "Sign in" }).click();
check(await page.getByRole("alert").isVisible(), "a bad token is refused with a message");

// Sign in as tenant A's engineer, back to the page asked for.
await page.getByLabel("API token").fill(env("TOKEN_A"));
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForLoadState();
check(page.url().startsWith(`${URL}/console/certificates`), `signing in returns to next= (${page.url()})`);
const cookies = await a.cookies();
const session = cookies.find((c) => c.name === "og_session");
check(session && session.httpOnly && session.sameSite === "Strict" && session.path === "/",
  `the session cookie is HttpOnly, SameSite=Strict, Path=/ (${JSON.stringify(session)})`);

// The fleet lists the expiring certificate; its <script> subject is text, not markup.
const row = page.locator("table.fleet tbody tr", { hasText: SCRIPT_TEXT });
check(await row.count() === 1, "the fleet lists the expiring certificate, its subject shown as text");
check(await row.locator("td.num").first().innerText() === "5", "its days left are shown");
check(await page.evaluate(() => document.scripts.length) === 3, "no script element but the console's own");
await inspect(page, "certificates");

// Filters (htmx swaps the table in place and the URL follows; without JS a plain GET).
await page.getByLabel("Finding").selectOption("weak-key");
await page.getByRole("button", { name: "Filter" }).click();
await page.waitForURL(/finding=weak-key/);
check(await page.locator("table.fleet tbody", { hasText: "No certificate matches" }).count() === 1,
  "filtering by a finding it lacks empties the table");
await page.getByLabel("Finding").selectOption("");
await page.getByLabel("Expiring within").selectOption("7");
await page.getByRole("button", { name: "Filter" }).click();
await page.waitForURL(/days=7/);
check(await row.count() === 1, "expiring within 7 days keeps it");
// Sorting by a column header keeps working and marks the column.
await page.getByRole("link", { name: "Subject" }).click();
await page.waitForURL(/sort=subject/);
check(await page.locator("th[aria-sort=ascending]", { hasText: "Subject" }).count() === 1, "sorted by subject");

// Its page: chain, findings, where seen.
await row.getByRole("link").click();
await page.waitForURL(/\/certificates\/[0-9a-f]{64}$/);
check(SCRIPT_TEXT.test(await page.locator("h1").innerText()), "the certificate's page shows the subject as text");
check(await page.getByRole("heading", { name: "Where it was seen" }).isVisible(), "it says where it was seen");
check(await page.locator("ul.tags", { hasText: "expiring" }).count() === 1, "it shows its findings");
await inspect(page, "certificate");

// The overview: the figures /metrics exports, drawn by uPlot from the table.
await page.getByRole("link", { name: "Overview" }).click();
await page.waitForSelector(".uplot canvas", { timeout: 5000 }).catch(() => null);
check(await page.locator(".uplot canvas").count() > 0, "the overview draws its chart (uPlot under the CSP)");
check((await page.locator("table.figures tbody tr", { hasText: "7 days or less" }).innerText()).includes("1"),
  "the overview counts the certificate expiring within 7 days");
await inspect(page, "overview");

// A state-changing request without the CSRF token, or from another site, is refused.
resp = await page.request.post(`${URL}/console/sign-out`, { form: { csrf: "" } });
check(resp.status() === 403, `a sign-out without the CSRF token is refused (${resp.status()})`);
resp = await page.request.post(`${URL}/console/sign-out`, {
  form: { csrf: await page.locator("input[name=csrf]").first().inputValue() },
  headers: { Origin: "http://evil.example" },
});
check(resp.status() === 403, `a sign-out from another origin is refused (${resp.status()})`);
const api = await request.newContext(); // no cookie of ours
resp = await api.post(`${URL}/console/sign-in`, {
  form: { token: env("TOKEN_A"), next: "https://evil.example/" },
  maxRedirects: 0,
});
check(resp.status() === 303 && resp.headers()["location"] === "/console",
  `next= cannot send anyone to another site (${resp.status()} ${resp.headers()["location"]})`);

// Tenant B's session: tenant A's certificate page is 404, as in the API.
const b = await newContext();
const pb = await b.newPage();
await signIn(pb, env("TOKEN_B"));
resp = await pb.goto(CERT_A);
check(resp.status() === 404, `tenant B's session gets 404 on tenant A's certificate (${resp.status()})`);
check(await pb.locator("table.fleet").count() === 0, "and no certificate table");
await inspect(pb, "not-found");
resp = await pb.goto(`${URL}/console/certificates?tenant=${TENANT_A}`);
check(resp.status() === 404, `tenant B naming tenant A in the fleet gets 404 (${resp.status()})`);

// Without JavaScript: reading works, and the filter is a plain GET form.
const nojs = await browser.newContext({ javaScriptEnabled: false });
nojs.problems = [];
const pn = await nojs.newPage();
await signIn(pn, env("TOKEN_A"));
await pn.goto(`${URL}/console/certificates`);
check(await pn.locator("table.fleet tbody tr", { hasText: SCRIPT_TEXT }).count() === 1, "without JavaScript the fleet reads");
await pn.getByLabel("Expiring within").selectOption("7");
await pn.getByRole("button", { name: "Filter" }).click();
await pn.waitForURL(/days=7/);
check(await pn.locator("table.fleet tbody tr", { hasText: SCRIPT_TEXT }).count() === 1, "without JavaScript the filter works");
await pn.goto(`${URL}/console`);
check(await pn.locator("table.figures").count() === 1, "without JavaScript the overview shows its figures");
await nojs.close();

// A platform-admin: every tenant's certificates in one fleet, and the tenant switcher.
const d = await newContext();
const pd = await d.newPage();
await signIn(pd, env("TOKEN_PA"));
await pd.goto(`${URL}/console/certificates`);
check(await pd.locator("table.fleet tbody tr").count() === 2, "a platform-admin's fleet has every tenant's certificates");
check(await pd.getByRole("columnheader", { name: "Tenant" }).count() === 1, "with a tenant column");
await inspect(pd, "certificates-platform");
await pd.getByLabel("Tenant", { exact: true }).selectOption("globex");
await pd.getByRole("button", { name: "Switch" }).click();
await pd.waitForURL(/tenant=globex/);
check(await pd.locator("table.fleet tbody tr", { hasText: "globex.example" }).count() === 1 &&
  await pd.locator("table.fleet tbody tr").count() === 1, "switching to globex shows only its certificate");

// Sign out: the old cookie is refused afterwards (sign-in page, 401 on a POST).
await page.getByRole("button", { name: "Sign out" }).click();
await page.waitForURL(/\/console\/sign-in\?bye=1/);
check(await page.getByRole("status").innerText() === "You have signed out.", "signing out says so");
const c = await newContext();
await c.addCookies([{ name: "og_session", value: session.value, url: URL }]);
const pc = await c.newPage();
await pc.goto(`${URL}/console/certificates`);
check(pc.url().startsWith(`${URL}/console/sign-in`), `the old cookie after sign-out gets the sign-in page (${pc.url()})`);
resp = await pc.request.post(`${URL}/console/sign-out`, { form: { csrf: "x" } });
check(resp.status() === 401, `the old cookie's POST is refused with 401 (${resp.status()})`);

await api.dispose();
await browser.close();
console.log(`console browser test: ${((Date.now() - t0) / 1000).toFixed(1)}s; screenshots in ${OUT}`);
done([a, b, c, d].flatMap((ctx) => ctx.problems));
