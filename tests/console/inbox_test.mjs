// inbox_test.mjs - the console's inbox in a real browser (started by
// tests/integration/test_console_inbox.sh, which made the gate items with the CLI and passes them
// in the environment): separation of duties refused on the page, an L2 approval, an L1
// acknowledgement and override, an L3 task done, bad input refused, another tenant's item 404.
// Each check prints "FAIL: ..." when it fails; exit 1 on any.
//
// Environment: OG_URL, TOKEN_PAM (acme project-manager, the publish's requester), TOKEN_ADA (acme
// tenant-admin), TOKEN_ED (acme engineer, the platform area's assignee), TOKEN_GUS (globex
// tenant-admin), TOKEN_PA (platform-admin), G_PUB (the L2 publish), G_ACK and G_OVR (L1 reviews),
// G_TASK (an L3 task), OUT (screenshots), CHROMIUM.
import { env, checker, launch, people, inspect as inspectWith } from "./common.mjs";

const URL = env("OG_URL"), OUT = env("OUT");
const G_PUB = env("G_PUB"), G_ACK = env("G_ACK"), G_OVR = env("G_OVR"), G_TASK = env("G_TASK");
const G_DEP = env("G_DEP"), FP_B = env("FP_B");
const MISSING = "00000000-0000-4000-8000-000000000000";
const { check, done } = checker();
const browser = await launch();
const { session, problems } = people(browser);
const inspect = (page, name) => inspectWith(page, `inbox-${name}`, check);
// Click a decision button on an inbox card and return the decision's status. htmx posts it and
// swaps the item's card in place (the flash line in it) or puts a refusal's reason at its top
// (tests/console/partial_test.mjs checks that no navigation happens).
async function decide(page, item, label, note) {
  const card = page.locator(`#g-${item}`);
  if (note !== undefined) await card.getByLabel("Note").fill(note);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes(`/gates/${item}/`)),
    card.getByRole("button", { name: label }).click()]);
  await page.locator(`#g-${item} .flash`).first().waitFor({ timeout: 5000 }).catch(() => {});
  return resp.status();
}
let r0;
const main = async (page) => (await page.locator("main").innerText()).trim();

// --- pam requested the publish: her approval is refused with the library's message, 403
const pam = await session(env("TOKEN_PAM"));
await pam.goto(`${URL}/console/inbox`);
check(await pam.getByRole("link", { name: "Inbox" }).getAttribute("aria-current") === "page", "the nav marks the inbox");
let text = await main(pam);
for (const want of ["Approvals (L2)", "artifacts.publish.sow", "SOW v2", "user:pam", "fw", "acme"])
  check(text.includes(want), `pam's inbox shows '${want}'`);
await inspect(pam, "pam");
let status = await decide(pam, G_PUB, "Approve");
text = await main(pam);
check(status === 403, `pam's own approval answers 403 (got ${status})`);
check(/separation of duties/.test(text), `the refusal says why: ${text.slice(0, 200)}`);
await inspect(pam, "refused");

// --- ada approves it from the item's page: published, the flash says so
const ada = await session(env("TOKEN_ADA"));
await ada.goto(`${URL}/console/tenants/acme/gates/${G_PUB}`);
text = await main(ada);
for (const want of ["SOW v2", "artifacts.publish.sow", "user:pam", "Still open"])
  check(text.includes(want), `the item page shows '${want}'`);
await inspect(ada, "item");
const [r1] = await Promise.all([ada.waitForNavigation(),
  (async () => { await ada.getByLabel("Note").fill("scope checked"); await ada.getByRole("button", { name: "Approve" }).click(); })()]);
check(r1.status() === 200 && ada.url().includes("/console/inbox?decided="), `approval lands on the inbox (${r1.status()} ${ada.url()})`);
text = await main(ada);
check(/Approved: artifacts\.publish\.sow of 'SOW v2' — approved, executed/.test(text), `the flash says what happened: ${text.slice(0, 300)}`);
check((await ada.locator(`#g-${G_PUB}`).count()) === 0, "the approved item left the inbox");
await inspect(ada, "approved");

// --- ed: the reviews and the task
const ed = await session(env("TOKEN_ED"));
await ed.goto(`${URL}/console/inbox`);
text = await main(ed);
check(text.includes("Reviews (L1)") && (await ed.locator(`#g-${G_ACK}`).count()) === 1 &&
      (await ed.locator(`#g-${G_OVR}`).count()) === 1 && (await ed.locator(`#g-${G_TASK}`).count()) === 1,
      "ed sees both reviews and the task");
await inspect(ed, "reviews");
status = await decide(ed, G_OVR, "Override (roll back)", "");
check(status === 400 && /needs a note/.test(await main(ed)), `an override without a note is refused (${status})`);
await ed.goto(`${URL}/console/inbox`);
check((await ed.locator(`#g-${G_OVR}`).count()) === 1, "the refused override changed nothing");
const csrf = await ed.locator('input[name="csrf"]').first().inputValue();
const bogus = await ed.request.post(`${URL}/console/tenants/acme/gates/${G_TASK}/approve-all`, { form: { csrf } });
check(bogus.status() === 400 && /unknown decision/.test(await bogus.text()), `an unknown decision is 400 (${bogus.status()})`);
const wrong = await ed.request.post(`${URL}/console/tenants/acme/gates/${G_TASK}/approve`, { form: { csrf } });
check(wrong.status() === 409, `approve on an L3 task is a conflict (${wrong.status()})`);
status = await decide(ed, G_OVR, "Override (roll back)", "wrong text");
text = await main(ed);
check(status === 200 && /Overridden: platform\.note of '.*' — overridden/.test(text), `the override's flash: ${text.slice(0, 200)}`);
const nocsrf = await ed.request.post(`${URL}/console/tenants/acme/gates/${G_ACK}/ack`, { form: { note: "x" } });
check(nocsrf.status() === 403, `a decision without the CSRF token is 403 (${nocsrf.status()})`);
const long = await ed.request.post(`${URL}/console/tenants/acme/gates/${G_ACK}/ack`, { form: { csrf, note: "x".repeat(5000) } });
check(long.status() === 400 && /too long/.test(await long.text()), `a note past 4096 bytes is 400 (${long.status()})`);
// escalated by ed, the review is a tenant-admin's: ed's acknowledgement is refused, ada's taken
status = await decide(ed, G_ACK, "Escalate", "not sure");
check(status === 200 && /Escalated: platform\.note/.test(await main(ed)), `the escalation's flash: ${(await main(ed)).slice(0, 200)}`);
check((await ed.locator(`#g-${G_ACK}`).getByRole("button", { name: "Escalate" }).count()) === 0, "an escalated review offers no second escalation");
status = await decide(ed, G_ACK, "Acknowledge");
check(status === 403 && /escalated/.test(await main(ed)), `ed's acknowledgement of an escalated review is 403 (${status})`);
await ed.goto(`${URL}/console/inbox`);
await ada.goto(`${URL}/console/inbox`);
status = await decide(ada, G_ACK, "Acknowledge", "fine after all");
check(status === 200 && /Acknowledged: platform\.note/.test(await main(ada)), "the acknowledgement's flash");
// the L1 deploy of b: its card links b's certificate page; the override rolls it back
const certLink = ed.locator(`#g-${G_DEP}`).getByRole("link", { name: "the certificate's page" });
check((await certLink.getAttribute("href")) === `/console/tenants/acme/certificates/${FP_B}`, "the deploy links its certificate");
status = await decide(ed, G_DEP, "Override (roll back)", "b breaks the shop");
check(status === 200 && /Overridden: certs\.deploy of '.*' — overridden/.test(await main(ed)), `the deploy override's flash: ${(await main(ed)).slice(0, 200)}`);
r0 = await ed.goto(`${URL}/console/tenants/acme/certificates/${FP_B}`);
check(r0.status() === 200, `the linked certificate page opens (${r0.status()})`);
await ed.goto(`${URL}/console/inbox`);
status = await decide(ed, G_TASK, "Mark done", "written by hand");
text = await main(ed);
check(status === 200 && /Marked done: platform\.note/.test(text), `the task's flash: ${text.slice(0, 200)}`);
await ed.goto(`${URL}/console/inbox`); // the decisions were made in place: the inbox anew
text = await main(ed);
check(/Nothing waits for a review/.test(text) && /No task waits/.test(text), "ed's inbox is empty now");
await inspect(ed, "done");

// --- another tenant: acme's item is 404, word for word like a missing one
const gus = await session(env("TOKEN_GUS"));
let r = await gus.goto(`${URL}/console/tenants/acme/gates/${G_PUB}`);
const other = await main(gus);
check(r.status() === 404, `globex's session on acme's item: ${r.status()}`);
r = await gus.goto(`${URL}/console/tenants/acme/gates/${MISSING}`);
check(r.status() === 404 && (await main(gus)) === other, "the same answer as a missing item");
r = await gus.goto(`${URL}/console/tenants/globex/gates/${G_PUB}`);
check(r.status() === 404 && (await main(gus)) === other, "acme's item under globex's name is 404 too");
await gus.goto(`${URL}/console`); // error pages carry no CSRF token: take gus's from a page of his own
const csrf2 = await gus.locator('input[name="csrf"]').first().inputValue();
const cross = await gus.request.post(`${URL}/console/tenants/acme/gates/${G_TASK}/done`, { form: { csrf: csrf2 } });
check(cross.status() === 404, `globex deciding acme's item: ${cross.status()}`);
r = await gus.goto(`${URL}/console/inbox?tenant=acme`);
check(r.status() === 404, `globex's inbox for acme: ${r.status()}`);

// --- the platform-admin sees every tenant's items
const pa = await session(env("TOKEN_PA"));
await pa.goto(`${URL}/console/inbox`);
text = await main(pa);
check(/of every tenant/.test(text), "the platform-admin's inbox spans the tenants");
await pa.goto(`${URL}/console/inbox?tenant=globex`);
check(/of globex: 0 approval/.test(await main(pa)), "the tenant switcher narrows it");
await inspect(pa, "platform");

await browser.close();
done(problems());
