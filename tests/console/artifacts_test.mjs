// artifacts_test.mjs - the console's artifact pages in a real browser (started by
// tests/integration/test_console_artifacts.sh, which made tenant acme's project web with notes.md
// (two text versions, the second now pending publication), public.md (published) and an artifact
// named "<script>alert(1).md"). Each check prints "FAIL" when it fails; exit 1 on any FAIL.
//
// Environment: OG_URL, TOKEN_PM (acme's project-manager), TOKEN_CV (acme's client-viewer with a
// read grant on web), TOKEN_B (globex's engineer), V1 (notes.md version 1's file), OUT
// (screenshots), CHROMIUM (the browser binary).
import { env, checker, launch, newContext as contextOf, signIn, inspect as inspectWith } from "./common.mjs";
import fs from "node:fs";

const URL = env("OG_URL"), OUT = env("OUT");
const PROJECT = `${URL}/console/tenants/acme/projects/web`;
const NOTES = `${PROJECT}/artifacts/notes.md`;
const { check, done } = checker();
const t0 = Date.now();
const browser = await launch();
const newContext = () => contextOf(browser, { acceptDownloads: true });
const inspect = (page, name) => inspectWith(page, name, check);

// The project-manager: Artifacts in the navigation, the project, the artifact, its versions.
const a = await newContext();
const page = await a.newPage();
await signIn(page, env("TOKEN_PM"));
await page.getByRole("link", { name: "Artifacts" }).click();
await page.waitForURL(/\/console\/tenants\/acme\/projects$/);
check(await page.getByRole("link", { name: "Artifacts" }).getAttribute("aria-current") === "page",
  "the Artifacts link is the current page");
await inspect(page, "art-projects");
await page.getByRole("link", { name: "Web site" }).click();
await page.waitForURL(PROJECT);
check(await page.locator("table.artifacts tbody tr", { hasText: "notes.md" }).count() === 1, "the project lists notes.md");
const evil = page.getByRole("link", { name: "<script>alert(1).md" });
check(await evil.count() === 1, "the <script> name shows as text");
check(await page.evaluate(() => document.scripts.length) === 3, "no script element but the console's own");
await inspect(page, "art-project");
await evil.click();
await page.waitForLoadState();
check(await page.getByRole("heading", { level: 1 }).innerText() === "<script>alert(1).md", "its page names it as text");
await page.goto(NOTES);
check(await page.locator("table.versions tbody tr").count() === 2, "notes.md has two versions");
check(await page.locator("table.versions tbody tr", { hasText: "second" }).count() === 1, "with their messages");
await inspect(page, "art-artifact");

// The diff: chosen with the form, the changed line on both sides, marked in words.
await page.getByLabel("Compare version").selectOption("1");
await page.getByLabel("with version").selectOption("2");
await page.getByRole("button", { name: "Show differences" }).click();
await page.waitForURL(/diff\?from=1&to=2/);
const changed = page.locator("table.diff tbody tr", { hasText: "BETA changed" });
check(await changed.count() === 1, "the diff has the changed line");
check((await changed.locator("td.removed").innerText()).includes("beta") &&
  (await changed.locator("td.added").innerText()).includes("BETA changed"),
  "the old line on the left, the new one on the right, in one row");
check(await changed.locator("td.removed .sr").innerText() === "removed:", "a removed line says so in words");
await inspect(page, "art-diff");

// Download version 1: the same bytes.
await page.goto(NOTES);
const [dl] = await Promise.all([
  page.waitForEvent("download"),
  page.getByRole("link", { name: "version 1", exact: true }).click(),
]);
const got = fs.readFileSync(await dl.path());
check(Buffer.compare(got, fs.readFileSync(env("V1"))) === 0, "the downloaded version 1 has its bytes");
check(dl.suggestedFilename() === "notes.md", `the download is named notes.md (${dl.suggestedFilename()})`);

// The pending publication is named on the page with its gate item (made by the HTTP part).
// Search from the project page, by keyboard.
await page.goto(PROJECT);
await page.getByLabel("Search artifacts").fill("beta");
await page.keyboard.press("Enter");
await page.waitForURL(/search\?q=beta/);
check(await page.getByRole("link", { name: "notes.md" }).count() === 1, "search finds notes.md");
await inspect(page, "art-search");

// A client-viewer: the published artifact and nothing else.
const c = await newContext();
const pc = await c.newPage();
await signIn(pc, env("TOKEN_CV"));
await pc.goto(PROJECT);
check(await pc.locator("table.artifacts tbody tr").count() === 1 &&
  await pc.getByRole("link", { name: "public.md" }).count() === 1, "a client-viewer sees only public.md");
await inspect(pc, "art-client-viewer");
let resp = await pc.goto(NOTES);
check(resp.status() === 404, `a client-viewer gets 404 on a draft (${resp.status()})`);

// Tenant B's session on tenant A's artifact: 404.
const b = await newContext();
const pb = await b.newPage();
await signIn(pb, env("TOKEN_B"));
resp = await pb.goto(NOTES);
check(resp.status() === 404, `tenant B's session gets 404 on tenant A's artifact (${resp.status()})`);
check(await pb.locator("table.versions").count() === 0, "and no versions");

await browser.close();
console.log(`console artifacts browser test: ${((Date.now() - t0) / 1000).toFixed(1)}s; screenshots in ${OUT}`);
done([a, b, c].flatMap((ctx) => ctx.problems));
