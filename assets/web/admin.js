// The admin dashboard at `/admin`: the admin token typed in (kept in session storage only),
// keys (create with plan and expiry, the token shown once with a copy button, plan change,
// revoke), plans, and usage charts from `/admin/v1/stats`. Only the admin API is used.
import { api, el, fill, fmt, notice, problemText } from "/assets/common.js";
import { PALETTE, figure, horizontalBars, meter, ring, stackedBars } from "/assets/charts.js";

const TOKEN_STORAGE = "sportsgate.admin-token";
const STATS_EVERY_MS = 30000;
const MAX_SERIES = 8;

const $ = (id) => document.getElementById(id);
const state = { token: null, keys: [], plans: [], anonymousPlan: null, timer: null };

const call = (path, options = {}) => api(path, { ...options, token: state.token });

// ---- Sign in ----

async function signIn(token, { quiet = false } = {}) {
  const status = $("signin-status");
  if (!quiet) fill(status, notice("info", "Checking the token…"));
  const result = await api("/admin/v1/keys", { token });
  if (!result.ok) {
    sessionStorage.removeItem(TOKEN_STORAGE);
    const text = result.status === 401 ? "Wrong admin token." :
      result.status === 404 ? "The admin API is off on this server: start it with SPORTSGATE_ADMIN_TOKEN set." :
        problemText(result);
    fill(status, notice("error", text));
    return;
  }
  state.token = token;
  sessionStorage.setItem(TOKEN_STORAGE, token);
  $("token").value = "";
  fill(status);
  $("signin").classList.add("hidden");
  $("dashboard").classList.remove("hidden");
  state.keys = result.data.keys;
  await loadPlans();
  renderKeys();
  await loadStats();
}

function signOut() {
  clearTimeout(state.timer);
  state.token = null;
  sessionStorage.removeItem(TOKEN_STORAGE);
  fill($("created"));
  $("dashboard").classList.add("hidden");
  $("signin").classList.remove("hidden");
  fill($("signin-status"), notice("info", "Signed out."));
  $("token").focus();
}

/** A 401 mid-session (the token was changed on the server): back to the sign-in form. */
function expired(result) {
  if (result.status !== 401) return false;
  signOut();
  fill($("signin-status"), notice("error", "The admin token is no longer accepted."));
  return true;
}

// ---- Keys ----

function keyStatus(key) {
  if (key.revoked_at) return ["revoked", "other"];
  if (key.expires_at && new Date(key.expires_at) <= new Date()) return ["expired", "other"];
  return ["active", "scheduled"];
}

function planSelect(key) {
  const select = el("select", { "aria-label": `Plan of key ${key.name}`, disabled: Boolean(key.revoked_at) },
    state.plans.map((p) => el("option", { value: p.name, selected: p.name === key.plan }, p.name)));
  select.addEventListener("change", async () => {
    const result = await call(`/admin/v1/keys/${key.id}`, { method: "PATCH", body: { plan: select.value } });
    if (expired(result)) return;
    if (!result.ok) {
      select.value = key.plan;
      fill($("keys-status"), notice("error", problemText(result)));
      return;
    }
    key.plan = result.data.plan;
    fill($("keys-status"), notice("ok", `Key “${key.name}” is now on plan ${key.plan}.`));
    renderPlans();
  });
  return select;
}

function revokeButton(key) {
  const button = el("button", { type: "button", class: "danger", disabled: Boolean(key.revoked_at), "aria-label": `Revoke key ${key.name}` }, "Revoke");
  let armed = null;
  button.addEventListener("click", async () => {
    if (!armed) {
      // Two steps instead of a dialog: the second click within 5 s revokes.
      button.textContent = "Confirm revoke";
      armed = setTimeout(() => { armed = null; button.textContent = "Revoke"; }, 5000);
      return;
    }
    clearTimeout(armed);
    button.disabled = true;
    const result = await call(`/admin/v1/keys/${key.id}`, { method: "DELETE" });
    if (expired(result)) return;
    if (!result.ok) {
      fill($("keys-status"), notice("error", problemText(result)));
      button.disabled = false;
      return;
    }
    fill($("keys-status"), notice("ok", `Key “${key.name}” is revoked.`));
    await loadKeys();
  });
  return button;
}

function renderKeys() {
  const body = $("keys").querySelector("tbody");
  if (!state.keys.length) {
    fill(body, el("tr", {}, el("td", { colspan: 8 }, "No keys yet: create one above.")));
    return;
  }
  fill(body, state.keys.map((key) => {
    const [status, kind] = keyStatus(key);
    return el("tr", { "data-key-id": key.id },
      el("th", { scope: "row" }, key.name),
      el("td", {}, el("code", {}, key.id)),
      el("td", {}, planSelect(key)),
      el("td", {}, el("span", { class: `badge ${kind}` }, status)),
      el("td", {}, fmt.dateTime(key.created_at)),
      el("td", {}, fmt.dateTime(key.last_used_at)),
      el("td", {}, key.expires_at ? fmt.dateTime(key.expires_at) : "never"),
      el("td", {}, el("div", { class: "row-actions" }, revokeButton(key))));
  }));
}

async function loadKeys() {
  const result = await call("/admin/v1/keys");
  if (expired(result)) return;
  if (!result.ok) {
    fill($("keys-status"), notice("error", problemText(result)));
    return;
  }
  state.keys = result.data.keys;
  renderKeys();
  renderPlans();
}

function showCreated(created) {
  const input = el("input", { readonly: true, value: created.token, "aria-label": "The new key's token", id: "new-token", size: 44 });
  const copy = el("button", { type: "button", class: "primary", id: "copy-token" }, "Copy");
  copy.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(created.token);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select and copy it by hand";
    }
  });
  const done = el("button", { type: "button", id: "token-done" }, "Done");
  done.addEventListener("click", () => fill($("created")));
  fill($("created"), notice("ok",
    el("p", {}, el("strong", {}, `Key “${created.key.name}” created on plan ${created.key.plan}. `),
      "Copy its token now: it is shown only this once and cannot be recovered."),
    el("div", { class: "secret" }, input, copy, done)));
  input.focus();
  input.select();
}

async function createKey(event) {
  event.preventDefault();
  const form = event.target;
  const body = { name: form.name.value.trim(), plan: form.plan.value };
  const days = Number(form.expiry.value);
  if (days) body.expires_at = new Date(Date.now() + days * 86400000).toISOString();
  const result = await call("/admin/v1/keys", { method: "POST", body });
  if (expired(result)) return;
  if (!result.ok) {
    fill($("created"), notice("error", problemText(result)));
    return;
  }
  form.reset();
  form.plan.value = state.plans.some((p) => p.name === "free") ? "free" : state.plans[0]?.name;
  showCreated(result.data);
  await loadKeys();
}

// ---- Plans ----

async function loadPlans() {
  const result = await call("/admin/v1/plans");
  if (!result.ok) return;
  state.plans = result.data.plans;
  state.anonymousPlan = result.data.anonymous_plan;
  fill($("new-plan"), state.plans.map((p) => el("option", { value: p.name, selected: p.name === "free" }, p.name)));
  renderPlans();
}

function renderPlans() {
  fill($("plans").querySelector("tbody"), state.plans.map((p) => {
    const keys = state.keys.filter((k) => k.plan === p.name && !k.revoked_at).length;
    const users = [keys ? `${keys} key${keys > 1 ? "s" : ""}` : null, p.name === state.anonymousPlan ? "anonymous callers" : null].filter(Boolean).join(", ");
    return el("tr", {},
      el("th", { scope: "row" }, p.name),
      el("td", {}, p.rate ?? "unmetered"),
      el("td", { class: "num" }, p.rate ? p.burst : "–"),
      el("td", {}, p.quota ?? "none"),
      el("td", {}, users || "–"));
  }));
}

// ---- Usage charts ----

function days(from, to) {
  const out = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

function subjectName(subject) {
  if (subject === "anonymous") return "anonymous";
  const id = subject.replace(/^key:/, "");
  const key = state.keys.find((k) => k.id === id);
  return key ? key.name : id;
}

function requestsChart(stats) {
  const categories = days(stats.from, stats.to);
  const bySubject = new Map();
  for (const row of stats.requests_per_day) {
    if (!bySubject.has(row.subject)) bySubject.set(row.subject, new Array(categories.length).fill(0));
    const i = categories.indexOf(row.day);
    if (i >= 0) bySubject.get(row.subject)[i] += row.count;
  }
  const ranked = [...bySubject.entries()].sort((a, b) => b[1].reduce((s, v) => s + v, 0) - a[1].reduce((s, v) => s + v, 0));
  const series = ranked.slice(0, MAX_SERIES).map(([subject, values], i) => ({ name: subjectName(subject), values, color: PALETTE[i] }));
  if (ranked.length > MAX_SERIES) {
    const rest = ranked.slice(MAX_SERIES).reduce((acc, [, v]) => acc.map((x, i) => x + v[i]), new Array(categories.length).fill(0));
    series.push({ name: "other keys", values: rest, color: PALETTE[8] });
  }
  const total = series.reduce((s, x) => s + x.values.reduce((a, b) => a + b, 0), 0);
  return figure("chart-requests", "Requests per day per key", `UTC days, ${stats.from} to ${stats.to}; ${fmt.number(total)} requests`,
    ...(total ? stackedBars({ label: `Requests per day per key: ${fmt.number(total)} in ${categories.length} days`, categories, series, categoryLabel: (d) => d.slice(5) })
      : [notice("info", "No requests counted in these days yet.")]));
}

function rejectionsChart(stats) {
  const rows = stats.rejections.map((r) => ({ name: r.plan, throttled: r.throttled, quota: r.quota_exceeded }));
  const total = rows.reduce((s, r) => s + r.throttled + r.quota, 0);
  return figure("chart-429", "429s by plan", "since this replica started",
    ...horizontalBars({
      label: `429 answers by plan: ${fmt.number(total)} in all`, rows,
      parts: [{ key: "throttled", name: "rate or burst", color: "#d97706" }, { key: "quota", name: "quota spent", color: "#dc2626" }],
    }));
}

function cacheChart(stats) {
  const c = stats.cache;
  const parts = [
    { name: "hit", value: c.hit, color: "#16a34a" }, { name: "stale (revalidating)", value: c.stale, color: "#65a30d" },
    { name: "miss", value: c.miss, color: "#2563eb" }, { name: "collapsed", value: c.collapsed, color: "#0891b2" },
    { name: "stale (upstream failed)", value: c.stale_error, color: "#d97706" }, { name: "error", value: c.error, color: "#dc2626" },
  ];
  const headline = c.hit_ratio === null ? "–" : `${Math.round(c.hit_ratio * 100)} %`;
  return figure("chart-cache", "Cache hit ratio", "lookups since this replica started",
    ...ring({ label: `Cache hit ratio ${headline}`, parts, headline, caption: "from cache" }));
}

function upstreamChart(stats) {
  const b = stats.upstream.serpapi_budget;
  const budget = b.in_use || b.spent
    ? meter({ label: `SerpApi searches in ${b.month}`, value: b.spent, limit: b.limit, unit: "searches" })
    : notice("info", "SerpApi is not in use on this server, so no searches are spent.");
  const rows = stats.upstream.calls.map((c) => ({ name: c.provider, ok: c.ok, error: c.error, refused: c.refused }));
  return figure("chart-upstream", "Upstream calls and the SerpApi budget", `SerpApi searches in ${b.month} (all replicas); calls since this replica started`,
    budget,
    ...horizontalBars({
      label: "Upstream calls by provider", rows,
      parts: [{ key: "ok", name: "ok", color: "#16a34a" }, { key: "error", name: "failed", color: "#dc2626" }, { key: "refused", name: "not sent (circuit open, budget spent)", color: "#6b7280" }],
    }));
}

async function loadStats() {
  clearTimeout(state.timer);
  const result = await call("/admin/v1/stats");
  if (expired(result)) return;
  if (!result.ok) {
    fill($("charts"), notice("error", "Could not load the usage figures. ", problemText(result)));
  } else {
    const s = result.data;
    fill($("charts"), requestsChart(s), rejectionsChart(s), cacheChart(s), upstreamChart(s));
    fill($("status"), `Updated ${fmt.time(new Date())} · this replica's counts since ${fmt.dateTime(s.since)}`);
  }
  if (!document.hidden) state.timer = setTimeout(loadStats, STATS_EVERY_MS);
}

// ---- Start ----

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const token = $("token").value.trim();
  if (token) signIn(token);
});
$("signout").addEventListener("click", signOut);
$("refresh").addEventListener("click", async () => { await loadKeys(); await loadStats(); });
$("create-form").addEventListener("submit", createKey);
document.addEventListener("visibilitychange", () => {
  if (!state.token) return;
  if (document.hidden) clearTimeout(state.timer);
  else loadStats();
});
const saved = sessionStorage.getItem(TOKEN_STORAGE);
if (saved) signIn(saved, { quiet: true });
else $("token").focus();
