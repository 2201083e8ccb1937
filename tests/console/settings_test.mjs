// settings_test.mjs - the console's settings forms and the tenants page in a real browser (run by
// tests/integration/test_console_settings.sh, which made the tenants, users and the simulator).
// Each failed check prints "FAIL: ..."; exit 1 on any.
//
// Environment: OG_URL, TOKEN_TA (a tenant-admin of acme), TOKEN_EN (an engineer of acme),
// TOKEN_B (a tenant-admin of globex), TOKEN_PA (a platform-admin), SIM_URL (the Autotask
// simulator's base URL, allowed by the egress policy), REFUSED_URL (one it refuses), OUT,
// CHROMIUM.
import { env, checker, launch, people, csrfOf, inspect } from "./common.mjs";

const { check, done } = checker();
const URL = env("OG_URL");
const SETTINGS = `${URL}/console/tenants/acme/settings`;
const S = `${URL}/console/tenants/acme`;
const browser = await launch();
// One browser context (cookie jar) per person; their problems are all reported at the end.
const { session, problems } = people(browser);
const details = (page, summary) =>
  page.locator("details").filter({ has: page.locator("summary", { hasText: new RegExp(`^${summary}$`) }) });
// Click and wait for the page the form answers with; its status.
const submit = async (page, button) => {
  const [resp] = await Promise.all([page.waitForNavigation(), button.click()]);
  return resp.status();
};

// ---- the tenant-admin ----
const pt = await session(env("TOKEN_TA"));
await pt.goto(SETTINGS);
const certsRow = () => pt.locator("table.areas tbody tr", { hasText: "certs" });
check((await certsRow().locator(".area-state").innerText()) === "not_enabled", "certs is not enabled at first");
check(await pt.getByRole("link", { name: "Tenants" }).count() === 0, "a tenant-admin has no Tenants link");
await inspect(pt, "settings-admin", check);

// 1. Enable the certs area: what was set, what was kept, the rules pending (no channel yet).
let st = await submit(pt, pt.getByRole("button", { name: "Enable certificate management" }));
check(st === 200, `enabling answers 200 (${st})`);
const area = await pt.locator("#area-result").innerText();
check(area.includes("The certs area is enabled."), `the page says the area is enabled (${area})`);
check((await pt.locator("#area-set").innerText()) === "certs.deploy L1, certs.request L3, certs.renew L1, certs.renew.stalled L3, ct.unknown_issuance L1", "and which gate policies it set");
check((await pt.locator("#area-kept").innerText()) === "none", "and that it kept none");
check((await pt.locator("#area-rules").innerText()).startsWith("pending: the tenant has no notification channel"),
  "and that the notification rules are pending");
check((await certsRow().locator(".area-state").innerText()) === "enabled", "the table says enabled");
check(await pt.getByRole("button", { name: "Disable certificate management" }).count() === 1, "with a disable button now");
const deployRow = pt.locator("table.policies tbody tr", { hasText: "certs.deploy" });
check((await deployRow.getByRole("combobox").inputValue()) === "L1", "the gate policy form shows certs.deploy at L1");

// 2. Add a webhook channel, then remove it; the secret and the URL's path never come back.
const hook = details(pt, "Webhook");
await hook.locator("summary").click();
await hook.getByLabel("URL", { exact: true }).fill("https://hook.invalid/acme-hook-token/x");
await hook.getByLabel(/Signing secret/).fill("s3cret-console-0123456789");
await hook.getByLabel("Events").fill("certs.*, gate.review");
st = await submit(pt, hook.getByRole("button", { name: "Add the webhook" }));
check(st === 200, `adding the channel answers 200 (${st})`);
check((await pt.locator("#policy-result").innerText()).startsWith("Channel added: webhook https://hook.invalid/"),
  "the page says the channel was added");
let html = await pt.content();
check(!html.includes("s3cret-console") && !html.includes("acme-hook-token"), "neither its secret nor its URL's path is on the page");
const chRow = pt.locator("table.channels tbody tr", { hasText: "hook.invalid" });
check(await chRow.count() === 1, "the channel is listed");
check((await chRow.innerText()).includes("certs.*, gate.review"), "with its events");
check(await pt.locator('input[name="secret"]').evaluate((e) => e.value) === "", "the secret field is empty again");
st = await submit(pt, chRow.getByRole("button", { name: /^Remove the channel/ }));
check(st === 200 && (await pt.locator("#policy-result").innerText()).startsWith("Channel removed"), "the channel is removed");
check(await pt.locator("table.channels tbody tr", { hasText: "hook.invalid" }).count() === 0, "and no longer listed");

// 3. A connector whose base URL the egress policy refuses: refused, nothing added.
const at = details(pt, "Datto Autotask PSA");
const fillAt = async (form, base) => {
  await form.locator("summary").click();
  await form.getByLabel("Name", { exact: true }).fill("psa");
  await form.locator('input[name="base_url"]').fill(base);
  await form.locator('input[name="cred_username"]').fill("api@example.test");
  await form.locator('input[name="cred_secret"]').fill("AT-SECRET-MARKER-7731");
  await form.locator('input[name="cred_integration_code"]').fill("AT-INTEG-MARKER-5519");
  check(await form.locator('input[name="cred_secret"]').getAttribute("type") === "password", "the secret is a password field");
};
await fillAt(at, env("REFUSED_URL"));
st = await submit(pt, at.getByRole("button", { name: /^Add the Datto Autotask PSA/ }));
const refusal = await pt.locator("main").innerText();
check(st === 403 && refusal.includes("127.0.0.2") && refusal.includes("loopback"),
  `a base URL the egress policy refuses is refused, naming the range (${st}: ${refusal.slice(0, 200)})`);
await pt.goto(SETTINGS);
check(await pt.locator("table.connectors tbody", { hasText: "No connector" }).count() === 1, "and no connector was added");

// 4. The simulator's: added, then synced now; its records and last sync on the page.
const at2 = details(pt, "Datto Autotask PSA");
await fillAt(at2, env("SIM_URL"));
st = await submit(pt, at2.getByRole("button", { name: /^Add the Datto Autotask PSA/ }));
check(st === 200 && (await pt.locator("#policy-result").innerText()).startsWith("Connector psa added (autotask, http://127.0.0.1:"),
  `the connector is added (${st})`);
html = await pt.content();
check(!html.includes("AT-SECRET-MARKER") && !html.includes("AT-INTEG-MARKER") && !html.includes("api@example.test"),
  "no credential is on the page");
const cnRow = () => pt.locator("table.connectors tbody tr", { hasText: "autotask" });
check((await cnRow().locator(".last-sync").innerText()) === "never", "never synced yet");
st = await submit(pt, cnRow().getByRole("button", { name: "Sync now: psa" }));
const sync = await pt.locator("#sync-result").innerText();
check(st === 200 && sync.startsWith("Sync of psa: ok."), `Sync now runs the sync (${st}: ${sync})`);
check(/\b[1-9]\d* records/.test(sync), `and says how many records it read (${sync})`);
check(sync.includes("Client 1 GmbH"), "and names the company still to map");
check((await cnRow().locator(".last-sync").innerText()).startsWith("ok "), "the last sync is shown: ok");
await inspect(pt, "settings-connector", check);

// ---- the engineer: no changing button; its forged POSTs 403, nothing changed ----
const pe = await session(env("TOKEN_EN"));
await pe.goto(SETTINGS);
for (const name of [/^Enable /, /^Disable /, /^Remove /, /^Add the /, /^Set the level/])
  check(await pe.getByRole("button", { name }).count() === 0, `an engineer sees no ${name} button`);
check(await pe.locator("form.add").count() === 0, "nor any add form");
check(await pe.getByRole("button", { name: "Sync now: psa" }).count() === 1, "but may sync (as the API: OG_PERM_WRITE)");
await inspect(pe, "settings-engineer", check);
const csrfE = await csrfOf(pe);
const forged = [
  [`${S}/areas/certs/disable`, {}],
  [`${S}/notify-channels`, { type: "webhook", url: "https://hook.invalid/e", secret: "s3cret-console-0123456789" }],
  [`${S}/connectors/psa/remove`, {}],
  [`${S}/connectors`, { name: "psa2", kind: "autotask", base_url: env("SIM_URL"), cred_username: "u", cred_secret: "s", cred_integration_code: "i" }],
  [`${S}/gate-policy/certs.deploy`, { level: "L0" }],
];
for (const [url, form] of forged) {
  const resp = await pe.request.post(url, { form: { csrf: csrfE, ...form } });
  check(resp.status() === 403, `an engineer's forged POST ${url.slice(S.length)} is 403 (${resp.status()})`);
}
await pt.goto(SETTINGS);
check((await certsRow().locator(".area-state").innerText()) === "enabled", "certs is still enabled");
check(await pt.locator("table.connectors tbody tr", { hasText: "autotask" }).count() === 1, "psa is still there, alone");
check(await pt.locator("table.channels tbody tr", { hasText: "hook.invalid" }).count() === 0, "no channel was added");
check((await deployRow.getByRole("combobox").inputValue()) === "L1", "certs.deploy is still L1");
await pt.context().close(); // one person's browser at a time: the machine is small
await pe.context().close();

// ---- another tenant's admin: 404, word for word like a missing tenant ----
const pb = await session(env("TOKEN_B"));
let resp = await pb.goto(SETTINGS);
check(resp.status() === 404, `tenant B's session gets 404 on acme's settings (${resp.status()})`);
const nf = await pb.locator("main").innerText();
resp = await pb.goto(`${URL}/console/tenants/nosuch/settings`);
check(resp.status() === 404 && (await pb.locator("main").innerText()) === nf, "the same 404 as a missing tenant");
// error pages carry no CSRF token: take B's from one of B's own pages
await pb.goto(`${URL}/console`);
const csrfB = await csrfOf(pb);
for (const p of ["/areas/certs/disable", "/connectors/psa/sync", "/connectors/psa/remove"]) {
  resp = await pb.request.post(`${S}${p}`, { form: { csrf: csrfB } });
  check(resp.status() === 404, `and on its POST ${p} (${resp.status()})`);
}
await pb.context().close();

// ---- the platform-admin: the Tenants page, its links and the switcher ----
const pa = await session(env("TOKEN_PA"));
await pa.getByRole("link", { name: "Tenants", exact: true }).click();
await pa.waitForURL(`${URL}/console/tenants`);
const acme = pa.locator("table.tenants tbody tr", { hasText: "acme" });
check(await pa.locator("table.tenants tbody tr").count() === 2, "every tenant is listed");
check((await acme.locator(".tenant-state").innerText()) === "active", "with its state");
check((await acme.locator(".tenant-areas").innerText()).includes("certificate management"), "and its enabled areas");
check((await pa.locator("table.tenants tbody tr", { hasText: "globex" }).locator(".tenant-areas").innerText()) === "none enabled",
  "globex has none");
check(await acme.getByRole("link", { name: "Overview of acme" }).getAttribute("href") === "/console?tenant=acme", "an overview link");
check(await acme.getByRole("link", { name: "Audit of acme" }).count() === 1, "an audit link");
await inspect(pa, "tenants", check);
await pa.getByLabel("Tenant", { exact: true }).selectOption("globex");
await pa.getByRole("button", { name: "Switch" }).click();
await pa.waitForURL(`${URL}/console/tenants?tenant=globex`);
check(await pa.locator("table.tenants tbody tr").count() === 1 &&
  (await pa.locator("table.tenants tbody tr").innerText()).includes("globex"), "the switcher shows the tenant chosen");
await pa.goto(`${URL}/console/tenants`);
await acme.getByRole("link", { name: "Settings of acme" }).click();
await pa.waitForURL(SETTINGS);
check(await pa.getByRole("button", { name: "Disable certificate management" }).count() === 1,
  "a platform-admin may change acme's areas from its settings");

await browser.close();
done(problems());
