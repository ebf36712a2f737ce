// Shared by the scoreboard and the admin dashboard: DOM building without innerHTML (so data
// can never become markup), calls to the public HTTP API with a deadline, and formatting.

const SVG_NS = "http://www.w3.org/2000/svg";
const API_DEADLINE_MS = 10000;

function build(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An HTML element: el("p", {class: "x"}, "text", otherNode). */
export function el(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  return build(node, {}, children);
}

/**
 * Calls the API. Resolves to {ok, status, data, headers, problem}; never throws for HTTP
 * errors. A network failure or the deadline gives status 0 and a problem saying so.
 */
export async function api(path, { key, token, method = "GET", body } = {}) {
  const headers = { accept: "application/json" };
  if (key) headers["x-api-key"] = key;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), API_DEADLINE_MS);
  try {
    // no-cache: always ask the server (an ETag makes that a cheap 304), so what the page shows
    // is what the API answers now, not a copy the browser kept.
    const response = await fetch(path, {
      method, headers, cache: "no-cache", signal: controller.signal,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : null;
    const problem = response.ok ? null : problemOf(response.status, data);
    return { ok: response.ok, status: response.status, data, headers: response.headers, problem };
  } catch (err) {
    const detail = err.name === "AbortError" ? "The server did not answer in time." : "The server could not be reached.";
    return { ok: false, status: 0, data: null, headers: new Headers(), problem: { title: "No answer", detail } };
  } finally {
    clearTimeout(timer);
  }
}

function problemOf(status, data) {
  if (data && (data.title || data.detail)) return { title: data.title || `HTTP ${status}`, detail: data.detail || "", type: data.type };
  return { title: `HTTP ${status}`, detail: "" };
}

/** "Title: detail" of a failed call. */
export function problemText(result) {
  const p = result.problem || {};
  return p.detail ? `${p.title}: ${p.detail}` : p.title || "Something went wrong.";
}

/** A notice box: kind is stale, error, ok or info. */
export function notice(kind, ...children) {
  return el("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, ...children);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const kickoffFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });

export const fmt = {
  time: (date) => timeFormat.format(date),
  dateTime: (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : "—"),
  kickoff: (iso) => kickoffFormat.format(new Date(iso)),
  number: (n) => new Intl.NumberFormat().format(n),
};

/** A team's monogram: its abbreviation on a circle whose hue comes from the name. */
export function monogram(abbreviation, name) {
  const label = (abbreviation || name || "?").slice(0, 4);
  let hash = 0;
  for (const ch of name || label) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  const size = [13, 13, 12, 10, 8][label.length];
  return svg("svg", { class: "mono", viewBox: "0 0 32 32", "aria-hidden": "true" },
    svg("circle", { cx: 16, cy: 16, r: 16, fill: `hsl(${hash % 360} 55% 38%)` }),
    svg("text", { x: 16, y: 20, "text-anchor": "middle", "font-size": size, "font-weight": 700, fill: "#fff" }, label));
}

/** Seconds from a Cache-Control max-age and Age: how long this answer stays fresh. */
export function freshFor(headers) {
  const match = /max-age=(\d+)/.exec(headers.get("cache-control") || "");
  if (!match) return null;
  const age = Number(headers.get("age") || 0);
  return Math.max(0, Number(match[1]) - age);
}
