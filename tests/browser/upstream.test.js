// The scoreboard against a local ESPN stand-in, to drive what recorded files cannot: live
// games refreshed when their cached answer expires (and not sooner), an upstream outage
// answered with the stale notice while the games stay on screen, and a clear error when
// nothing is cached.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { screenshot, startEspnMock, usePage } from "./harness.js";

const NFL = "/apis/site/v2/sports/football/nfl/scoreboard";
const LIVE_TTL_S = 3;

let espn;
let server;
let page;
usePage({ before, after, afterEach }, {
  ready: (s) => ({ server, page } = s),
  env: {
    SPORTSGATE_PROVIDER: "espn",
    SPORTSGATE_TTL_LIVE: `${LIVE_TTL_S}s`,
    SPORTSGATE_STALE_WHILE_REVALIDATE: "1s",
    SPORTSGATE_UPSTREAM_RETRIES: "0",
    SPORTSGATE_ANONYMOUS_PLAN: "unlimited",
  },
  setup: async () => {
    espn = await startEspnMock({ [NFL]: "espn/nfl-scoreboard-week11-live-scheduled-final-2022-11-20.json" });
    return { SPORTSGATE_ESPN_URL: espn.url };
  },
  teardown: () => espn?.stop(),
});

describe("live games and upstream trouble", () => {
  test("live games show their clock and refresh when the cache lifetime ends, not sooner", async () => {
    const calls = [];
    const count = (request) => {
      if (new URL(request.url()).pathname === "/v1/leagues/nfl/games") calls.push(Date.now());
    };
    page.on("request", count);
    await page.goto(`${server.url}/?league=nfl`);
    await page.waitForSelector("#games .card");
    assert.equal(await page.locator("#games .card", { hasText: "Chicago Bears" }).locator(".clock").textContent(), "11:50 - 2nd");
    assert.match(await page.textContent("#status"), new RegExp(`8 live · next refresh in [1-${LIVE_TTL_S}] s`));
    await page.waitForTimeout(LIVE_TTL_S * 1000 * 2 + 1500);
    page.off("request", count);
    const refreshes = calls.length - 1;
    assert.ok(refreshes >= 1 && refreshes <= 3, `${refreshes} refreshes in ${LIVE_TTL_S * 2 + 1.5} s with a ${LIVE_TTL_S} s lifetime`);
    for (let i = 1; i < calls.length; i += 1) {
      assert.ok(calls[i] - calls[i - 1] >= 1900, `refreshes ${calls[i] - calls[i - 1]} ms apart`);
    }
    assert.ok(espn.hits <= calls.length, `upstream asked ${espn.hits} times for ${calls.length} page calls`);
  });

  test("when the upstream fails the games stay and the stale notice says so", async () => {
    await page.goto(`${server.url}/?league=nfl`);
    await page.waitForSelector("#games .card");
    espn.failing = true;
    try {
      const stale = page.locator(".notice.stale");
      await stale.waitFor({ timeout: 15000 });
      assert.match(await stale.textContent(), /The data source is not answering\. Showing the last data we have, fetched/);
      assert.equal(await page.locator("#games .card").count(), 14, "the games are still shown");
      assert.match(await page.textContent("#status"), /next refresh in (2\d|30) s/, "it backs off while the upstream fails");
      await screenshot(page, "scoreboard-stale");
    } finally {
      espn.failing = false;
    }
  });

  test("with nothing cached an upstream failure is a clear error with a retry, not a blank page", async () => {
    espn.failing = true;
    try {
      await page.goto(`${server.url}/?league=nba`);
      const error = page.locator("#view-games .notice.error");
      await error.waitFor();
      assert.match(await error.textContent(), /Bad gateway|upstream|502/i);
      assert.doesNotMatch(await error.textContent(), new RegExp(espn.url.replace(/[.]/g, "\\.")), "no upstream URL shown");
      await page.click("#view-games .notice.error button");
      await error.waitFor();
      assert.match(await page.textContent("#status"), /Could not load the games/);
    } finally {
      espn.failing = false;
    }
  });
});
