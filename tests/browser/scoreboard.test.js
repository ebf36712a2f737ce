// The scoreboard at `/` in headless Chromium against the real binary on the bundled replay
// data: loading, league and day switches, live clocks, standings and teams, keyboard use,
// phone width, an API key's favourites and `/v1/me/games`, the security headers; and for
// every page: no request leaves loopback, no console errors.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN_TOKEN, apiCall, screenshot, usePage } from "./harness.js";

// The page makes a few calls a click; the anonymous plan's burst of 10 is tested elsewhere.
let server;
let page;
usePage({ before, after, afterEach }, {
  env: { SPORTSGATE_ADMIN_TOKEN: ADMIN_TOKEN, SPORTSGATE_ANONYMOUS_PLAN: "unlimited" },
  ready: (s) => ({ server, page } = s),
});

const cardNames = () => page.$$eval("#games .card .team .name", (els) => els.map((e) => e.firstChild.textContent));

async function open(path = "/") {
  const response = await page.goto(`${server.url}${path}`);
  assert.equal(response.status(), 200);
  return response;
}

describe("scoreboard", () => {
  test("the startup log line names the URL to open", () => {
    assert.match(server.startLine.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(server.startLine.admin, `${server.startLine.url}admin`);
  });

  test("loads with the NFL's current slate: cards with teams, scores, badges, kick-off and venue", async () => {
    const response = await open();
    const headers = response.headers();
    assert.match(headers["content-security-policy"], /default-src 'self'/);
    assert.match(headers["content-security-policy"], /script-src 'self';/);
    assert.match(headers["content-security-policy"], /frame-ancestors 'none'/);
    assert.doesNotMatch(headers["content-security-policy"], /unsafe-inline|unsafe-eval|https:|\*/);
    assert.equal(headers["x-content-type-options"], "nosniff");
    assert.equal(headers["referrer-policy"], "no-referrer");

    await page.waitForSelector("#games .card");
    assert.equal(await page.title(), "Scoreboard · sportsgate");
    assert.equal(await page.inputValue("#league"), "nfl");
    assert.equal(await page.inputValue("#date"), "2022-11-20", "the day of the slate shown");
    assert.equal(await page.locator("#games .card").count(), 14);
    const badges = await page.$$eval("#games .badge", (els) => els.map((e) => e.textContent));
    assert.equal(badges.filter((b) => b === "live").length, 8);
    assert.equal(badges.filter((b) => b === "scheduled").length, 5);
    assert.equal(badges.filter((b) => b === "final").length, 1);
    const bears = page.locator("#games .card", { hasText: "Chicago Bears" });
    await assert.doesNotReject(bears.getByText("Atlanta Falcons").waitFor());
    assert.equal(await bears.locator(".clock").textContent(), "11:50 - 2nd", "a live game shows its clock");
    assert.match(await bears.getAttribute("aria-label"), /Chicago Bears 7 at Atlanta Falcons 7, live, 11:50 - 2nd/);
    // 18:00 UTC is noon in Chicago, the browser's zone.
    assert.match(await bears.locator("time").textContent(), /12:00\s?PM CST/);
    assert.match(await bears.textContent(), /Mercedes-Benz Stadium/);
    assert.match(await page.textContent("#status"), /8 live · next refresh in \d+ s/);
    assert.match(await page.getAttribute("a[href='/docs']", "href"), /docs/);
    await screenshot(page, "scoreboard", { fullPage: true });
  });

  test("switching the league changes the games and the address", async () => {
    await open();
    await page.waitForSelector("#games .card");
    const nfl = await cardNames();
    await page.selectOption("#league", "nba");
    await page.waitForFunction(() => !document.querySelector("#games .card .name")?.textContent.includes("Bears") && document.querySelectorAll("#games .card").length === 3);
    const nba = await cardNames();
    assert.notDeepEqual(nba, nfl);
    assert.ok(nba.length === 6, `three NBA games, two teams each: ${nba}`);
    assert.match(page.url(), /league=nba/);
    assert.match(await page.textContent("#status"), /no live games, not refreshing/);
  });

  test("switching the day changes the games; a day without games says so", async () => {
    await open("/?league=nfl");
    await page.waitForSelector("#games .card");
    await page.fill("#date", "2023-10-08");
    await page.dispatchEvent("#date", "change");
    await page.waitForFunction(() => [...document.querySelectorAll("#games .badge")].every((b) => b.textContent === "scheduled") && document.querySelectorAll("#games .card").length > 0);
    assert.match(page.url(), /date=2023-10-08/);
    const names = await cardNames();
    assert.ok(!names.includes("Chicago Bears") || names.length !== 28, "a different slate");

    await page.selectOption("#league", "nba");
    await page.waitForSelector("#games .card");
    await page.fill("#date", "2026-02-18");
    await page.dispatchEvent("#date", "change");
    await page.getByText("No NBA games on 2026-02-18").waitFor();
    assert.equal(await page.locator("#games .card").count(), 0);

    await page.click("#latest");
    await page.waitForSelector("#games .card");
    assert.doesNotMatch(page.url(), /date=/);
  });

  test("standings and teams tabs, reachable by keyboard", async () => {
    await open("/?league=epl");
    await page.waitForSelector("#games .card");
    await page.focus("#tab-games");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.getAttribute("#tab-standings", "aria-selected"), "true");
    assert.equal(await page.evaluate(() => document.activeElement.id), "tab-standings");
    await page.waitForSelector("#view-standings table");
    const first = await page.textContent("#view-standings tbody tr:first-child");
    assert.match(first, /Manchester City/);
    assert.match(first, /83/);
    assert.ok(await page.isHidden("#view-games"));

    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Enter");
    assert.equal(await page.getAttribute("#tab-teams", "aria-selected"), "true");
    await page.selectOption("#league", "nfl");
    await page.waitForFunction(() => document.querySelectorAll("#view-teams li").length === 32);

    await page.click("#tab-standings");
    await page.getByText("No standings for NFL here").waitFor();
    assert.match(page.url(), /tab=standings/);
  });

  test("keyboard: every control is reachable with Tab", async () => {
    await open();
    await page.waitForSelector("#games .card");
    const reached = new Set();
    for (let i = 0; i < 20; i += 1) {
      await page.keyboard.press("Tab");
      reached.add(await page.evaluate(() => document.activeElement.id || document.activeElement.getAttribute("href")));
    }
    for (const id of ["league", "prev-day", "date", "next-day", "latest", "key", "use-key", "tab-games"]) {
      assert.ok(reached.has(id), `${id} reached by Tab: ${[...reached]}`);
    }
  });

  test("at phone width the page has no horizontal scroll", async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    try {
      for (const path of ["/", "/?league=epl&tab=standings", "/?league=nfl&tab=teams"]) {
        await open(path);
        await page.waitForSelector(".card, table, .teams-list li");
        const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        assert.ok(scroll <= width, `${path}: page ${scroll}px wide in a ${width}px window`);
      }
      await open();
      await page.waitForSelector("#games .card");
      await screenshot(page, "scoreboard-phone");
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test("a key highlights favourite teams and shows the caller's games; a wrong key is refused", async () => {
    const created = await apiCall(server, "/admin/v1/keys", { method: "POST", token: ADMIN_TOKEN, body: { name: "fan", plan: "free" } });
    assert.equal(created.status, 201);
    const key = created.data.token;
    const saved = await apiCall(server, "/v1/me/preferences", { method: "PUT", key, body: { favourite_leagues: ["nfl"], favourite_teams: [{ league: "nfl", team: "KC" }] } });
    assert.equal(saved.status, 200);

    await open();
    await page.waitForSelector("#games .card");
    await page.fill("#key", "sg_wrongwrongw_000000000000000000000000");
    await page.click("#use-key");
    await page.getByText("This key was refused").waitFor();

    await page.fill("#key", key);
    await page.press("#key", "Enter");
    await page.getByText("Using key “fan” on plan free").waitFor();
    assert.equal(await page.inputValue("#key"), "", "the key is not left in the field");
    await page.waitForSelector("#games .card.favourite");
    const favourites = await page.$$eval("#games .card.favourite", (els) => els.map((e) => e.textContent));
    assert.equal(favourites.length, 1);
    assert.match(favourites[0], /Kansas City Chiefs/);

    const mine = await apiCall(server, "/v1/me/games", { key });
    await page.waitForFunction(() => !document.querySelector("#mine-body")?.textContent.includes("Loading"));
    const text = await page.textContent("#mine-body");
    if (mine.status === 404) {
      assert.match(text, /does not offer your games/, "a missing /v1/me/games is said plainly");
    } else {
      assert.equal(mine.status, 200);
      assert.equal(await page.locator("#mine-body .notice.error").count(), 0, text);
      assert.equal(await page.locator("#mine-body .card").count(), (mine.data.games || []).length);
    }

    await page.click("#forget-key");
    await page.getByText("Key forgotten").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("sportsgate.key")), null);
  });
});
