// audit_test.mjs - the console's audit page in a real browser (run by
// tests/integration/test_console_audit.sh, which made the activity and a checkpoint with the CLI).
// Each failed check prints "FAIL: ..."; exit 1 on any.
//
// Environment: OG_URL, TOKEN_AU (an auditor of tenant acme), TOKEN_EN (an engineer of acme),
// TOKEN_B (an auditor of globex), TOKEN_PA (a platform-admin), TENANT_A, OUT (screenshots),
// DOWNLOADS (where the exports are saved: audit.oscal.json, audit.jsonl), CHROMIUM.
import { request } from "playwright-core";
import { env, checker, launch, people, inspect as inspectWith } from "./common.mjs";
import fs from "node:fs";
import path from "node:path";

const URL = env("OG_URL"), OUT = env("OUT"), DL = env("DOWNLOADS"), TENANT_A = env("TENANT_A");
const AUDIT_A = `${URL}/console/tenants/${TENANT_A}/audit`;
const SCRIPT_TEXT = /<script\\?>alert\(1\)\\?<\/script/;
const { check, done } = checker();
const browser = await launch();
// One browser context (cookie jar) per person; their problems are all reported at the end.
const { session, problems } = people(browser, { acceptDownloads: true });
const inspect = (page, name) => inspectWith(page, name, check);

// The auditor: the nav's Audit link leads to the own tenant's trail.
const p = await session(env("TOKEN_AU"));
await p.getByRole("link", { name: "Audit", exact: true }).click();
await p.waitForURL(`${AUDIT_A}`);
const rows = p.locator("table.audit tbody tr");
const all = await rows.count();
check(all >= 5, `the auditor sees acme's records (${all} rows)`);
const seqs = await p.locator("table.audit tbody tr td.num").allInnerTexts();
check(seqs.length > 1 && Number(seqs[0]) > Number(seqs[seqs.length - 1]), `newest first (${seqs[0]}..${seqs[seqs.length - 1]})`);
check((await p.locator("#verify-status").innerText()).startsWith("OK"),
  `the verification says OK (${await p.locator("#verify-status").innerText()})`);
check(/tree size \d+/.test(await p.locator("#checkpoint").innerText()) &&
  await p.locator("#checkpoint code").count() === 2, "the last signed checkpoint: size, key id, root");
// The certificate's <script> subject is text, not markup.
const cert = rows.filter({ hasText: "certs.import" });
check(await cert.count() === 1 && SCRIPT_TEXT.test(await cert.locator("td.target").innerText()),
  "the certs.import record names the certificate, <script> as text");
check(await p.evaluate(() => document.scripts.length) === 3, "no script element but the console's own");
// The details open (keyboard: a summary is a button).
await cert.locator("summary").focus();
await p.keyboard.press("Enter");
check(await cert.locator("details[open] pre").count() === 1, "a record's analysis opens in its details");
await inspect(p, "audit");

// A filter narrows the records.
await p.getByLabel("Action").fill("user.add");
await p.getByRole("button", { name: "Filter" }).click();
await p.waitForURL(/action=user\.add/);
const only = await p.locator("table.audit tbody tr").count();
const actions = await p.locator("table.audit tbody tr td:nth-child(4)").allInnerTexts();
check(only >= 2 && only < all && actions.every((a) => a === "user.add"),
  `filtering by action keeps only user.add (${only} of ${all}: ${actions.join(",")})`);
await p.getByLabel("Action").fill("");
await p.getByLabel("Target").fill("nothing-is-called-this");
await p.getByRole("button", { name: "Filter" }).click();
await p.waitForURL(/target=nothing/);
check(await p.locator("table.audit tbody", { hasText: "No record matches" }).count() === 1, "a target filter can empty the table");
let resp = await p.goto(`${AUDIT_A}?since=yesterday-ish`);
check(resp.status() === 400 && (await p.locator("main").innerText()).includes("since"), `a bad time is a 400 naming it (${resp.status()})`);
// Paging: 3 a page, newest first, "Older records" goes on where the page ended.
await p.goto(`${AUDIT_A}?limit=3`);
const page1 = await p.locator("table.audit tbody tr td.num").allInnerTexts();
await p.getByRole("link", { name: "Older records" }).click();
await p.waitForURL(/before=/);
const page2 = await p.locator("table.audit tbody tr td.num").allInnerTexts();
check(page1.length === 3 && page2.length === 3 && Number(page2[0]) === Number(page1[2]) - 1,
  `pages follow each other (${page1} then ${page2})`);
resp = await p.goto(`${AUDIT_A}?limit=5000`);
check(resp.status() === 400, `the page size is bounded (${resp.status()})`);
await p.goto(AUDIT_A);

// The exports: downloads with the API's headers.
const api = await request.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${env("TOKEN_AU")}` } });
for (const [label, format, file] of [["OSCAL", "oscal", "audit.oscal.json"], ["JSONL", "jsonl", "audit.jsonl"]]) {
  const [download] = await Promise.all([p.waitForEvent("download"), p.getByRole("link", { name: label }).click()]);
  await download.saveAs(path.join(DL, file));
  check(download.suggestedFilename() === `audit-${await tenantId()}.${format === "oscal" ? "json" : format}`,
    `the ${label} download is named as the API names it (${download.suggestedFilename()})`);
  const mine = await p.request.get(`${AUDIT_A}/export?format=${format}`);
  const theirs = await api.get(`${URL}/api/v1/audit/export?tenant=${TENANT_A}&format=${format}`);
  for (const h of ["content-type", "content-disposition"])
    check(mine.headers()[h] === theirs.headers()[h] && mine.headers()[h],
      `${label}: ${h} as the API's (${mine.headers()[h]} vs ${theirs.headers()[h]})`);
  check(mine.headers()["content-disposition"].startsWith("attachment;"), `${label} is an attachment`);
}
async function tenantId() {
  const r = await api.get(`${URL}/api/v1/tenants/${TENANT_A}`);
  return (await r.json()).id;
}
const oscal = JSON.parse(fs.readFileSync(path.join(DL, "audit.oscal.json"), "utf8"));
check(oscal["assessment-results"] && oscal["assessment-results"].metadata, "the OSCAL download has its root key");

// An engineer: the API denies it audit, so does the page; no Audit link.
const pe = await session(env("TOKEN_EN"));
check(await pe.getByRole("link", { name: "Audit", exact: true }).count() === 0, "an engineer has no Audit link");
resp = await pe.goto(AUDIT_A);
check(resp.status() === 403, `an engineer gets the API's 403 (${resp.status()})`);
resp = await pe.request.get(`${AUDIT_A}/export?format=csv`);
check(resp.status() === 403, `and no export (${resp.status()})`);

// The settings page (console_settings.c), as the engineer: gate policies, the channel and its
// test button (a POST with the CSRF token), connectors; without the token, 403.
const SETTINGS_A = `${URL}/console/tenants/${TENANT_A}/settings`;
await pe.getByRole("link", { name: "Settings", exact: true }).click();
await pe.waitForURL(SETTINGS_A);
check(await pe.locator("table.policies tbody tr").count() > 3, "the settings list the gate policies per action kind");
const channel = pe.locator("table.channels tbody tr", { hasText: "hook.invalid" });
check(await channel.count() === 1, "and the notification channel");
check(await pe.locator("table.connectors tbody", { hasText: "No connector" }).count() === 1, "and the connectors (none)");
await inspect(pe, "settings");
await channel.getByRole("button", { name: /Send a test notification/ }).click();
await pe.waitForLoadState();
const result = await pe.locator("#test-result").innerText();
check(result.includes("failed") && result.includes("Could not resolve host"), `the test answers with the channel's error (${result})`);
resp = await pe.request.post(pe.url(), { form: { csrf: "" } });
check(resp.status() === 403, `a test without the CSRF token is refused (${resp.status()})`);
// The policy forms: an engineer may not change a level, so it gets no form (og_authz_check), and
// a forged POST is refused as by the API (403).
await pe.goto(SETTINGS_A);
check(await pe.getByRole("button", { name: "Set the level of platform.note" }).count() === 0, "an engineer gets no level form");
const denied = await pe.request.post(`${URL}/console/tenants/${TENANT_A}/gate-policy/platform.note`, {
  form: { csrf: await pe.locator("input[name=csrf]").first().inputValue(), level: "L3" } });
check(denied.status() === 403, `an engineer's forged policy change is refused as by the API (${denied.status()})`);
await pe.goto(SETTINGS_A);
const channelId = (await pe.locator("table.channels form").getAttribute("action")).split("/")[5];

// Tenant B's auditor on tenant A's trail: 404, as a page that does not exist.
const pb = await session(env("TOKEN_B"));
resp = await pb.goto(AUDIT_A);
check(resp.status() === 404, `tenant B's session gets 404 on tenant A's audit (${resp.status()})`);
const notFound = await pb.locator("main").innerText();
resp = await pb.goto(`${URL}/console/tenants/nosuch/audit`);
check(resp.status() === 404 && (await pb.locator("main").innerText()) === notFound.replace(TENANT_A, "nosuch"),
  "the same 404 as a tenant that does not exist");
resp = await pb.request.get(`${AUDIT_A}/export?format=oscal`);
check(resp.status() === 404, `and its export is 404 (${resp.status()})`);
resp = await pb.goto(SETTINGS_A);
check(resp.status() === 404, `tenant B's session gets 404 on tenant A's settings (${resp.status()})`);
await pb.goto(`${URL}/console`); // error pages carry no CSRF token: take B's from a page of its own
resp = await pb.request.post(`${URL}/console/tenants/${TENANT_A}/notify-channels/${channelId}/test`, {
  form: { csrf: await pb.locator("input[name=csrf]").first().inputValue() } });
check(resp.status() === 404, `and on its channel's test (${resp.status()})`);

// A platform-admin: the platform trail, and the switcher to a tenant's.
const pa = await session(env("TOKEN_PA"));
await pa.goto(`${URL}/console/audit`);
check((await pa.locator("h1").innerText()).includes("the platform"), "a platform-admin sees the platform trail");
check(await pa.locator("table.audit tbody tr", { hasText: "tenant.create" }).count() >= 2, "with the tenants' creation");
check((await pa.locator("#verify-status").innerText()).startsWith("OK"), "every chain verifies");
await inspect(pa, "audit-platform");
await pa.getByLabel("Tenant", { exact: true }).selectOption(TENANT_A);
await pa.getByRole("button", { name: "Switch" }).click();
await pa.waitForURL(AUDIT_A);
check(await pa.locator("table.audit tbody tr", { hasText: "certs.import" }).count() === 1, "the switcher opens acme's trail");

// A platform-admin raises a level through the settings form (og_gate_policy_change).
await pa.goto(SETTINGS_A);
await pa.getByLabel("Level of platform.note", { exact: true }).selectOption("L3");
await pa.getByRole("button", { name: "Set the level of platform.note" }).click();
await pa.waitForLoadState();
check((await pa.locator("#policy-result").innerText()).includes("platform.note is now L3"), "a platform-admin raises a level");
check(await pa.getByLabel("Level of platform.note", { exact: true }).inputValue() === "L3", "and the form shows the new level");
await inspect(pa, "settings-changed");

await browser.close();
done(problems());
