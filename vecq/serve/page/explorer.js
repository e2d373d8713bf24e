// vecq explorer: every number on the page is the server's (/api/...); nothing is computed here
// but where to draw it. No library, no network beyond this server.
"use strict";

const LECTURE = { words: "cat kitten dog puppy car", top: 2, analogy: ["king", "man", "woman"], text: "The cat sat on the mat" };
const params = new URLSearchParams(location.search);
const token = params.get("token");
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

const ASK_SECONDS = 120;

async function ask(route, query) {
  const url = new URL("api/" + route, location.href);
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
  }
  const model = $("model").value;
  if (model) url.searchParams.set("model", model);
  const headers = token ? { Authorization: "Bearer " + token } : {};
  // Every request has a deadline (t-SNE of many words is the longest answer); a failure is a
  // sentence saying what to do, never "TypeError: Failed to fetch".
  const late = `the server did not answer within ${ASK_SECONDS} s; try again, or ask about fewer words`;
  let response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(ASK_SECONDS * 1000) });
  } catch (e) {
    throw { error: e.name === "TimeoutError" ? late : `cannot reach vecq serve at ${location.host}: is it still running?` };
  }
  let data;
  try {
    data = await response.json();
  } catch (e) {
    throw { error: e.name === "TimeoutError" ? late : `the server answered HTTP ${response.status} without JSON: is it vecq serve?` };
  }
  if (!response.ok) throw data;
  hear(response.headers.get("Vecq-Notes"));
  return data;
}

function say(error) {
  const box = $("message");
  if (!error) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = error.error || String(error);
}

// What the server said beside its answers (its Vecq-Notes header: 'Cat' read as 'cat'), each once,
// until the next question.
const notes = new Set();

function hear(header) {
  if (header) for (const note of JSON.parse(header)) notes.add(note);
  $("notes").hidden = !notes.size;
  $("notes").textContent = [...notes].join("; ");
}

function clear() {
  say(null);
  notes.clear();
  hear(null);
}

function words() { return $("words").value.split(/\s+/).filter((w) => w); }

function remember() {
  const state = new URLSearchParams();
  if (token) state.set("token", token);
  if ($("model").value) state.set("m", $("model").value);
  state.set("w", $("words").value.trim());
  state.set("n", $("top").value);
  state.set("p", $("projection").value);
  state.set("a", [$("a").value, $("b").value, $("c").value].join(","));
  state.set("t", $("text").value);
  history.replaceState(null, "", "?" + state.toString());
}

function node(name, attrs, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// Scale 2-D points into the svg, both axes to one scale (distances mean the same up and across).
function placer(points, width, height, pad) {
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((width - 2 * pad) / ((x1 - x0) || 1), (height - 2 * pad) / ((y1 - y0) || 1));
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return (p) => [width / 2 + (p.x - cx) * scale, height / 2 - (p.y - cy) * scale];
}

async function showWords() {
  remember();
  const top = Number($("top").value) || 0;
  const [placed, lists, pairs] = await Promise.all([
    ask("plot", { words: words(), top, projection: $("projection").value }),
    Promise.all(words().map((w) => (top ? ask("neighbors", { query: w, top }) : Promise.resolve([])))),
    ask("similar", { words: words() }),
  ]);
  const score = new Map(); // neighbour word -> its query and similarity
  lists.flat().forEach((r) => { if (!score.has(r.word)) score.set(r.word, r); });
  drawPoints(placed, score);
  drawNeighbours(lists.flat());
  drawHeatmap(words(), pairs);
}

// Where a label goes: beside its point, on the first side that overlaps no label placed yet.
function labelSpot(boxes, x, y, text) {
  const w = 7.5 * text.length, h = 14;
  const tries = [[8, -6], [8, 14], [-w - 8, -6], [-w - 8, 14], [8, -20], [8, 28], [-w / 2, -14], [-w / 2, 24]];
  for (const [dx, dy] of tries) {
    const box = [x + dx, y + dy - h + 3, w, h];
    if (!boxes.some((b) => box[0] < b[0] + b[2] && b[0] < box[0] + box[2] && box[1] < b[1] + b[3] && b[1] < box[1] + box[3])) {
      boxes.push(box);
      return [x + dx, y + dy];
    }
  }
  return [x + 8, y - 6];
}

function drawPoints(placed, score) {
  const svg = $("plot");
  svg.replaceChildren();
  const at = placer(placed, 720, 440, 60);
  const boxes = placed.map((p) => { const [x, y] = at(p); return [x - 6, y - 6, 12, 12]; }); // the points
  for (const p of placed) {
    const [x, y] = at(p);
    const kind = p.asked ? "asked" : "neighbour";
    const dot = node("circle", { cx: x, cy: y, r: p.asked ? 6 : 4.5, class: kind, "data-word": p.word });
    const found = score.get(p.word);
    const hint = p.asked ? p.word : `${p.word}: a neighbour of ${found ? found.query : "?"}` +
      (found ? `, similarity ${found.similarity.toFixed(4)}` : "");
    dot.append(node("title", {}, hint));
    const [lx, ly] = labelSpot(boxes, x, y, p.word);
    svg.append(dot, node("text", { x: lx, y: ly, class: kind, "data-word": p.word }, p.word));
  }
  const method = { tsne: "t-SNE (scikit-learn", umap: "UMAP (umap-learn" }[$("projection").value];
  const axes = method
    ? `Placed by ${method}, seeded, computed by the server): it keeps who is near whom; the axes mean nothing.`
    : "Axes: the first two principal components of the words asked for (their neighbours placed on the same axes).";
  $("plot-note").textContent = "Blue: the words asked for; orange: their nearest neighbours in the whole vocabulary " +
    "(hover for the score). " + axes;
}

function drawNeighbours(records) {
  const table = $("neighbours");
  table.replaceChildren();
  if (!records.length) return;
  table.append(row(["query", "rank", "neighbour", "similarity"], "th"));
  for (const r of records) table.append(row([r.query, r.rank, r.word, r.similarity.toFixed(6)]));
}

function row(cells, tag = "td") {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const cell = document.createElement(tag);
    cell.textContent = c;
    if (typeof c === "number" || /^-?\d/.test(String(c))) cell.className = "num";
    tr.append(cell);
  }
  return tr;
}

function drawHeatmap(ws, pairs) {
  const table = $("heatmap");
  table.replaceChildren();
  const sim = new Map(pairs.map((r) => [r.word1 + "\u0000" + r.word2, r.similarity]));
  table.append(row(["", ...ws], "th"));
  for (const a of ws) {
    const tr = row([a], "th");
    for (const b of ws) {
      const s = a === b ? 1 : sim.get(a + "\u0000" + b) ?? sim.get(b + "\u0000" + a);
      const td = document.createElement("td");
      td.textContent = s.toFixed(2);
      td.title = `${a} ~ ${b}: ${s.toFixed(6)}`;
      const t = Math.max(0, Math.min(1, s));
      td.style.background = `rgba(35, 100, 170, ${(t * 0.85).toFixed(3)})`;
      td.style.color = t > 0.55 ? "white" : "inherit";
      tr.append(td);
    }
    table.append(tr);
  }
}

async function solveAnalogy() {
  remember();
  const [a, b, c] = [$("a").value.trim(), $("b").value.trim(), $("c").value.trim()];
  const [answer] = await ask("analogy", { words: [a, b, c] });
  $("analogy-answer").textContent = `${answer.answer} (${answer.score.toFixed(4)})`;
  $("analogy-answer").dataset.word = answer.answer;
  const placed = await ask("plot", { words: [a, b, c, answer.answer] });
  const at = placer(placed, 720, 360, 60);
  const where = new Map(placed.map((p) => [p.word, at(p)]));
  const svg = $("analogy-plot");
  svg.replaceChildren();
  const marker = node("marker", { id: "head", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
  marker.append(node("path", { d: "M0,0 L10,5 L0,10 z", fill: "#2364aa" }));
  const defs = node("defs", {});
  defs.append(marker);
  svg.append(defs);
  // b -> c beside a -> answer: man -> woman beside king -> queen
  for (const [from, to] of [[b, c], [a, answer.answer]]) {
    const [x1, y1] = where.get(from), [x2, y2] = where.get(to);
    svg.append(node("line", { x1, y1, x2, y2, class: "arrow", "data-from": from, "data-to": to }));
  }
  const boxes = placed.map((p) => { const [x, y] = where.get(p.word); return [x - 6, y - 6, 12, 12]; });
  for (const p of placed) {
    const [x, y] = where.get(p.word);
    svg.append(node("circle", { cx: x, cy: y, r: 5, class: p.word === answer.answer ? "neighbour" : "asked", "data-word": p.word }));
    const [lx, ly] = labelSpot(boxes, x, y, p.word);
    svg.append(node("text", { x: lx, y: ly, class: "asked", "data-word": p.word }, p.word));
  }
}

async function splitText() {
  remember();
  const records = await ask("tokens", { text: $("text").value, vectors: "true" });
  const table = $("tokens");
  table.replaceChildren(row(["text", "token", "token ID (row)", "status", "the row's first values"], "th"));
  for (const r of records) {
    const head = r.vector ? r.vector.slice(0, 4).map((v) => v.toFixed(3)).join(" ") + " …" : "";
    table.append(row([r.text, r.token, r.id ?? "", r.status, head]));
  }
  drawPipeline(records);
}

// The lecture's pipeline as a picture: each piece of text, its token, the token's ID, and the row
// the embedding layer looks up by that ID (its first values as a strip: blue below 0, red above).
function drawPipeline(records) {
  const svg = $("pipeline");
  svg.replaceChildren();
  const shown = records.slice(0, 8);
  const width = 720, col = width / Math.max(shown.length, 1), cells = 12;
  const lanes = [["text", 30], ["token", 92], ["ID", 154], ["row", 214]];
  for (const [name, y] of lanes) svg.append(node("text", { x: 4, y, class: "lane" }, name));
  shown.forEach((r, i) => {
    const x = i * col + col / 2;
    const g = node("g", { class: "column", "data-id": r.id ?? "", "data-token": r.token ?? "" });
    g.append(node("text", { x, y: 30, "text-anchor": "middle", class: "asked" }, r.text));
    g.append(node("text", { x, y: 92, "text-anchor": "middle" }, r.token ?? "(none)"));
    g.append(node("text", { x, y: 154, "text-anchor": "middle", class: "id" }, r.id ?? "no ID"));
    for (const [y1, y2] of [[38, 72], [100, 134], [162, 192]]) {
      g.append(node("line", { x1: x, y1, x2: x, y2, class: "flow" }));
    }
    const values = (r.vector || []).slice(0, cells);
    const size = Math.min(8, (col - 12) / cells);
    values.forEach((v, k) => {
      const t = Math.max(-1, Math.min(1, v * 2));
      const colour = t < 0 ? `rgba(35, 100, 170, ${(-t).toFixed(3)})` : `rgba(200, 65, 44, ${t.toFixed(3)})`;
      const cell = node("rect", { x: x - (cells * size) / 2 + k * size, y: 198, width: size, height: 22, fill: colour, class: "value" });
      cell.append(node("title", {}, v.toFixed(6)));
      g.append(cell);
    });
    svg.append(g);
  });
  $("pipeline-note").textContent = records.length > shown.length
    ? `The first ${shown.length} of ${records.length} pieces. `
    : "";
  $("pipeline-note").textContent += "Each token's ID picks one row of the embedding matrix: that row is the token's vector.";
}

function guarded(task) {
  return (event) => { if (event) event.preventDefault(); clear(); task().catch(say); };
}

async function start() {
  const served = await ask("models", {});
  for (const m of served) $("model").append(new Option(`${m.served_as} [${m.vocabulary} × ${m.dimensions}]`, m.served_as));
  if (params.get("m")) $("model").value = params.get("m");
  const shown = () => {
    const m = served.find((s) => s.served_as === $("model").value) || served[0];
    $("shape").textContent = `embedding matrix [${m.vocabulary}, ${m.dimensions}]`;
  };
  shown();
  $("words").value = params.get("w") || LECTURE.words;
  $("top").value = params.get("n") || LECTURE.top;
  $("projection").value = ["tsne", "umap"].includes(params.get("p")) ? params.get("p") : "pca";
  const [a, b, c] = (params.get("a") || LECTURE.analogy.join(",")).split(",");
  [$("a").value, $("b").value, $("c").value] = [a || "", b || "", c || ""];
  $("text").value = params.get("t") || LECTURE.text;
  $("words-form").addEventListener("submit", guarded(showWords));
  $("analogy-form").addEventListener("submit", guarded(solveAnalogy));
  $("tokens-form").addEventListener("submit", guarded(splitText));
  $("model").addEventListener("change", () => { shown(); all(); });
  await all();
}

async function all() {
  document.body.dataset.ready = "false";
  clear();
  const failed = [];
  for (const task of [showWords, solveAnalogy, splitText]) {
    try { await task(); } catch (error) { failed.push(error); }
  }
  if (failed.length) say(failed[0]);
  document.body.dataset.ready = "true";
}

start().catch(say);
