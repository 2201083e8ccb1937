// certactions_test.mjs - the certificate page's Renew and Deploy buttons, and a cloud app
// credential's page, in a real browser (started by tests/integration/test_console_certactions.sh,
// which made the certificates, the file target, the ACME plan and the app credential).
//
// Environment: OG_URL, TOKEN_PA (platform-admin), TOKEN_EVE (acme engineer: deploys and renews), TOKEN_ED (acme engineer,
// the certs area's reviewer), TOKEN_ADA (acme tenant-admin: approves), TOKEN_AUD (acme auditor:
// no buttons), TOKEN_GUS (globex tenant-admin), FP_A (on the target), FP_B (to deploy), FP_R (the
// ACME plan's certificate), PLAN, APP (the app credential's id), OUT, CHROMIUM.
import { env, checker, launch, people, csrfOf, inspect } from "./common.mjs";

const URL = env("OG_URL");
const FP_A = env("FP_A"), FP_B = env("FP_B"), FP_R = env("FP_R"), PLAN = env("PLAN"), APP = env("APP");
const cert = (fp) => `${URL}/console/tenants/acme/certificates/${fp}`;
const { check, done } = checker();
const browser = await launch();
const { session, problems } = people(browser);
const main = async (page) => (await page.locator("main").innerText()).trim();
const buttons = async (page) => page.getByRole("button", { name: /^(Deploy|Renew now)$/ }).count();

// --- eve, an engineer: the page of b has the deploy form (no renew: no plan renews b)
const eve = await session(env("TOKEN_EVE"));
let r = await eve.goto(cert(FP_B));
let text = await main(eve);
check(r.status() === 200, `b's page opens (${r.status()})`);
for (const want of ["Renew or deploy", "Renewal plan", "No renewal plan issued this certificate", "Deploy history", "Never deployed by opsgate"])
  check(text.includes(want), `b's page shows '${want}'`);
check((await eve.getByRole("button", { name: "Deploy" }).count()) === 1, "eve sees the Deploy button");
check((await eve.getByRole("button", { name: "Renew now" }).count()) === 0, "no Renew button without a plan");
check((await eve.getByLabel("Deploy to target").locator("option").allInnerTexts()).some((o) => o.startsWith("web (file)")),
  "the target list names web (file)");
await inspect(eve, "certact-cert", check);
r = await eve.goto(cert(FP_A));
check(/deployed this certificate/.test(await main(eve)) && /web \(file\)/.test(await main(eve)), "a's deploy history has its deploy to web");
check((await eve.getByLabel("Deploy to target").locator("option").allInnerTexts()).some((o) => /holds it now/.test(o)),
  "a's target list says web holds it");

// --- bad input: a 400 page naming the problem, nothing changed (the shell checks the files)
const csrf = await csrfOf(eve);
let p = await eve.request.post(`${cert(FP_B)}/deploy`, { form: { csrf, target: "nosuch" } });
check(p.status() === 400 && /nosuch\S* is not a deploy target of this tenant/.test(await p.text()), `an unknown target is 400 (${p.status()})`);
p = await eve.request.post(`${cert(FP_B)}/deploy`, { form: { csrf } });
check(p.status() === 400 && /choose the deploy target/.test(await p.text()), `no target is 400 (${p.status()})`);
p = await eve.request.post(`${cert(FP_B)}/renew`, { form: { csrf } });
check(p.status() === 404, `renewing b (no plan issued it) is 404 as over the API (${p.status()})`);
p = await eve.request.post(`${cert(FP_B.slice(0, 6))}/deploy`, { form: { csrf, target: "web" } });
check(p.status() === 400 && /at least 8 hex digits/.test(await p.text()), `a 6-digit prefix is no certificate ID (${p.status()})`);
p = await eve.request.post(`${cert(APP)}/deploy`, { form: { csrf, target: "web" } });
check(p.status() === 400 && /cloud app credential/.test(await p.text()), `deploying an app credential is 400 (${p.status()})`);
p = await eve.request.post(`${cert(FP_B)}/deploy`, { form: { target: "web" } });
check(p.status() === 403, `a deploy without the CSRF token is 403 (${p.status()})`);

// --- eve deploys b to web at L1: done now, the page names the review item and links it
await eve.goto(cert(FP_B));
await eve.getByLabel("Deploy to target").selectOption("web");
let [resp] = await Promise.all([eve.waitForNavigation(), eve.getByRole("button", { name: "Deploy" }).click()]);
text = await main(eve);
check(resp.status() === 200 && eve.url().includes("?gate="), `the deploy lands on the page (${resp.status()} ${eve.url()})`);
check(/Deployed to target web: verified \(L1, gate item .*, review\)\. Review it/.test(text), `the page says what happened: ${text.slice(0, 300)}`);
const gDep = new globalThis.URL(eve.url()).searchParams.get("gate");
const link = eve.getByRole("link", { name: `Gate item ${gDep}` });
check((await link.getAttribute("href")) === `/console/tenants/acme/gates/${gDep}`, "the line links the gate item's page");
check(/deployed this certificate, replacing/.test(text), "b's deploy history has the deploy");
await inspect(eve, "certact-deployed", check);

// --- ed overrides the review from the inbox: a is put back (the shell checks the files)
const ed = await session(env("TOKEN_ED"));
await ed.goto(`${URL}/console/inbox`);
const card = ed.locator(`#g-${gDep}`);
check((await card.count()) === 1, "the deploy's review is in ed's inbox");
await card.getByLabel("Note").fill("b breaks the shop");
// the inbox decides in place (htmx swaps the card): wait for the decision's answer and its flash
[resp] = await Promise.all([
  ed.waitForResponse((r) => r.request().method() === "POST" && r.url().includes(`/gates/${gDep}/`)),
  card.getByRole("button", { name: "Override (roll back)" }).click()]);
await ed.locator(`#g-${gDep} .flash`).first().waitFor({ timeout: 10000 }).catch(() => {});
check(resp.status() === 200 && /Overridden: certs\.deploy of '.*' — overridden/.test(await main(ed)), `the override's flash: ${(await main(ed)).slice(0, 200)}`);
await ed.goto(`${cert(FP_B)}?gate=${gDep}`);
text = await main(ed);
check(/Deployed to target web: verified \(L1, gate item .*, done: overridden\)/.test(text), `the line follows the item: ${text.slice(0, 300)}`);
check(/deployed this certificate, replacing [0-9a-f]{16}…\s+overridden: a human overrode the deploy/.test(text), `b's deploy history shows the override: ${text}`);
check(!(await ed.getByLabel("Deploy to target").locator("option").allInnerTexts()).some((o) => /holds it now/.test(o)),
  "after the override web no longer says it holds b");
await ed.goto(cert(FP_A));
check(/replaced it with/.test(await main(ed)), "a's deploy history shows b replacing it");

// --- at L0 (the platform-admin sets the level through the API) a deploy is done, no review
const put = await fetch(`${URL}/api/v1/tenants/acme/gate-policy/certs.deploy`, {
  method: "PUT", headers: { Authorization: `Bearer ${env("TOKEN_PA")}`, "Content-Type": "application/json" },
  body: JSON.stringify({ level: "L0" }) });
check(put.status === 200, `certs.deploy set to L0 (${put.status})`);
await eve.goto(cert(FP_A));
await eve.getByLabel("Deploy to target").selectOption("web");
[resp] = await Promise.all([eve.waitForNavigation(), eve.getByRole("button", { name: "Deploy" }).click()]);
text = await main(eve);
check(resp.status() === 200 && /Deployed to target web: verified \(L0, gate item .*, done: executed\)\./.test(text), `the L0 deploy is done: ${text.slice(0, 300)}`);

// --- one ID: the plan's id deploys its current certificate (to web2), as `cert deploy PLAN` does
p = await eve.request.post(`${cert(PLAN)}/deploy`, { form: { csrf: await csrfOf(eve), target: "web2" }, maxRedirects: 0 });
check(p.status() === 303 && (p.headers()["location"] || "").startsWith(`/console/tenants/acme/certificates/${FP_R}?gate=`),
  `a deploy by plan id goes back to the current certificate's page (${p.status()} ${p.headers()["location"]})`);
await eve.goto(`${URL}${p.headers()["location"]}`);
check(/Deployed to target web2: verified/.test(await main(eve)), `the plan's certificate is on web2: ${(await main(eve)).slice(0, 200)}`);

// --- renew at L2: eve opens the certificate by its plan's id, the same page as by fingerprint or
// prefix; her click makes a pending item; ada approves it
r = await eve.goto(cert(PLAN));
text = await main(eve);
check(r.status() === 200 && text.includes(FP_R), `the plan id opens its current certificate's page (${r.status()})`);
check(text.includes(PLAN) && text.includes("renew.acme.test"), "the renewal plan shows with its names");
check(text.includes(`opsgate cert renew --tenant acme ${PLAN}`) && text.includes("this is its current certificate"), "the page names the plan id the CLI takes");
check((await eve.locator("form[action$='/renew']").getAttribute("action")) === `/console/tenants/acme/certificates/${FP_R}/renew`,
  "the Renew form names the certificate by its fingerprint");
r = await eve.goto(cert(FP_R.slice(0, 12)));
check(r.status() === 200 && (await main(eve)).includes(FP_R), `a fingerprint prefix opens the same page (${r.status()})`);
await eve.goto(cert(PLAN));
check(!text.includes("Failed attempts"), "no failed attempts line for a plan that never failed");
[resp] = await Promise.all([eve.waitForNavigation(), eve.getByRole("button", { name: "Renew now" }).click()]);
text = await main(eve);
check(resp.status() === 200 && /The renewal waits for approval \(L2\): gate item/.test(text), `the renew is pending: ${text.slice(0, 300)}`);
const gRen = new globalThis.URL(eve.url()).searchParams.get("gate");
check(!!gRen, "the page names the pending item");
await inspect(eve, "certact-pending", check);
p = await eve.request.post(`${URL}/console/tenants/acme/gates/${gRen}/approve`, { form: { csrf: await csrfOf(eve) } });
check(p.status() === 403, `eve may not approve her own renewal (${p.status()})`);
const ada = await session(env("TOKEN_ADA"));
await ada.goto(`${URL}/console/tenants/acme/gates/${gRen}`);
await ada.getByLabel("Note").fill("due anyway");
[resp] = await Promise.all([ada.waitForNavigation(), ada.getByRole("button", { name: "Approve" }).click()]);
text = await main(ada);
check(resp.status() === 200 && /Approved: certs\.renew of '.*' — approved, executed/.test(text), `ada's approval ran the renewal: ${text.slice(0, 300)}`);
await ada.goto(`${cert(FP_R)}?gate=${gRen}`);
text = await main(ada);
check(/Renewed: serial \w+, expires/.test(text), `the old certificate's page says it was renewed: ${text.slice(0, 300)}`);
const newHref = await ada.getByRole("link", { name: "the new certificate" }).getAttribute("href");
check(newHref && newHref.startsWith("/console/tenants/acme/certificates/") && !newHref.endsWith(FP_R), `a link to the new certificate (${newHref})`);
r = await ada.goto(`${URL}${newHref}`);
check(r.status() === 200 && (await main(ada)).includes(PLAN), "the new certificate's page names its plan");
const FP_NEW = newHref.split("/").pop();
r = await ada.goto(cert(FP_R));
text = await main(ada);
check(text.includes(PLAN) && !text.includes("this is its current certificate") && text.includes("this one was replaced"),
  "the replaced certificate's page still names its plan, and that it was replaced");
check((await ada.getByRole("link", { name: `${FP_NEW.slice(0, 16)}…` }).count()) >= 1, "it links the plan's current certificate");
check((await ada.getByRole("button", { name: "Renew now" }).count()) === 0, "no Renew button on a replaced certificate");
r = await ada.goto(cert(PLAN));
check(r.status() === 200 && (await main(ada)).includes(FP_NEW), "the plan id now opens the new certificate");
await ada.goto(`${URL}${newHref}`);
check((await ada.getByRole("button", { name: "Renew now" }).count()) === 1, "the new certificate can be renewed by ada");

// --- an auditor: no buttons; its forged POSTs are 403 (nothing changes: the shell checks)
const aud = await session(env("TOKEN_AUD"));
for (const fp of [FP_B, newHref.split("/").pop()]) {
  r = await aud.goto(cert(fp));
  check(r.status() === 200 && (await buttons(aud)) === 0 && !(await main(aud)).includes("Renew or deploy"), `the auditor sees no button on ${fp.slice(0, 8)}`);
}
await inspect(aud, "certact-auditor", check);
const acsrf = await csrfOf(aud);
p = await aud.request.post(`${cert(FP_B)}/deploy`, { form: { csrf: acsrf, target: "web" } });
check(p.status() === 403, `the auditor's forged deploy is 403 (${p.status()})`);
p = await aud.request.post(`${URL}${newHref}/renew`, { form: { csrf: acsrf } });
check(p.status() === 403, `the auditor's forged renew is 403 (${p.status()})`);

// --- another tenant: 404 word for word like a missing certificate, for the page and the POSTs
const gus = await session(env("TOKEN_GUS"));
r = await gus.goto(cert(FP_B));
const other = await main(gus);
check(r.status() === 404, `globex's session on acme's certificate: ${r.status()}`);
r = await gus.goto(cert("0".repeat(64)));
check(r.status() === 404, `a missing certificate: ${r.status()}`);
await gus.goto(`${URL}/console`); // error pages carry no CSRF token: gus's own page does
const gcsrf = await csrfOf(gus);
p = await gus.request.post(`${cert(FP_B)}/deploy`, { form: { csrf: gcsrf, target: "web" } });
check(p.status() === 404, `globex deploying acme's certificate: ${p.status()}`);
p = await gus.request.post(`${URL}${newHref}/renew`, { form: { csrf: gcsrf } });
check(p.status() === 404, `globex renewing acme's certificate: ${p.status()}`);
r = await gus.goto(cert(APP));
check(r.status() === 404 && (await main(gus)).replace(APP, "X") === other.replace(FP_B, "X"), "acme's app credential is 404 like a certificate");

// --- the app credential: linked from the fleet, its own page
await eve.goto(`${URL}/console/certificates`);
const row = eve.getByRole("link", { name: "app 'Payroll <b>sync</b>' secret 'ci-2025'" });
check((await row.count()) === 1, "the fleet links the app credential");
[resp] = await Promise.all([eve.waitForNavigation(), row.click()]);
text = await main(eve);
check(resp.status() === 200, `the app credential's page opens (${resp.status()})`);
for (const want of ["Payroll <b>sync</b>", "app-1", "application obj-1", "secret “ci-2025”", "Xyz", "connector:11111111-2222-4333-8444-555555555555", "expiring", "acme"])
  check(text.includes(want), `the app credential's page shows '${want}'`);
check((await eve.locator("main b").count()) === 0, "the app's name is text, not markup");
check((await buttons(eve)) === 0, "an app credential has no renew or deploy button");
await inspect(eve, "certact-app", check);

await browser.close();
done(problems());
