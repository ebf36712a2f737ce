// The scoreboard at `/`: league and day pickers, games as cards, standings and teams, live
// games refreshed when their cached answer expires (Cache-Control max-age minus Age), and
// with an API key the caller's favourites and `/v1/me/games`. Only the public API is used.
import { api, el, fill, fmt, freshFor, monogram, notice, problemText } from "/assets/common.js";

/** Never refresh more often than this, whatever a cache lifetime says. */
const MIN_REFRESH_S = 2;
/** While the upstream fails (stale data), ask again only this often. */
const STALE_REFRESH_S = 30;
const KEY_STORAGE = "sportsgate.key";

const $ = (id) => document.getElementById(id);
const state = {
  leagues: [],
  league: null,
  date: null, // null: the upstream's current slate ("Latest")
  tab: "games",
  key: sessionStorage.getItem(KEY_STORAGE),
  prefs: null,
  timer: null,
  lastGames: null,
  seq: 0,
};

const tabs = ["games", "standings", "teams"];

function currentLeague() {
  return state.leagues.find((l) => l.id === state.league);
}

function setStatus(...parts) {
  fill($("status"), parts.filter(Boolean).join(" · "));
}

function saveUrl() {
  const params = new URLSearchParams();
  params.set("league", state.league);
  if (state.date) params.set("date", state.date);
  if (state.tab !== "games") params.set("tab", state.tab);
  history.replaceState(null, "", `/?${params}`);
}

function stopRefresh() {
  clearTimeout(state.timer);
  state.timer = null;
}

// ---- Favourites ----

function isFavouriteTeam(league, side) {
  const teams = state.prefs?.favourite_teams || [];
  return teams.some((f) => f.league === league && (
    f.team.toLowerCase() === (side.abbreviation || "").toLowerCase() ||
    (side.name || "").toLowerCase().includes(f.team.toLowerCase())));
}

// ---- Games ----

const statusOrder = { live: 0, scheduled: 1, final: 2 };

function badge(game) {
  const kind = ["live", "final", "scheduled"].includes(game.status) ? game.status : "other";
  return el("span", { class: `badge ${kind}` }, game.status);
}

function teamRow(game, side, other, role) {
  const final = game.status === "final" && side.score !== null && other.score !== null;
  const winner = final && side.score > other.score;
  const label = game.home_away_known === false ? "" : ` (${role})`;
  return el("div", { class: `team${winner ? " winner" : ""}` },
    monogram(side.abbreviation, side.name),
    el("span", { class: "name" }, side.name, el("span", { class: "sr-only" }, label)),
    el("span", { class: "score" }, side.score ?? ""));
}

function kickoff(game) {
  if (game.starts_at) return el("time", { datetime: game.starts_at }, fmt.kickoff(game.starts_at));
  return [game.date_text, game.time_text].filter(Boolean).join(" ") || "time to be announced";
}

function gameCard(game) {
  const favourite = isFavouriteTeam(game.league, game.home) || isFavouriteTeam(game.league, game.away);
  const score = (s) => (s.score === null ? "" : ` ${s.score}`);
  const summary = `${game.away.name}${score(game.away)} at ${game.home.name}${score(game.home)}, ${game.status}${game.clock ? `, ${game.clock}` : ""}`;
  return el("article", { class: `card${favourite ? " favourite" : ""}`, "aria-label": summary, "data-status": game.status },
    el("div", { class: "meta" },
      el("span", {}, badge(game), " ", game.status === "live" && game.clock ? el("span", { class: "clock" }, game.clock) : null),
      favourite ? el("span", { class: "badge fav" }, "★ favourite") : null),
    teamRow(game, game.away, game.home, "away"),
    teamRow(game, game.home, game.away, "home"),
    el("div", { class: "meta" },
      el("span", {}, kickoff(game)),
      el("span", {}, [game.venue, game.stage].filter(Boolean).join(" · "))));
}

function sortGames(games) {
  return [...games].sort((a, b) =>
    (statusOrder[a.status] ?? 3) - (statusOrder[b.status] ?? 3) ||
    (a.starts_at || "").localeCompare(b.starts_at || ""));
}

/** The stale notice when the answer is old data served because the upstream failed. */
function staleNotice(result) {
  const cacheStatus = result.headers.get("cache-status") || "";
  if (!cacheStatus.includes("fwd=stale")) return null;
  const fetched = result.data?.source?.fetched_at;
  return notice("stale", el("strong", {}, "The data source is not answering. "),
    `Showing the last data we have${fetched ? `, fetched ${fmt.dateTime(fetched)}` : ""}. It will update when the source is back.`);
}

function scheduleRefresh(result, games) {
  stopRefresh();
  const live = games.filter((g) => g.status === "live").length;
  const updated = `Updated ${fmt.time(new Date())}`;
  if (!live || document.hidden) {
    setStatus(updated, live ? null : "no live games, not refreshing");
    return;
  }
  const failing = !result.ok || (result.headers.get("cache-status") || "").includes("fwd=stale");
  const seconds = Math.max(failing ? STALE_REFRESH_S : MIN_REFRESH_S, freshFor(result.headers) ?? MIN_REFRESH_S);
  setStatus(updated, `${live} live`, `next refresh in ${seconds} s`);
  state.timer = setTimeout(() => loadGames({ refresh: true }), seconds * 1000);
}

async function loadGames({ refresh = false } = {}) {
  const view = $("view-games");
  const seq = ++state.seq;
  const league = currentLeague();
  if (!refresh) {
    stopRefresh();
    view.setAttribute("aria-busy", "true");
    fill(view, notice("info", `Loading ${league.name} games…`));
    setStatus("Loading…");
  }
  const query = state.date ? `?date=${state.date}` : "";
  const result = await api(`/v1/leagues/${league.id}/games${query}`, { key: state.key });
  if (seq !== state.seq || state.tab !== "games") return; // a newer choice was made meanwhile
  view.removeAttribute("aria-busy");
  if (!result.ok) {
    const retry = el("button", { type: "button", onclick: () => loadGames() }, "Try again");
    const wait = result.headers.get("retry-after");
    const problem = notice("error", problemText(result), wait ? ` (retry in ${wait} s)` : "", " ", retry);
    if (refresh && state.lastGames) {
      // Keep what is on screen; say the refresh failed.
      view.querySelector(".notice.error")?.remove();
      view.prepend(problem);
      scheduleRefresh(result, state.lastGames);
    } else {
      fill(view, problem);
      setStatus("Could not load the games");
    }
    return;
  }
  const games = result.data.games || [];
  state.lastGames = games;
  if (!state.date && games.length) $("date").value = games[0].local_date;
  const cards = sortGames(games).map(gameCard);
  const day = state.date || (games[0]?.local_date ?? "the current slate");
  fill(view,
    staleNotice(result),
    games.length
      ? el("div", { class: "grid", id: "games" }, cards)
      : notice("info", `No ${league.name} games on ${day}. Pick another day, or Latest for the current slate.`));
  scheduleRefresh(result, games);
}

// ---- Standings and teams ----

const standingColumns = [
  ["rank", "#"], ["played", "P"], ["wins", "W"], ["ties", "D/T"], ["losses", "L"],
  ["points_for", "For"], ["points_against", "Against"], ["points", "Pts"],
];

function standingsTable(group, leagueId) {
  const columns = standingColumns.filter(([field]) => group.rows.some((r) => r[field] !== null && r[field] !== undefined));
  const head = el("tr", {}, el("th", { scope: "col" }, "Team"), columns.map(([, label]) => el("th", { scope: "col", class: "num" }, label)), el("th", { scope: "col" }, "Note"));
  const rows = group.rows.map((row) => el("tr", { class: isFavouriteTeam(leagueId, { name: row.team, abbreviation: row.abbreviation }) ? "favourite" : null },
    el("th", { scope: "row" }, el("span", { class: "inline" }, monogram(row.abbreviation, row.team), row.team)),
    columns.map(([field]) => el("td", { class: "num" }, row[field] ?? "")),
    el("td", {}, row.note || "")));
  return el("div", { class: "panel table-wrap" },
    el("table", {}, el("caption", {}, group.name), el("thead", {}, head), el("tbody", {}, rows)));
}

async function loadLeagueWide(kind) {
  stopRefresh();
  const view = $(`view-${kind}`);
  const league = currentLeague();
  const seq = ++state.seq;
  view.setAttribute("aria-busy", "true");
  fill(view, notice("info", `Loading ${league.name} ${kind}…`));
  setStatus("Loading…");
  const result = await api(`/v1/leagues/${league.id}/${kind}`, { key: state.key });
  if (seq !== state.seq || state.tab !== kind) return;
  view.removeAttribute("aria-busy");
  if (!result.ok) {
    const missing = result.status === 404;
    fill(view, notice(missing ? "info" : "error", missing ? `No ${kind} for ${league.name} here. ` : "", problemText(result)));
    setStatus(missing ? null : `Could not load the ${kind}`);
    return;
  }
  if (kind === "standings") {
    const groups = result.data.groups || [];
    fill(view, staleNotice(result),
      groups.length ? groups.map((g) => standingsTable(g, league.id)) : notice("info", `No ${league.name} standings yet.`));
  } else {
    const teams = result.data.teams || [];
    fill(view, staleNotice(result), teams.length
      ? el("ul", { class: "teams-list", "aria-label": `${league.name} teams` }, teams.map((t) => el("li", {},
          monogram(t.abbreviation, t.name), el("span", {}, t.name, " ", el("span", { class: "label" }, t.abbreviation || "")),
          isFavouriteTeam(league.id, t) ? el("span", { class: "badge fav" }, "★") : null)))
      : notice("info", `No ${league.name} teams listed.`));
  }
  setStatus(`Updated ${fmt.time(new Date())}`, result.data.season ? `season ${result.data.season}` : null);
}

// ---- Key: who am I, favourites, my games ----

async function applyKey(key) {
  const status = $("key-status");
  fill(status, notice("info", "Checking the key…"));
  const me = await api("/v1/me", { key });
  if (!me.ok) {
    fill(status, notice("error", me.status === 401 ? "This key was refused (wrong, revoked or expired)." : problemText(me)));
    return false;
  }
  state.key = key;
  sessionStorage.setItem(KEY_STORAGE, key);
  $("key").value = "";
  $("forget-key").classList.remove("hidden");
  const quota = me.data.quota ? ` · ${fmt.number(me.data.quota.remaining)} of ${fmt.number(me.data.quota.limit)} requests left this ${me.data.quota.window}` : "";
  fill(status, notice("ok", `Using key “${me.data.key?.name ?? "?"}” on plan ${me.data.plan.name}${quota}.`));
  const prefs = await api("/v1/me/preferences", { key });
  state.prefs = prefs.ok ? prefs.data : null;
  await loadMine();
  return true;
}

async function loadMine() {
  const section = $("mine");
  const body = $("mine-body");
  section.classList.remove("hidden");
  fill(body, notice("info", "Loading your games…"));
  const result = await api("/v1/me/games", { key: state.key });
  if (result.status === 404) {
    fill(body, notice("info", "This server does not offer your games (/v1/me/games) yet; your favourite teams are highlighted below."));
    return;
  }
  if (!result.ok) {
    fill(body, notice("error", problemText(result)));
    return;
  }
  const games = result.data.games || [];
  const missing = (result.data.unavailable || []).map((u) => `${u.league.toUpperCase()} ${u.date}: ${u.problem?.detail || u.problem?.title || "not available"}`);
  fill(body,
    missing.length ? notice("stale", el("strong", {}, "Some days could not be looked up. "), missing.join("; ")) : null,
    games.length
      ? el("div", { class: "grid" }, sortGames(games).map(gameCard))
      : notice("info", "No games of your favourite teams and leagues today or in the next days. Save favourites with PUT /v1/me/preferences."));
}

function clearKey() {
  state.key = null;
  state.prefs = null;
  sessionStorage.removeItem(KEY_STORAGE);
  $("forget-key").classList.add("hidden");
  $("mine").classList.add("hidden");
}

function forgetKey() {
  clearKey();
  fill($("key-status"), notice("info", "Key forgotten; you are anonymous again."));
  show();
}

// ---- Navigation ----

function selectTab(name, focus = false) {
  state.tab = name;
  for (const t of tabs) {
    const tab = $(`tab-${t}`);
    tab.setAttribute("aria-selected", String(t === name));
    tab.tabIndex = t === name ? 0 : -1;
    $(`view-${t}`).classList.toggle("hidden", t !== name);
    if (t === name && focus) tab.focus();
  }
  show();
}

function show() {
  saveUrl();
  if (state.tab === "games") loadGames();
  else loadLeagueWide(state.tab);
}

function shiftDay(days) {
  const base = $("date").value || new Date().toISOString().slice(0, 10);
  const d = new Date(`${base}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  state.date = d.toISOString().slice(0, 10);
  $("date").value = state.date;
  if (state.tab !== "games") selectTab("games");
  else show();
}

function bind() {
  $("league").addEventListener("change", (e) => {
    state.league = e.target.value;
    state.date = null;
    $("date").value = "";
    show();
  });
  $("date").addEventListener("change", (e) => {
    state.date = e.target.value || null;
    if (state.tab !== "games") selectTab("games");
    else show();
  });
  $("prev-day").addEventListener("click", () => shiftDay(-1));
  $("next-day").addEventListener("click", () => shiftDay(1));
  $("latest").addEventListener("click", () => {
    state.date = null;
    $("date").value = "";
    if (state.tab !== "games") selectTab("games");
    else show();
  });
  $("pick").addEventListener("submit", (e) => e.preventDefault());
  $("key-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const key = $("key").value.trim();
    if (!key) return;
    if (await applyKey(key)) show();
  });
  $("forget-key").addEventListener("click", forgetKey);
  for (const t of tabs) $(`tab-${t}`).addEventListener("click", () => selectTab(t));
  // Arrow keys move between tabs (WAI-ARIA tabs pattern).
  document.querySelector("[role=tablist]").addEventListener("keydown", (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!step) return;
    e.preventDefault();
    selectTab(tabs[(tabs.indexOf(state.tab) + step + tabs.length) % tabs.length], true);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) stopRefresh();
    else if (state.tab === "games" && state.lastGames?.some((g) => g.status === "live")) loadGames({ refresh: true });
  });
}

async function start() {
  bind();
  const params = new URLSearchParams(location.search);
  const result = await api("/v1/leagues");
  if (!result.ok) {
    fill($("view-games"), notice("error", "Could not load the leagues. ", problemText(result)));
    return;
  }
  state.leagues = result.data.leagues;
  const select = $("league");
  fill(select, state.leagues.map((l) => el("option", { value: l.id }, `${l.name} (${l.sport.replace(/-/g, " ")})`)));
  select.disabled = false;
  const wanted = params.get("league");
  state.league = state.leagues.some((l) => l.id === wanted) ? wanted : (state.leagues.find((l) => l.id === "nfl") || state.leagues[0]).id;
  select.value = state.league;
  state.date = /^\d{4}-\d{2}-\d{2}$/.test(params.get("date") || "") ? params.get("date") : null;
  if (state.date) $("date").value = state.date;
  // A saved key that no longer works is dropped; applyKey has said why.
  if (state.key && !(await applyKey(state.key))) clearKey();
  selectTab(tabs.includes(params.get("tab")) ? params.get("tab") : "games");
}

start();
