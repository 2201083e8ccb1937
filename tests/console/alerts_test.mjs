// alerts_test.mjs - the console's alerts (issue 26) in a real browser (started by
// tests/integration/test_console_alerts.sh, which imported the certificates and raised their
// days-left alerts): the alerts page lists them with their state; an engineer acknowledges one
// with a note and snoozes another until a time from the page (htmx: the alert changes in place,
// no navigation), and the certificate's page shows the same state with the same buttons; an
// auditor sees the alerts without buttons and its forged POST is 403; without htmx a button
// leads back (303); bad input is a 400 page; globex's session gets 404 for acme's alert; the
// platform-admin sees both tenants' alerts.
//
// Environment: OG_URL, TOKEN_PA, TOKEN_EVE (acme engineer), TOKEN_AUD (acme auditor), TOKEN_GUS
// (globex tenant-admin), A1, A2 (acme's alert ids), FP1 (A1's certificate), OUT, CHROMIUM.
import { env, checker, launch, people, csrfOf, mark, kept, inspect } from "./common.mjs";

const URL = env("OG_URL"), A1 = env("A1"), A2 = env("A2"), FP1 = env("FP1");
const { check, done } = checker();
const browser = await launch();
const { session, problems } = people(browser);
const later = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 16); // UTC, datetime-local

// --- eve, an engineer: the page lists acme's two alerts, open, with their buttons
const eve = await session(env("TOKEN_EVE"));
let r = await eve.goto(`${URL}/console/certificates`);
await eve.getByRole("link", { name: "Alerts by what is wrong" }).click();
await eve.waitForLoadState();
check(eve.url().endsWith("/console/alerts"), `the certificates page links the alerts (${eve.url()})`);
const a1 = eve.locator(`#al-${A1}`), a2 = eve.locator(`#al-${A2}`);
check((await a1.count()) === 1 && (await a2.count()) === 1, "both alerts are listed");
check(/days-left/.test(await a1.innerText()) && /open/.test(await a1.locator(".alert-state").innerText()),
  `the first is a days-left alert, open: ${await a1.innerText()}`);
check(/What to do:/.test(await a1.innerText()), "it says what to do");
check((await eve.getByRole("button", { name: "Acknowledge" }).count()) === 2, "an Acknowledge button each");
check((await eve.getByRole("button", { name: "Snooze" }).count()) === 2, "a Snooze button each");
await inspect(eve, "alerts", check);

// acknowledge A1 with a note: in place, no navigation
await mark(eve);
await a1.getByLabel("Note").fill("known, the client renews it");
await a1.getByRole("button", { name: "Acknowledge" }).click();
await eve.locator(`#al-${A1} .flash`).waitFor({ timeout: 5000 }).catch(() => {});
let t1 = await eve.locator(`#al-${A1}`).innerText();
check(/Acknowledged/.test(t1), `the alert says it was acknowledged: ${t1}`);
check(/acknowledged by user:eve: known, the client renews it/.test(t1), `its state names who and the note: ${t1}`);
check(await kept(eve), "... without a navigation");

// snooze A2 until a time
await a2.getByLabel("Snooze until (UTC)").fill(later);
await a2.getByRole("button", { name: "Snooze" }).click();
await eve.locator(`#al-${A2} .flash`).waitFor({ timeout: 5000 }).catch(() => {});
let t2 = await eve.locator(`#al-${A2}`).innerText();
check(/Snoozed until/.test(t2) && /snoozed until/.test(t2), `the alert is snoozed: ${t2}`);
check(t2.includes(later.slice(0, 13)), `until the time given (${later}): ${t2}`);
check(await kept(eve), "... without a navigation");

// the certificate's page shows the same state and buttons
r = await eve.goto(`${URL}/console/tenants/acme/certificates/${FP1}`);
check(r.status() === 200, `the certificate's page (${r.status()})`);
const onCert = eve.locator(`#al-${A1}`);
check((await onCert.count()) === 1 && /acknowledged by user:eve/.test(await onCert.innerText()),
  "the certificate's page shows its alert acknowledged");
check((await onCert.getByRole("button", { name: "Snooze" }).count()) === 1, "with its Snooze button");
await inspect(eve, "alerts-cert", check);

// without htmx: a 303 back to where the form said
const csrf = await csrfOf(eve);
let p = await eve.request.post(`${URL}/console/tenants/acme/alerts/${A1}/snooze`,
  { form: { csrf, until: later, next: `/console/tenants/acme/certificates/${FP1}` }, maxRedirects: 0 });
check(p.status() === 303 && p.headers()["location"] === `/console/tenants/acme/certificates/${FP1}`,
  `a plain POST leads back (${p.status()} ${p.headers()["location"]})`);
p = await eve.request.post(`${URL}/console/tenants/acme/alerts/${A1}/snooze`,
  { form: { csrf, until: later, next: "https://evil.example/" }, maxRedirects: 0 });
check(p.status() === 303 && p.headers()["location"] === "/console/alerts", `never to another site (${p.headers()["location"]})`);
// bad input: a 400 page naming the problem
p = await eve.request.post(`${URL}/console/tenants/acme/alerts/${A2}/snooze`, { form: { csrf, until: "soon" } });
check(p.status() === 400 && /not a time/.test(await p.text()), `a bad time is 400 (${p.status()})`);
p = await eve.request.post(`${URL}/console/tenants/acme/alerts/${A2}/snooze`, { form: { csrf } });
check(p.status() === 400 && /needs a time/.test(await p.text()), `no time is 400 (${p.status()})`);
p = await eve.request.post(`${URL}/console/tenants/acme/alerts/${A2}/snooze`,
  { form: { csrf, until: "2099-01-01T00:00" } });
check(p.status() === 400, `a snooze past 90 days is 400 (${p.status()})`);
p = await eve.request.post(`${URL}/console/tenants/acme/alerts/${A2}/ack`, { form: { note: "x" } });
check(p.status() === 403, `without the CSRF token 403 (${p.status()})`);

// --- the auditor: the alerts and their state, no buttons; a forged POST is 403
const aud = await session(env("TOKEN_AUD"));
r = await aud.goto(`${URL}/console/alerts?state=all`);
check(r.status() === 200 && (await aud.locator(`#al-${A1}`).count()) === 1, "the auditor sees the alerts");
check((await aud.getByRole("button", { name: /^(Acknowledge|Snooze)$/ }).count()) === 0, "without buttons");
p = await aud.request.post(`${URL}/console/tenants/acme/alerts/${A2}/ack`, { form: { csrf: await csrfOf(aud) } });
check(p.status() === 403, `the auditor's forged acknowledge is 403 (${p.status()})`);

// --- globex's tenant-admin: acme's alert is not found
const gus = await session(env("TOKEN_GUS"));
r = await gus.goto(`${URL}/console/alerts`);
check((await gus.locator(`#al-${A1}`).count()) === 0, "globex's page has none of acme's alerts");
p = await gus.request.post(`${URL}/console/tenants/acme/alerts/${A2}/ack`, { form: { csrf: await csrfOf(gus) } });
check(p.status() === 404, `globex acknowledging acme's alert is 404 (${p.status()})`);
p = await gus.request.post(`${URL}/console/tenants/globex/alerts/${A2}/ack`, { form: { csrf: await csrfOf(gus) } });
check(p.status() === 404, `acme's alert under globex's name is 404 (${p.status()})`);

// --- the platform-admin: both tenants' alerts, each named
const pa = await session(env("TOKEN_PA"));
r = await pa.goto(`${URL}/console/alerts?state=all`);
const all = await pa.locator("li.alert").allInnerTexts();
check(all.some((t) => t.includes("· acme ·")) && all.some((t) => t.includes("· globex ·")),
  `the platform-admin sees acme's and globex's: ${all.length} alerts`);
await inspect(pa, "alerts-fleet", check);

await browser.close();
done(problems());
