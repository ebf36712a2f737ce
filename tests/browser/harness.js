// Test harness: the real `sportsgate` binary on a random loopback port, a local ESPN stand-in
// serving recorded payloads, and headless Chromium (Debian's, driven by playwright-core)
// that may reach nothing but loopback and whose console must stay free of errors.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, "../..");
export const OUTPUT = join(here, "output");
export const BINARY = process.env.SPORTSGATE_BIN || join(ROOT, "target/debug/sportsgate");
export const ADMIN_TOKEN = "browser-test-admin-token-0001";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Starts `sportsgate serve` (replay data unless `env` says otherwise); resolves once it logs its URL. */
export async function startServer(env = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sportsgate-browser-"));
  const child = spawn(BINARY, ["serve"], {
    env: {
      PATH: process.env.PATH,
      SPORTSGATE_LISTEN: "127.0.0.1:0",
      SPORTSGATE_PROVIDER: "replay",
      SPORTSGATE_DATABASE_URL: `sqlite://${join(dir, "sportsgate.db")}`,
      SPORTSGATE_LOG_FORMAT: "json",
      RUST_LOG: "warn,sportsgate::cli=info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = [];
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const listening = new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line in 15 s; stderr: ${stderr}`)), 15000);
    child.on("exit", (code) => reject(new Error(`sportsgate exited with ${code}: ${stderr} ${lines.join("\n")}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.message === "listening") {
          clearTimeout(timer);
          resolveUrl(entry);
        }
      } catch { /* not JSON: kept in lines */ }
    });
  });
  const started = await listening;
  return {
    url: started.url.replace(/\/$/, ""),
    startLine: started,
    lines,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A stand-in for ESPN on loopback: `routes` maps a path to a fixture under
 * tests/data/upstream; `failing` makes every answer a 500 (an upstream outage).
 */
export async function startEspnMock(routes) {
  const mock = { failing: false, hits: 0 };
  const server = createServer((req, res) => {
    mock.hits += 1;
    const path = new URL(req.url, "http://x").pathname;
    const fixture = routes[path];
    if (mock.failing || !fixture) {
      res.writeHead(mock.failing ? 500 : 404, { "content-type": "application/json" });
      res.end("{}");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(readFileSync(join(ROOT, "tests/data/upstream", fixture)));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  mock.url = `http://127.0.0.1:${server.address().port}`;
  mock.stop = () => new Promise((r) => server.close(r));
  return mock;
}

/**
 * Headless Chromium with a fresh profile. Every request that is not for loopback is
 * recorded and aborted; console errors and uncaught page errors are recorded.
 * `problems()` lists what a test must find empty.
 */
export async function startBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "sportsgate-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
      "--no-first-run", "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
    timezoneId: "America/Chicago",
    locale: "en-US",
  });
  const external = [];
  const errors = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || LOOPBACK.has(url.hostname)) return route.continue();
    external.push(url.href);
    return route.abort();
  });
  const watch = (page) => {
    page.on("pageerror", (err) => errors.push(`uncaught: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      // An API answer the page handles (401, 404, 429, 502…) is logged by Chromium as a
      // failed resource; anything else (a script error, a CSP violation, a missing asset)
      // is a defect.
      const source = msg.location()?.url || "";
      const handledApiAnswer = /Failed to load resource: the server responded with a status of/.test(msg.text()) &&
        /\/(v1|admin\/v1)\//.test(source);
      if (!handledApiAnswer) errors.push(`console: ${msg.text()} (${source})`);
    });
  };
  context.on("page", watch);
  context.pages().forEach(watch);
  return {
    context,
    async page() {
      const page = context.pages()[0] ?? (await context.newPage());
      return page;
    },
    problems: () => ({ external: [...external], errors: [...errors] }),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot under tests/browser/output/ (git-ignored). */
export async function screenshot(page, name, options = {}) {
  mkdirSync(OUTPUT, { recursive: true });
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path, ...options });
  return path;
}

/** A call to the server's API from the test itself (setup and checks), not from the page. */
export async function apiCall(server, path, { method = "GET", token, key, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (key) headers["x-api-key"] = key;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = null;
  try { data = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, headers: response.headers, data };
}

/**
 * Registers the hooks every test file shares: a server (started with `env`, after `setup`
 * when given, e.g. a mock upstream), a browser and its page; after each test, nothing may have
 * left loopback and the console must be clean. `ready(session)` is called once all is up.
 */
export function usePage(hooks, { env = {}, setup, teardown, permissions = [], ready } = {}) {
  const { before, after, afterEach } = hooks;
  const session = {};
  before(async () => {
    const extra = setup ? await setup(session) : {};
    session.server = await startServer({ ...env, ...extra });
    session.browser = await startBrowser();
    if (permissions.length) await session.browser.context.grantPermissions(permissions, { origin: session.server.url });
    session.page = await session.browser.page();
    ready?.(session);
  });
  after(async () => {
    await session.browser?.close();
    await session.server?.stop();
    if (teardown) await teardown(session);
  });
  afterEach(() => {
    if (!session.browser) return;
    const { external, errors } = session.browser.problems();
    if (external.length || errors.length) {
      throw new Error(`requests left loopback: ${JSON.stringify(external)}; console errors: ${JSON.stringify(errors)}`);
    }
  });
  return session;
}
