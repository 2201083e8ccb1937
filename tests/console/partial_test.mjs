// partial_test.mjs - htmx partial updates, as a person feels them (tests/integration/
// test_console_partial.sh makes the fixtures): an inbox decision swaps the item's card in place
// without a navigation, a refused one says why in the card; the audit page's filter and paging
// swap the table with the address in step; artifact search results swap in; without JavaScript the
// same forms work as plain pages; no CSP violation, no script error.
import { env, checker, launch, newContext, signIn, mark, kept, inspect } from "./common.mjs";

const { check, done } = checker();
const URL0 = env("OG_URL");
const browser = await launch();
const problems = [];

// --- eve, the requester: her approval is refused; the card says why and stays open
{
  const ctx = await newContext(browser);
  const p = await ctx.newPage();
  await signIn(p, env("TOKEN_EVE"));
  await p.goto(`${URL0}/console/inbox`);
  await mark(p);
  const card = p.locator(`#g-${env("G3")}`);
  await card.getByRole("button", { name: "Approve" }).click();
  await card.locator(".hx-error").waitFor({ timeout: 5000 }).catch(() => {});
  const msg = (await card.locator(".hx-error").count()) ? await card.locator(".hx-error").innerText() : "";
  check(msg.length > 0, "a refused decision says why in the card");
  check(await kept(p), "... without a navigation");
  check(await card.getByRole("button", { name: "Approve" }).count() === 1, "... and the card stays open");
  // htmx logs the refusal it was told to expect; anything else the browser reports is a problem
  problems.push(...ctx.problems.filter((m) => !/htmx:responseError|Response Status Error Code 403/.test(m)));
  await ctx.close();
}

// --- ada: decide in place, filter and page the audit table, search
const ctx = await newContext(browser);
const p = await ctx.newPage();
await signIn(p, env("TOKEN_ADA"));
await p.goto(`${URL0}/console/inbox`);
await mark(p);
const before = p.url();
const c1 = p.locator(`#g-${env("G1")}`);
await c1.getByLabel(/Note/).fill("fine by me");
await c1.getByRole("button", { name: "Approve" }).click();
await p.locator(`#g-${env("G1")}.decided`).waitFor({ timeout: 5000 }).catch(() => {});
check(await p.locator(`#g-${env("G1")}.decided`).count() === 1, "the decided card is swapped in place");
check(/Approved/.test(await p.locator(`#g-${env("G1")}`).innerText()), "... saying what happened");
check(await kept(p), "... without a full navigation");
check(p.url() === before, `... the address unchanged (${p.url()})`);
check(await p.locator(`#g-${env("G2")} button`).count() > 0, "the other cards stay as they were");
await inspect(p, "partial-inbox", check);

await p.goto(`${URL0}/console/tenants/acme/audit?limit=3`);
await mark(p);
await p.getByLabel("Action").fill("user.add");
await p.getByRole("button", { name: "Filter" }).click();
await p.waitForURL(/action=user\.add/, { timeout: 5000 }).catch(() => {});
check(/action=user\.add/.test(p.url()), `the filter keeps the address in step (${p.url()})`);
const actions = await p.locator("table.audit tbody td:nth-child(4) code").allInnerTexts();
check(actions.length > 0 && actions.every((a) => a === "user.add"), `the table is swapped: ${actions.join(",")}`);
check(await kept(p), "... without a full navigation");
await p.goto(`${URL0}/console/tenants/acme/audit?limit=3`);
await mark(p);
const top = Number(await p.locator("table.audit tbody td.num").first().innerText());
await p.getByRole("link", { name: "Older records" }).click();
await p.waitForURL(/before=/, { timeout: 5000 }).catch(() => {});
check(/before=\d+/.test(p.url()), `"Older records" keeps the address in step (${p.url()})`);
const next = Number(await p.locator("table.audit tbody td.num").first().innerText());
check(next < top, `the older page is swapped in (${next} < ${top})`);
check(await kept(p), "... without a full navigation");
await p.goBack();
await p.waitForURL((u) => !/before=/.test(String(u)), { timeout: 5000 }).catch(() => {});
check(!/before=/.test(p.url()), "back goes to the newest page's address");

await p.goto(`${URL0}/console/tenants/acme/search`);
await mark(p);
await p.getByLabel("Words").fill("firewall");
await p.getByRole("button", { name: "Search" }).click();
await p.locator("#search-results ol.results li").first().waitFor({ timeout: 5000 }).catch(() => {});
check(/SOW v2/.test(await p.locator("#search-results").innerText()), "search results are swapped in");
check(/q=firewall/.test(p.url()), `... the address in step (${p.url()})`);
check(await kept(p), "... without a full navigation");
await inspect(p, "partial-search", check);
problems.push(...ctx.problems);

// --- without JavaScript: the same forms as plain pages
{
  const nojs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
  const q = await nojs.newPage();
  await signIn(q, env("TOKEN_ADA"));
  await q.goto(`${URL0}/console/inbox`);
  await q.locator(`#g-${env("G2")}`).getByRole("button", { name: "Approve" }).click();
  await q.waitForLoadState();
  check(/\/console\/inbox\?decided=/.test(q.url()), `without JavaScript a decision posts and comes back (${q.url()})`);
  check(/Approved/.test(await q.locator(".flash").innerText()), "... with the line saying what happened");
  await q.goto(`${URL0}/console/tenants/acme/audit?limit=3`);
  await q.getByLabel("Action").fill("user.add");
  await q.getByRole("button", { name: "Filter" }).click();
  await q.waitForLoadState();
  check(/action=user\.add/.test(q.url()), "without JavaScript the filter is a plain GET");
  await nojs.close();
}

await browser.close();
done(problems);
