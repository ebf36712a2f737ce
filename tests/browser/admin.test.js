// The admin dashboard at `/admin` in headless Chromium against the real binary: a wrong
// token refused, the key lifecycle (create with plan and expiry, the token shown once with
// a copy button, in the table, plan change, revoke) checked against the admin API, charts
// drawn from real traffic, and the page when the admin API is off.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN_TOKEN, apiCall, screenshot, startServer, usePage } from "./harness.js";

// The default anonymous plan (burst 10), so that traffic makes 429s to chart.
let server;
let page;
usePage({ before, after, afterEach }, {
  ready: (s) => ({ server, page } = s),
  env: { SPORTSGATE_ADMIN_TOKEN: ADMIN_TOKEN },
  permissions: ["clipboard-read", "clipboard-write"],
});

async function signIn(token) {
  await page.fill("#token", token);
  await page.click("#token-form button[type=submit]");
}

const keyRow = (id) => page.locator(`#keys tr[data-key-id="${id}"]`);

async function findKey(name) {
  const keys = await apiCall(server, "/admin/v1/keys", { token: ADMIN_TOKEN });
  return keys.data.keys.find((k) => k.name === name);
}

describe("admin dashboard", () => {
  test("serves with the strict security headers and asks for the token", async () => {
    const response = await page.goto(`${server.url}/admin`);
    assert.equal(response.status(), 200);
    const headers = response.headers();
    assert.match(headers["content-security-policy"], /default-src 'self'.*frame-ancestors 'none'/);
    assert.equal(headers["x-frame-options"], "DENY");
    assert.equal(headers["x-content-type-options"], "nosniff");
    assert.ok(await page.isVisible("#token"));
    assert.ok(await page.isHidden("#dashboard"));
  });

  test("a wrong token is refused and not kept", async () => {
    await page.goto(`${server.url}/admin`);
    await signIn("not-the-admin-token-at-all");
    await page.getByText("Wrong admin token.").waitFor();
    assert.ok(await page.isHidden("#dashboard"));
    assert.equal(await page.evaluate(() => sessionStorage.getItem("sportsgate.admin-token")), null);
  });

  test("create a key: the token is shown once, the key is listed, its plan changes, it is revoked", async () => {
    await page.goto(`${server.url}/admin`);
    await signIn(ADMIN_TOKEN);
    await page.waitForSelector("#dashboard:not(.hidden)");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("sportsgate.admin-token")), ADMIN_TOKEN);
    assert.equal(await page.evaluate(() => localStorage.length), 0, "nothing in local storage");

    await page.fill("#new-name", "mobile-app");
    await page.selectOption("#new-plan", "pro");
    await page.selectOption("#new-expiry", "30");
    await page.click("#create-form button[type=submit]");
    const tokenBox = page.locator("#new-token");
    await tokenBox.waitFor();
    const token = await tokenBox.inputValue();
    assert.match(token, /^sg_[A-Za-z0-9]{12}_[A-Za-z0-9]{24}$/);
    await page.click("#copy-token");
    await page.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);

    const key = await findKey("mobile-app");
    assert.equal(key.plan, "pro");
    const days = (new Date(key.expires_at) - Date.now()) / 86400000;
    assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`);
    const me = await apiCall(server, "/v1/me", { key: token });
    assert.equal(me.status, 200, "the shown token works");
    const row = keyRow(key.id);
    await row.waitFor();
    assert.match(await row.textContent(), /mobile-app/);
    assert.equal(await row.locator("select").inputValue(), "pro");
    assert.match(await row.textContent(), /active/);

    await page.click("#token-done");
    assert.equal(await page.locator("#new-token").count(), 0);
    await page.reload();
    await page.waitForSelector("#dashboard:not(.hidden)");
    await keyRow(key.id).waitFor();
    assert.ok(!(await page.content()).includes(token), "the token is never shown again");

    await keyRow(key.id).locator("select").selectOption("free");
    await page.getByText("Key “mobile-app” is now on plan free.").waitFor();
    assert.equal((await findKey("mobile-app")).plan, "free");

    const revoke = keyRow(key.id).getByRole("button", { name: "Revoke key mobile-app" });
    await revoke.click();
    assert.equal(await revoke.textContent(), "Confirm revoke", "one click does not revoke");
    assert.equal((await findKey("mobile-app")).revoked_at, null);
    await revoke.click();
    await page.getByText("Key “mobile-app” is revoked.").waitFor();
    await keyRow(key.id).getByText("revoked").waitFor();
    assert.ok((await findKey("mobile-app")).revoked_at);
    assert.equal((await apiCall(server, "/v1/me", { key: token })).status, 401, "the revoked token is refused");
  });

  test("charts show the traffic: requests per day per key, 429s by plan, cache hits, upstream calls", async () => {
    const created = await apiCall(server, "/admin/v1/keys", { method: "POST", token: ADMIN_TOKEN, body: { name: "scoreboard-tv", plan: "pro" } });
    const key = created.data.token;
    for (let i = 0; i < 6; i += 1) {
      assert.equal((await apiCall(server, "/v1/leagues/nfl/games", { key })).status, 200);
    }
    let throttled = 0;
    for (let i = 0; i < 16; i += 1) {
      if ((await apiCall(server, "/v1/leagues")).status === 429) throttled += 1;
    }
    assert.ok(throttled > 0, "the anonymous burst was exceeded");

    await page.goto(`${server.url}/admin`);
    await page.waitForSelector("#dashboard:not(.hidden)");
    await page.click("#refresh");
    const requests = page.locator("#chart-requests");
    await requests.locator("svg rect").first().waitFor();
    assert.match(await requests.locator(".legend").textContent(), /scoreboard-tv/);
    assert.match(await requests.locator(".legend").textContent(), /anonymous/);
    const tvBars = await requests.locator("svg rect title").allTextContents();
    assert.ok(tvBars.some((t) => /^scoreboard-tv, \d\d-\d\d: 6$/.test(t)), `a bar of 6 requests: ${tvBars}`);

    const rejections = await page.locator("#chart-429 svg rect title").allTextContents();
    assert.ok(rejections.includes(`anonymous, rate or burst: ${throttled}`), `${rejections}`);

    const cache = page.locator("#chart-cache");
    assert.match(await cache.locator("svg").getAttribute("aria-label"), /Cache hit ratio \d+ %/);
    assert.match(await cache.locator("svg").textContent(), /hit: [1-9]/);

    const upstream = await page.locator("#chart-upstream svg rect title").allTextContents();
    assert.ok(upstream.some((t) => /^replay, ok: [1-9]/.test(t)), `${upstream}`);
    assert.match(await page.textContent("#chart-upstream"), /SerpApi is not in use/);

    await screenshot(page, "admin", { fullPage: true });

    await page.setViewportSize({ width: 360, height: 780 });
    try {
      await page.waitForTimeout(200);
      const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(scroll <= width, `the dashboard is ${scroll}px wide in a ${width}px window`);
      await screenshot(page, "admin-phone", { fullPage: true });
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test("signing out forgets the token", async () => {
    await page.goto(`${server.url}/admin`);
    await page.waitForSelector("#dashboard:not(.hidden)");
    await page.click("#signout");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("sportsgate.admin-token")), null);
    await page.reload();
    assert.ok(await page.isHidden("#dashboard"));
  });

  test("without an admin token configured the page says the admin API is off", async () => {
    const plain = await startServer();
    try {
      await page.goto(`${plain.url}/admin`);
      await signIn(ADMIN_TOKEN);
      await page.getByText("The admin API is off on this server").waitFor();
      assert.ok(await page.isHidden("#dashboard"));
    } finally {
      await plain.stop();
    }
  });
});
