// artgov_test.mjs - artifact governance in the console, in a real browser (started by
// tests/integration/test_console_artgov.sh, which made tenant acme's project web with notes.md:
// version 1 published, version 3 waiting for an L2 publish requested by pam (gate item GATE), and
// browser.md, one version). tia (tenant-admin) sees the diff inside the item and approves it;
// places and releases a legal hold on browser.md (a delete over the API is refused meanwhile);
// grants cleo (client-viewer) read on web, then revokes it; aud (auditor) sees no button and its
// forged POST is 403 (another tenant's 404s are checked over HTTP by the script). Screenshots artgov-* (gate, artifact, project, auditor) at 1280
// and 390 px, axe.
//
// Environment: OG_URL, TOKEN_TIA, TOKEN_AUD, TOKEN_CLEO, GATE, OUT, CHROMIUM.
import { env, checker, launch, newContext, signIn, inspect } from "./common.mjs";

const URL = env("OG_URL");
const PROJECT = `${URL}/console/tenants/acme/projects/web`;
const BROWSER_MD = `${PROJECT}/artifacts/browser.md`;
const GATE = `${URL}/console/tenants/acme/gates/${env("GATE")}`;
const { check, done } = checker();
const t0 = Date.now();
const browser = await launch();
const problems = [];
const bodyText = (page) => page.locator("main").innerText();

// --- tia: from the inbox to the item's differences, then approves
const a = await newContext(browser);
const tia = await a.newPage();
await signIn(tia, env("TOKEN_TIA"));
await tia.goto(`${URL}/console/inbox`);
await tia.locator(`a[href$="${env("GATE")}#changes"]`).click();
await tia.waitForURL(/#changes$/);
const changes = tia.locator("#changes");
check(await changes.isVisible(), "the item's differences are on the page");
const heading = await changes.locator("h2").innerText();
check(/version 3 of notes\.md against version 1, the last published/.test(heading),
  `the differences compare with the last published version: ${heading}`);
check(await changes.locator("td.line.removed code", { hasText: "published line" }).count() === 1,
  "the published line is shown removed, on the left");
check(await changes.locator("td.line.added code", { hasText: "third text to publish" }).count() === 1,
  "the line to publish is shown added, on the right");
await inspect(tia, "artgov-gate", check);
await tia.getByRole("button", { name: "Approve" }).click();
await tia.waitForURL(/\/console\/inbox\?decided=/);
check(/Approved: artifacts\.publish\.other of 'notes\.md' — approved, executed/.test(await bodyText(tia)),
  "the approval is done and executed");

// --- a legal hold placed and released from the artifact's page
await tia.goto(BROWSER_MD);
await tia.getByLabel("Reason for a legal hold on this artifact").fill("case <i>9</i>");
await tia.getByRole("button", { name: "Place a legal hold" }).click();
await tia.waitForURL(/done=hold-set/);
let text = await bodyText(tia);
check(text.includes("The legal hold is placed."), "the page says the hold is placed");
check(text.includes("case <i>9</i>"), "the hold's reason shows as text");
await inspect(tia, "artgov-artifact", check);
const del = await fetch(`${URL}/api/v1/projects/web/artifacts/browser.md`,
  { method: "DELETE", headers: { Authorization: `Bearer ${env("TOKEN_TIA")}` } });
check(del.status === 409, `a delete while held is refused: ${del.status}`);
await tia.getByLabel("Reason for releasing").fill("settled");
await tia.getByRole("button", { name: "Release this hold" }).click();
await tia.waitForURL(/done=hold-cleared/);
text = await bodyText(tia);
check(text.includes("The legal hold is released."), "the page says the hold is released");
check(text.includes("None that you can see."), "no hold left on the page");

// --- a grant: cleo sees the project, then no longer
const c = await newContext(browser);
const cleo = await c.newPage();
await signIn(cleo, env("TOKEN_CLEO"));
await tia.goto(PROJECT);
await tia.getByLabel("User name").fill("cleo");
await tia.getByLabel("Right").selectOption("read");
await tia.getByRole("button", { name: "Grant access" }).click();
await tia.waitForURL(/done=granted/);
check((await bodyText(tia)).includes("The grant is saved."), "the page says the grant is saved");
check(await tia.getByRole("cell", { name: "cleo", exact: true }).count() === 1, "the grant is listed");
await inspect(tia, "artgov-project", check);
let resp = await cleo.goto(PROJECT);
check(resp.status() === 200, `cleo sees the project once granted: ${resp.status()}`);
await tia.getByRole("button", { name: "Revoke cleo's grant" }).click();
await tia.waitForURL(/done=revoked/);
check((await bodyText(tia)).includes("The grant is revoked."), "the page says the grant is revoked");
resp = await cleo.goto(PROJECT);
check(resp.status() === 404, `cleo no longer sees the project: ${resp.status()}`);

// --- an auditor: no buttons; a forged POST is 403
const u = await newContext(browser);
const aud = await u.newPage();
await signIn(aud, env("TOKEN_AUD"));
await aud.goto(PROJECT);
for (const name of ["Place a legal hold", "Grant access"])
  check(await aud.getByRole("button", { name }).count() === 0, `the auditor has no '${name}' button`);
await inspect(aud, "artgov-auditor", check);
await aud.goto(BROWSER_MD);
check(await aud.getByRole("button", { name: /Move to|legal hold/ }).count() === 0,
  "the auditor has no lifecycle or hold button on the artifact");
const csrf = await aud.locator('input[name="csrf"]').first().getAttribute("value");
const forged = await aud.request.post(`${PROJECT}/holds`, {
  form: { csrf, reason: "forged", artifact: "browser.md" }, headers: { Origin: URL },
});
check(forged.status() === 403, `the auditor's forged hold is 403: ${forged.status()}`);
await aud.goto(BROWSER_MD);
check((await bodyText(aud)).includes("None that you can see."), "the forged hold placed nothing");

for (const ctx of [a, c, u]) problems.push(...ctx.problems);
await browser.close();
console.log(`artgov browser test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
done(problems);
