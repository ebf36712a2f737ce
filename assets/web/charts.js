// Hand-made SVG charts for the admin dashboard: stacked bars (a category axis with series),
// horizontal bars, a ratio ring and a budget meter. Each is an <svg role="img"> with a text
// summary, plus a data table for screen readers and copying. No inline styles: colours are
// SVG attributes, sizes come from the viewBox, so the strict CSP holds.
import { el, svg, fmt } from "/assets/common.js";

export const PALETTE = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4d7c0f", "#db2777", "#6b7280"];

function legend(items) {
  return el("ul", { class: "legend" }, items.map(({ name, color }) =>
    el("li", {}, svg("svg", { class: "swatch", viewBox: "0 0 10 10", "aria-hidden": "true" }, svg("rect", { width: 10, height: 10, rx: 2, fill: color })), name)));
}

function dataTable(headers, rows) {
  return el("details", {}, el("summary", {}, "Data"),
    el("div", { class: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, headers.map((h, i) => el("th", { scope: "col", class: i ? "num" : null }, h)))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c, i) => (i ? el("td", { class: "num" }, c) : el("th", { scope: "row" }, c)))))))));
}

export function figure(id, title, subtitle, ...body) {
  return el("figure", { class: "chart", id }, el("figcaption", {}, title, subtitle ? el("div", { class: "sub" }, subtitle) : null), ...body);
}

/** Round axis maximum and a few ticks. */
function ticks(max) {
  if (max <= 0) return { top: 1, steps: [0, 1] };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const top = Math.ceil(max / step) * step;
  const steps = [];
  for (let v = 0; v <= top + 1e-9; v += step) steps.push(Math.round(v * 1e6) / 1e6);
  return { top, steps };
}

/** Vertical stacked bars: `categories` on x, each series a stack layer. */
export function stackedBars({ label, categories, series, categoryLabel = (c) => c }) {
  const W = 480, H = 240, left = 40, bottom = 34, top = 10, right = 8;
  const totals = categories.map((_, i) => series.reduce((s, x) => s + x.values[i], 0));
  const { top: maxV, steps } = ticks(Math.max(0, ...totals));
  const plotW = W - left - right, plotH = H - top - bottom;
  const band = plotW / Math.max(1, categories.length);
  const bar = Math.max(2, band * 0.7);
  const y = (v) => top + plotH - (v / maxV) * plotH;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label });
  for (const v of steps) {
    chart.append(svg("line", { class: "axis", x1: left, x2: W - right, y1: y(v), y2: y(v) }),
      svg("text", { class: "muted", x: left - 6, y: y(v) + 4, "text-anchor": "end" }, fmt.number(v)));
  }
  const every = Math.ceil(categories.length / 8);
  categories.forEach((c, i) => {
    const x = left + i * band + (band - bar) / 2;
    let base = 0;
    for (const s of series) {
      const v = s.values[i];
      if (v > 0) {
        chart.append(svg("rect", { x, y: y(base + v), width: bar, height: Math.max(1, y(base) - y(base + v)), fill: s.color },
          svg("title", {}, `${s.name}, ${categoryLabel(c)}: ${fmt.number(v)}`)));
      }
      base += v;
    }
    if (i % every === 0) chart.append(svg("text", { class: "muted", x: x + bar / 2, y: H - bottom + 16, "text-anchor": "middle" }, categoryLabel(c)));
  });
  return [chart, legend(series),
    dataTable(["Day", ...series.map((s) => s.name)], categories.map((c, i) => [c, ...series.map((s) => fmt.number(s.values[i]))]))];
}

/** Horizontal stacked bars: one row per category, a segment per part. */
export function horizontalBars({ label, rows, parts }) {
  const W = 480, rowH = 28, left = 100, right = 44;
  const H = Math.max(1, rows.length) * rowH + 8;
  const max = Math.max(1, ...rows.map((r) => parts.reduce((s, p) => s + r[p.key], 0)));
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label });
  rows.forEach((r, i) => {
    const y = 4 + i * rowH;
    chart.append(svg("text", { x: left - 8, y: y + 17, "text-anchor": "end" }, r.name));
    let x = left;
    let total = 0;
    for (const p of parts) {
      const w = (r[p.key] / max) * (W - left - right);
      if (r[p.key] > 0) chart.append(svg("rect", { x, y: y + 4, width: Math.max(1, w), height: rowH - 10, rx: 2, fill: p.color }, svg("title", {}, `${r.name}, ${p.name}: ${fmt.number(r[p.key])}`)));
      x += w;
      total += r[p.key];
    }
    chart.append(svg("text", { class: "muted", x: x + 6, y: y + 17 }, fmt.number(total)));
  });
  return [chart, legend(parts),
    dataTable(["", ...parts.map((p) => p.name)], rows.map((r) => [r.name, ...parts.map((p) => fmt.number(r[p.key]))]))];
}

/** A ring of parts with a headline figure in the middle. */
export function ring({ label, parts, headline, caption }) {
  const size = 200, r = 70, stroke = 26, c = 2 * Math.PI * r;
  const total = parts.reduce((s, p) => s + p.value, 0);
  const chart = svg("svg", { class: "ring", viewBox: `0 0 ${size * 2} ${size}`, role: "img", "aria-label": label });
  chart.append(svg("circle", { cx: size / 2, cy: size / 2, r, fill: "none", class: "axis", "stroke-width": stroke, stroke: "#8884" }));
  let offset = 0;
  for (const p of parts) {
    if (!total || !p.value) continue;
    const len = (p.value / total) * c;
    chart.append(svg("circle", {
      cx: size / 2, cy: size / 2, r, fill: "none", stroke: p.color, "stroke-width": stroke,
      "stroke-dasharray": `${len} ${c - len}`, "stroke-dashoffset": -offset, transform: `rotate(-90 ${size / 2} ${size / 2})`,
    }, svg("title", {}, `${p.name}: ${fmt.number(p.value)}`)));
    offset += len;
  }
  chart.append(svg("text", { x: size / 2, y: size / 2 + 8, "text-anchor": "middle", "font-size": 26, "font-weight": 700 }, headline),
    svg("text", { class: "muted", x: size / 2, y: size / 2 + 28, "text-anchor": "middle" }, caption));
  parts.forEach((p, i) => {
    chart.append(svg("rect", { x: size + 20, y: 30 + i * 24, width: 12, height: 12, rx: 2, fill: p.color }),
      svg("text", { x: size + 40, y: 41 + i * 24 }, `${p.name}: ${fmt.number(p.value)}`));
  });
  return [chart, dataTable(["Result", "Lookups"], parts.map((p) => [p.name, fmt.number(p.value)]))];
}

/** A meter: `value` of `limit` (no limit: the bar shows the value alone). */
export function meter({ label, value, limit, unit }) {
  const W = 480, H = 56, pad = 4;
  const share = limit ? Math.min(1, value / limit) : value > 0 ? 1 : 0;
  const color = !limit ? PALETTE[0] : share >= 0.9 ? "#dc2626" : share >= 0.7 ? "#d97706" : "#16a34a";
  const text = limit ? `${fmt.number(value)} of ${fmt.number(limit)} ${unit} (${Math.round(share * 100)} %)` : `${fmt.number(value)} ${unit}, no cap`;
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${label}: ${text}` },
    svg("rect", { x: pad, y: 8, width: W - 2 * pad, height: 20, rx: 6, fill: "#8883" }),
    svg("rect", { x: pad, y: 8, width: Math.max(share ? 4 : 0, share * (W - 2 * pad)), height: 20, rx: 6, fill: color }),
    svg("text", { x: pad, y: 48 }, text));
}
