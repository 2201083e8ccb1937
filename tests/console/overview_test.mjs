// overview_test.mjs - the console's overview in a real browser (tests/integration/
// test_console_overview.sh makes the data): a tenant-admin's gate charts per process area and the
// expiry timeline drawn by uPlot from the page's own tables; the same page without JavaScript
// (the tables, no canvas); a platform-admin across tenants and with globex chosen in the
// switcher; the 7-day window and the timeline by day; a client-viewer sent on to Artifacts.
// Screenshots overview-* at 1280 and 390 px, axe on every page (inspect()).
import { env, checker, launch, newContext, signIn, inspect } from "./common.mjs";

const { check, done } = checker();
const URL = env("OG_URL");
const browser = await launch();
const ctx = await newContext(browser);
const page = await ctx.newPage();

// The canvases uPlot drew in the chart div id (0 when none).
const canvases = (p, id) => p.locator(`#${id} canvas`).count();

// --- a tenant-admin: charts drawn from the tables
await signIn(page, env("TOKEN_ADA"));
await page.goto(`${URL}/console`);
check((await page.locator("h1").textContent()) === "Overview", "ada lands on the overview");
for (const id of ["area-certs-activity", "area-certs-open", "area-artifacts-activity",
                  "area-platform-activity", "expiry-chart", "timeline-chart"])
  check((await canvases(page, id)) > 0, `the chart ${id} is drawn (uPlot canvas)`);
check(await page.locator("#area-platform-figures").isVisible(), "the platform figures table is shown with the chart");
check((await page.locator("#area-artifacts p.open a").first().textContent()) === "1 approval waiting",
  "artifacts: the publish waits for approval");
await page.getByRole("link", { name: "1 approval waiting" }).first().focus();
check(await page.evaluate(() => document.activeElement.textContent === "1 approval waiting"),
  "the approvals link is reachable by keyboard");
await inspect(page, "overview-tenant", check);
// the hour-by-hour table opens without script
await page.locator("#area-platform summary").click();
check(await page.locator("#area-platform-hours").isVisible(), "the hour-by-hour table opens");
// 7 days, and the timeline by day
await page.getByRole("link", { name: "7 days", exact: true }).click();
await page.waitForLoadState();
check(page.url().includes("window=7d"), "the 7-day window");
check((await page.locator("#area-certs-hours tbody tr").count()) === 168, "168 hours over 7 days");
check((await canvases(page, "area-certs-activity")) > 0, "the 7-day chart is drawn");
await page.getByRole("link", { name: "by day", exact: true }).click();
await page.waitForLoadState();
check((await page.locator("#timeline tbody tr").count()) === 90, "90 days in the timeline by day");
check((await canvases(page, "timeline-chart")) > 0, "the daily timeline is drawn");
await page.screenshot({ path: `${env("OUT")}/overview-7d-daily-1280.png`, fullPage: true });
// the inbox link goes where the approvals are
await page.getByRole("link", { name: "1 approval waiting" }).first().click();
await page.waitForLoadState();
check(page.url().endsWith("/console/inbox"), "the approvals link opens the inbox");

// --- the same page without JavaScript: the tables, no canvas
const nojs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
const plain = await nojs.newPage();
await signIn(plain, env("TOKEN_ADA"));
await plain.goto(`${URL}/console`);
check((await plain.locator("canvas").count()) === 0, "without JavaScript no chart is drawn");
check(await plain.locator("#area-certs-figures").isVisible(), "without JavaScript the figures table reads");
check(await plain.locator("#timeline").isVisible(), "without JavaScript the timeline table reads");
check((await plain.locator("#timeline tbody tr").count()) === 13, "13 weeks in the timeline");
// (inspect() needs script in the page for axe: the same page with it was inspected above)
await plain.setViewportSize({ width: 390, height: 844 });
await plain.screenshot({ path: `${env("OUT")}/overview-nojs-390.png`, fullPage: true });
await nojs.close();

// --- a platform-admin: every tenant, then globex chosen in the switcher
const pctx = await newContext(browser);
const pa = await pctx.newPage();
await signIn(pa, env("TOKEN_PA"));
await pa.goto(`${URL}/console`);
check((await pa.locator("p.scope").textContent()).includes("every tenant"), "the platform-admin sees every tenant");
check(await pa.getByRole("link", { name: "2 approvals waiting" }).first().isVisible(), "acme's and globex's approvals");
check((await canvases(pa, "area-platform-activity")) > 0, "the cross-tenant chart is drawn");
await inspect(pa, "overview-platform", check);
await pa.getByLabel("Tenant").selectOption("globex");
await pa.getByRole("button", { name: "Switch" }).click();
await pa.waitForLoadState();
check((await pa.locator("p.scope").textContent()).includes("globex"), "the switcher chose globex");
check(await pa.getByRole("link", { name: "1 approval waiting" }).first().isVisible(), "globex's approval");

// --- a client-viewer: on to Artifacts, no figures
const cctx = await newContext(browser);
const cv = await cctx.newPage();
await signIn(cv, env("TOKEN_CV"));
await cv.goto(`${URL}/console`);
check((await cv.locator("canvas").count()) === 0 && (await cv.locator("section").count()) === 0,
  "the client-viewer sees no figures");
check(await cv.getByRole("link", { name: "Artifacts" }).last().isVisible(), "the client-viewer is sent on to Artifacts");
await inspect(cv, "overview-client-viewer", check);

await browser.close();
done([...ctx.problems, ...pctx.problems, ...cctx.problems]);
