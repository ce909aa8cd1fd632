// annoledger's web page: the Versions tab, the item viewer, the project's workflow map and
// the audit search, over /api/v1 with the signed-in token. No framework and nothing from
// the internet: the page must work offline and in any browser the platform ships.
"use strict";

const API = "/api/v1";
const TOKEN_KEY = "annoledger-token";
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => (
  {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const SVGNS = "http://www.w3.org/2000/svg";

let graphEdges = [];
const state = {project: null, versions: [], classes: new Map(), datasets: [], itemsOffset: 0,
               auditOffset: 0, auditNext: null, images: new Map()};

class ApiError extends Error {
  constructor(status, problem) {
    super(`${status}: ${problem.detail || problem.title || "request failed"}`);
    this.status = status;
    this.problem = problem;
  }
}

function token() { return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || ""; }

async function call(path, {method = "GET", body, raw = false} = {}) {
  const headers = {Authorization: "Bearer " + token()};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(API + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => ({})));
  if (raw) return r;
  return r.status === 204 ? null : r.json();
}

function showError(e) {
  const box = $("error");
  box.textContent = e ? (e.message || String(e)) : "";
  box.hidden = !e;
}

function say(id, text, ok = true) {
  const el = $(id);
  el.textContent = text;
  el.className = ok ? "ok" : "error";
}

const when = (iso) => (iso || "").replace("T", " ").slice(0, 19);
const short = (digest) => (digest || "").slice(0, 12);

// -- sign in --------------------------------------------------------------------------

async function signIn(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
  try {
    const me = await call("/me");
    localStorage.setItem(TOKEN_KEY, value);
    $("whoami").textContent = `Signed in: ${me.name || "token"} (${me.role}${me.project_id ? ", one project" : ""})`;
    $("signout").hidden = false;
    $("token").value = "";
    showError(null);
    await loadProjects();
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("whoami").textContent = "";
    showError(e.status === 401 ? new Error("That token is not valid (or was revoked).") : e);
  }
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
  $("whoami").textContent = "";
  $("signout").hidden = true;
  $("projects").innerHTML = "";
  $("projects-empty").hidden = false;
  $("detail").hidden = true;
}

// -- projects -------------------------------------------------------------------------

async function loadProjects(selectId) {
  const page = await call("/projects?limit=200");
  $("projects-empty").hidden = page.data.length > 0;
  $("projects").innerHTML = page.data.map((p) =>
    `<li><button type="button" data-id="${esc(p.id)}">${esc(p.name)}<br><small>${p.items} items · ${p.objects} objects</small></button></li>`).join("");
  for (const b of $("projects").querySelectorAll("button")) b.onclick = () => select(b.dataset.id);
  const first = selectId || (state.project && state.project.id) || (page.data[0] && page.data[0].id);
  if (first) await select(first);
}

let selecting = 0;  // only the latest choice of project is drawn

async function select(id) {
  for (const b of $("projects").querySelectorAll("button")) b.setAttribute("aria-current", String(b.dataset.id === id));
  const mine = ++selecting;
  try {
    const [p, versions, stats, classes, datasets] = await Promise.all([
      call(`/projects/${id}`), call(`/projects/${id}/versions?limit=1000`), call(`/projects/${id}/stats`),
      call(`/projects/${id}/classes?limit=1000`), call(`/projects/${id}/datasets?limit=1000`)]);
    if (mine !== selecting) return;
    state.project = p;
    state.versions = versions.data;
    state.classes = new Map(classes.data.map((c) => [c.id, c]));
    state.datasets = datasets.data;
    state.itemsOffset = 0;
    $("detail").hidden = false;
    $("title").textContent = p.name;
    $("summary").textContent = `${p.items} items · ${p.objects} objects · ${versions.data.length} versions · log position ${p.position} · digest ${short(p.digest)}…`;
    drawTimeline();
    drawVersions();
    drawClasses(stats.classes);
    $("diff").innerHTML = "";
    $("item-diff").innerHTML = "";
    fillVersionSelects();
    $("restore").hidden = true;
    const tab = document.querySelector('[role="tab"][aria-selected="true"]');
    if (tab) await openTab(tab.id);
  } catch (e) { showError(e); }
}

// -- tabs (keyboard: arrows move between tabs) ----------------------------------------

async function openTab(tabId) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t.id === tabId;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (!state.project) return;
  if (tabId === "tab-items") await loadItems();
  if (tabId === "tab-workflow") await loadWorkflow();
  if (tabId === "tab-audit") await searchAudit(0);
}

function tabKeys(ev) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const i = tabs.indexOf(ev.target);
  if (i < 0 || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(ev.key)) return;
  const next = ev.key === "Home" ? 0 : ev.key === "End" ? tabs.length - 1
    : (i + (ev.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length;
  tabs[next].focus();
  openTab(tabs[next].id);
  ev.preventDefault();
}

// -- versions tab ---------------------------------------------------------------------

function drawTimeline() {
  const versions = state.versions, head = state.project.position;
  if (!versions.length) { $("timeline").innerHTML = '<p class="muted">No versions yet.</p>'; return; }
  const W = 760, x = (pos) => 30 + (W - 60) * pos / Math.max(head, 1);
  let s = `<svg viewBox="0 0 ${W} 78" role="img" aria-label="Versions along the project's log"><line x1="30" y1="40" x2="${W - 30}" y2="40" stroke="#9aa6b2"/>`;
  s += `<text x="${W - 30}" y="70" text-anchor="end" fill="#5b6775">now (position ${head})</text>`;
  let lastX = -99, row = 0;
  for (const v of versions) {
    const cx = x(v.position);
    row = cx - lastX < 60 ? (row + 1) % 2 : 0;
    lastX = cx;
    const label = `v${v.number}${v.title ? " " + v.title : ""}`;
    s += `<g><title>v${v.number} ${esc(v.title)}\n${esc(v.description)}\nby ${esc(v.author)} at ${esc(when(v.created_at))}\nposition ${v.position}\ndigest ${esc(v.digest)}</title>` +
      `<circle cx="${cx}" cy="40" r="7" fill="#2f6fde"/>` +
      `<text x="${cx}" y="${row ? 64 : 22}" text-anchor="middle">${esc(label.length > 18 ? label.slice(0, 17) + "…" : label)}</text></g>`;
  }
  $("timeline").innerHTML = s + "</svg>";
}

function drawVersions() {
  const rows = [...state.versions].reverse();
  $("versions-empty").hidden = rows.length > 0;
  $("versions").hidden = !rows.length;
  $("versions").innerHTML = "<thead><tr><th scope=col>#</th><th scope=col>Title</th><th scope=col>Description</th><th scope=col>Author</th><th scope=col>Time (UTC)</th><th scope=col>Digest</th><th scope=col>Items · objects</th><th scope=col>Actions</th></tr></thead><tbody>" +
    rows.map((v) => `<tr><td>v${v.number}</td><td class="wrap">${esc(v.title)}</td><td class="wrap">${esc(v.description)}</td><td>${esc(v.author)}</td>` +
      `<td>${esc(when(v.created_at))}</td><td><code title="${esc(v.digest)}">${esc(short(v.digest))}</code></td>` +
      `<td>${v.items ?? "—"} · ${v.objects ?? "—"}</td>` +
      `<td><div class="row"><button type="button" data-act="restore" data-n="${v.number}" aria-label="Restore v${v.number}">Restore</button>` +
      `<button type="button" data-act="revert" data-n="${v.number}" aria-label="Revert to v${v.number}">Revert</button>` +
      `<button type="button" data-act="compare" data-n="${v.number}" aria-label="Compare v${v.number} with now">Compare</button></div></td></tr>`).join("") + "</tbody>";
  for (const b of $("versions").querySelectorAll("button")) b.onclick = () => versionAction(b);
}

async function versionAction(button) {
  const n = Number(button.dataset.n), act = button.dataset.act;
  if (act === "restore") return openRestore(n);
  if (act === "compare") { $("compare-a").value = String(n); $("compare-b").value = "current"; return compare(); }
  if (button.dataset.confirm !== "yes") {
    button.dataset.confirm = "yes";
    button.textContent = `Confirm revert to v${n}`;
    button.setAttribute("aria-label", `Confirm revert to v${n}`);
    button.focus();
    return;
  }
  try {
    const r = await call(`/projects/${state.project.id}/versions/${n}/revert`, {method: "POST"});
    say("action-result", `Reverted to v${n}: ${r.events} events recorded.`);
    await reloadProject();
  } catch (e) { say("action-result", e.message, false); drawVersions(); }
}

function openRestore(n) {
  const form = $("restore");
  form.hidden = false;
  form.dataset.n = String(n);
  $("restore-title").textContent = `Restore v${n} into a new project`;
  $("restore-name").value = `${state.project.name}, from ver. ${n}`;
  $("restore-datasets").innerHTML = state.datasets.map((d) =>
    `<label><input type="checkbox" value="${esc(d.path)}"> ${esc(d.path)}</label>`).join("");
  $("restore-name").focus();
}

async function restore(ev) {
  ev.preventDefault();
  const n = Number($("restore").dataset.n);
  const datasets = [...$("restore-datasets").querySelectorAll("input:checked")].map((i) => i.value);
  try {
    const p = await call(`/projects/${state.project.id}/versions/${n}/restore`, {method: "POST",
      body: {name: $("restore-name").value.trim() || null, datasets: datasets.length ? datasets : null}});
    $("restore").hidden = true;
    const el = $("action-result");
    el.className = "ok";
    el.innerHTML = `Restored v${n} as <button type="button" class="link" id="open-restored">${esc(p.name)}</button> (${p.items} items, ${p.objects} objects).`;
    $("open-restored").onclick = () => loadProjects(p.id);
    await loadProjects(state.project.id);
  } catch (e) { say("action-result", e.message, false); }
}

async function createVersion(ev) {
  ev.preventDefault();
  try {
    const v = await call(`/projects/${state.project.id}/versions`, {method: "POST",
      body: {title: $("version-title").value, description: $("version-description").value}});
    say("create-result", `Created v${v.number} ${v.title}.`);
    $("version-title").value = "";
    $("version-description").value = "";
    await reloadProject();
  } catch (e) { say("create-result", e.status === 409 ? `Not created: ${e.problem.detail || "nothing changed since the last version"}` : e.message, false); }
}

async function reloadProject() {
  const keepA = $("compare-a").value, keepB = $("compare-b").value;
  await loadProjects(state.project.id);
  if (keepA) $("compare-a").value = keepA;
  if (keepB) $("compare-b").value = keepB;
}

function fillVersionSelects() {
  const opts = state.versions.map((v) => `<option value="${v.number}">v${v.number} ${esc(v.title)}</option>`).join("");
  $("compare-a").innerHTML = opts;
  $("compare-b").innerHTML = opts + '<option value="current">now</option>';
  $("compare-b").value = "current";
  const none = !state.versions.length;
  $("compare").disabled = none;
  $("compare-a").disabled = none;
  $("compare-b").disabled = none;
  if (none) $("diff").innerHTML = '<p class="muted">Create a version to compare it with now.</p>';
  $("items-at").innerHTML = '<option value="">now</option>' + opts;
}

function drawClasses(classes) {
  const shown = classes.filter((c) => c.objects > 0);
  if (!shown.length) { $("classes").innerHTML = '<p class="muted">No objects.</p>'; return; }
  const max = Math.max(1, ...shown.map((c) => c.objects));
  $("classes").innerHTML = `<svg viewBox="0 0 760 ${shown.length * 24 + 4}" role="img" aria-label="Objects per class">` + shown.map((c, i) =>
    `<text x="0" y="${i * 24 + 16}">${esc(c.title)}</text>` +
    `<rect x="170" y="${i * 24 + 4}" height="16" width="${520 * c.objects / max}" fill="${esc(c.color)}"/>` +
    `<text x="${176 + 520 * c.objects / max}" y="${i * 24 + 16}">${c.objects}</text>`).join("") + "</svg>";
}

async function compare(ev) {
  if (ev) ev.preventDefault();
  const a = $("compare-a").value, b = $("compare-b").value;
  $("item-diff").innerHTML = "";
  try {
    const d = await call(`/projects/${state.project.id}/versions/${a}/diff/${b}`);
    const label = (r) => r === "current" ? "now" : `v${r}`;
    const rows = Object.entries(d.classes);
    const max = Math.max(1, ...rows.flatMap(([, v]) => v));
    const chart = rows.length ? `<svg viewBox="0 0 760 ${rows.length * 30 + 4}" role="img" aria-label="Objects per class before and after">` + rows.map(([t, [x, y]], i) =>
      `<text x="0" y="${i * 30 + 16}">${esc(t)}</text>` +
      `<rect x="170" y="${i * 30 + 3}" height="10" width="${480 * x / max}" fill="#b8c4d1"/>` +
      `<rect x="170" y="${i * 30 + 15}" height="10" width="${480 * y / max}" fill="#2f6fde"/>` +
      `<text x="690" y="${i * 30 + 20}">${x} → ${y}</text>`).join("") + "</svg>" : "";
    const list = (k, mark) => d.items[k].length ? d.items[k].map((path) =>
      `<li><button type="button" class="link" data-path="${esc(path)}" data-kind="${k}">${esc(path)}</button> <small>${mark}</small></li>`).join("") : "";
    const changed = list("added", "added") + list("modified", "changed") + list("removed", "removed");
    $("diff").innerHTML = `<p><strong>${label(a)} → ${label(b)}</strong>: items +${d.items.added.length} −${d.items.removed.length} ~${d.items.modified.length}; ` +
      `objects +${d.objects.added} −${d.objects.removed} ~${d.objects.modified}</p>` + chart +
      `<p class="legend"><span><i class="swatch" style="background:#b8c4d1"></i>${label(a)}</span><span><i class="swatch" style="background:#2f6fde"></i>${label(b)}</span></p>` +
      (changed ? `<h4>Changed items</h4><ul>${changed}</ul>` : '<p class="muted">No item changed.</p>');
    for (const btn of $("diff").querySelectorAll("button[data-path]")) btn.onclick = () => itemDiff(btn.dataset.path, a, b);
  } catch (e) { $("diff").innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}

async function findItem(path) {
  const slash = path.lastIndexOf("/");
  const dataset = state.datasets.find((d) => d.path === path.slice(0, slash));
  if (!dataset) return null;
  const page = await call(`/projects/${state.project.id}/items?dataset_id=${dataset.id}&name=${encodeURIComponent(path.slice(slash + 1))}&limit=1`);
  return page.data[0] || null;
}

async function annotationAt(itemId, ref) {
  const q = ref && ref !== "current" ? `?version=${ref}` : "";
  try { return await call(`/projects/${state.project.id}/items/${itemId}/annotation${q}`); }
  catch (e) { if (e.status === 404) return null; throw e; }
}

async function itemDiff(path, a, b) {
  const box = $("item-diff");
  box.innerHTML = `<p class="muted">Loading ${esc(path)}…</p>`;
  try {
    const item = await findItem(path);
    if (!item) { box.innerHTML = `<p class="muted">${esc(path)} is not in the project now, so its picture cannot be shown.</p>`; return; }
    const [before, after, image] = await Promise.all([annotationAt(item.id, a), annotationAt(item.id, b), imageOf(item.id)]);
    const ids = (ann) => new Map((ann ? ann.objects : []).map((o) => [o.id, o]));
    const A = ids(before), B = ids(after);
    const same = (x, y) => JSON.stringify(strip(x)) === JSON.stringify(strip(y));
    const markA = new Map(), markB = new Map();
    for (const [id, o] of A) markA.set(id, !B.has(id) ? "removed" : same(o, B.get(id)) ? "same" : "changed");
    for (const [id, o] of B) markB.set(id, !A.has(id) ? "added" : same(A.get(id), o) ? "same" : "changed");
    const label = (r) => r === "current" ? "now" : `v${r}`;
    box.innerHTML = `<h4>${esc(path)}</h4><p class="legend"><span><i class="swatch" style="background:#d93025"></i>removed</span><span><i class="swatch" style="background:#1e8e3e"></i>added</span><span><i class="swatch" style="background:#f29900"></i>changed</span><span><i class="swatch" style="background:#9aa6b2"></i>unchanged</span></p>` +
      `<div class="pair"><figure><figcaption>${label(a)}</figcaption><div id="diff-a" class="stage"></div></figure>` +
      `<figure><figcaption>${label(b)}</figcaption><div id="diff-b" class="stage"></div></figure></div>`;
    await drawItem($("diff-a"), before || after, image, (o) => MARKS[markA.get(o.id)], before ? before.objects : [], `${path} at ${label(a)}`);
    await drawItem($("diff-b"), after || before, image, (o) => MARKS[markB.get(o.id)], after ? after.objects : [], `${path} at ${label(b)}`);
  } catch (e) { box.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}

const MARKS = {removed: "#d93025", added: "#1e8e3e", changed: "#f29900", same: "#9aa6b2"};

function strip(o) {
  if (!o) return o;
  const {updatedAt, createdAt, labelerLogin, ...rest} = o;
  return rest;
}

// -- drawing an item: its image and every shape ----------------------------------------

async function imageOf(itemId) {
  if (state.images.has(itemId)) return state.images.get(itemId);
  let url = null;
  try {
    const r = await call(`/projects/${state.project.id}/items/${itemId}/media`, {raw: true});
    url = URL.createObjectURL(await r.blob());
  } catch (e) { if (![403, 404].includes(e.status)) throw e; }
  state.images.set(itemId, url);
  return url;
}

async function bitmapUrl(data) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const png = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"))).blob();
  return URL.createObjectURL(new Blob([png], {type: "image/png"}));
}

function colourOf(o) {
  const c = state.classes.get(o.classId);
  return c ? c.color : "#2f6fde";
}

async function drawItem(el, ann, image, colour, objects, label) {
  const w = (ann && ann.size && ann.size.width) || 100, h = (ann && ann.size && ann.size.height) || 100;
  const stroke = Math.max(1.5, Math.max(w, h) / 300);
  const svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  if (image) {
    const img = document.createElementNS(SVGNS, "image");
    img.setAttribute("href", image);
    img.setAttribute("width", w);
    img.setAttribute("height", h);
    svg.appendChild(img);
  }
  for (const o of objects) {
    const shape = await shapeOf(o, colour(o), stroke);
    if (shape) {
      const title = document.createElementNS(SVGNS, "title");
      title.textContent = `${o.classTitle} #${o.id}`;
      shape.appendChild(title);
      svg.appendChild(shape);
    }
  }
  el.replaceChildren(svg);
}

async function shapeOf(o, colour, stroke) {
  const g = document.createElementNS(SVGNS, "g");
  g.setAttribute("stroke", colour);
  g.setAttribute("fill", colour);
  g.setAttribute("fill-opacity", "0.18");
  g.setAttribute("stroke-width", stroke);
  const pts = o.points || {};
  const ext = pts.exterior || [], holes = pts.interior || [];
  const ring = (r) => "M" + r.map(([x, y]) => `${x},${y}`).join("L") + "Z";
  const add = (tag, attrs) => {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    g.appendChild(e);
    return e;
  };
  switch (o.geometryType) {
    case "rectangle": {
      const [[x1, y1], [x2, y2]] = ext;
      add("rect", {x: Math.min(x1, x2), y: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1)});
      break;
    }
    case "polygon":
      add("path", {d: [ext, ...holes].map(ring).join(" "), "fill-rule": "evenodd"});
      break;
    case "line": case "polyline":
      add("polyline", {points: ext.map((p) => p.join(",")).join(" "), fill: "none"});
      break;
    case "point":
      add("circle", {cx: ext[0][0], cy: ext[0][1], r: stroke * 3});
      break;
    case "bitmap": case "alpha_mask": {
      const b = o.bitmap || {};
      if (!b.data) return null;
      const url = await bitmapUrl(b.data);
      const img = add("image", {href: url, x: b.origin[0], y: b.origin[1], opacity: 0.6});
      await new Promise((ok) => { const probe = new Image(); probe.onload = () => { img.setAttribute("width", probe.width); img.setAttribute("height", probe.height); ok(); }; probe.onerror = ok; probe.src = url; });
      break;
    }
    case "graph":
      for (const node of Object.values(o.nodes || {})) add("circle", {cx: node.loc[0], cy: node.loc[1], r: stroke * 2.5});
      break;
    default:
      if (ext.length) add("path", {d: ring(ext)});
      else return null;
  }
  return g;
}

// -- item viewer ----------------------------------------------------------------------

async function loadItems(ev) {
  if (ev) { ev.preventDefault(); state.itemsOffset = 0; }
  const name = $("items-name").value.trim();
  const q = `offset=${state.itemsOffset}&limit=50` + (name ? `&name=${encodeURIComponent(name)}` : "");
  try {
    const page = await call(`/projects/${state.project.id}/items?${q}`);
    const path = (i) => `${(state.datasets.find((d) => d.id === i.dataset_id) || {path: i.dataset_id}).path}/${i.name}`;
    $("items").innerHTML = "<thead><tr><th scope=col>Item</th><th scope=col>Objects</th></tr></thead><tbody>" + page.data.map((i) =>
      `<tr><td><button type="button" class="link" data-id="${esc(i.id)}">${esc(path(i))}</button></td><td>${i.objects}</td></tr>`).join("") + "</tbody>";
    for (const b of $("items").querySelectorAll("button")) b.onclick = () => showItem(b.dataset.id, b.textContent);
    $("items-prev").disabled = state.itemsOffset === 0;
    $("items-next").disabled = state.itemsOffset + page.data.length >= page.count;
  } catch (e) { showError(e); }
}

async function showItem(itemId, path) {
  const view = $("item-view");
  const at = $("items-at").value;
  view.innerHTML = `<p class="muted">Loading ${esc(path)}…</p>`;
  try {
    const [ann, image, history] = await Promise.all([annotationAt(itemId, at), imageOf(itemId),
      call(`/projects/${state.project.id}/items/${itemId}/history`)]);
    if (!ann) { view.innerHTML = `<p class="muted">${esc(path)} did not exist at v${esc(at)}.</p>`; return; }
    view.innerHTML = `<h4>${esc(path)} <small>${at ? "at v" + esc(at) : "now"}</small></h4><div id="item-stage" class="stage"></div>` +
      `<h4>Objects</h4><div class="scroll"><table><thead><tr><th scope=col>Id</th><th scope=col>Class</th><th scope=col>Shape</th><th scope=col>Tags</th><th scope=col>Labeler</th></tr></thead><tbody>` +
      ann.objects.map((o) => `<tr><td>${o.id}</td><td><i class="swatch" style="background:${esc(colourOf(o))}"></i>${esc(o.classTitle)}</td><td>${esc(o.geometryType)}</td>` +
        `<td>${o.tags.map((t) => esc(t.name) + (t.value === null || t.value === undefined ? "" : "=" + esc(t.value))).join(", ")}</td><td>${esc(o.labelerLogin)}</td></tr>`).join("") +
      `</tbody></table></div><p>Item tags: ${ann.tags.map((t) => esc(t.name)).join(", ") || "none"}</p>` +
      `<h4>History</h4><div class="scroll"><table><thead><tr><th scope=col>Time (UTC)</th><th scope=col>Who</th><th scope=col>What</th></tr></thead><tbody>` +
      history.map((h) => `<tr><td>${esc(when(h.time))}</td><td>${esc(h.actor)}</td><td class="wrap">${esc(h.summary)}</td></tr>`).join("") + "</tbody></table></div>";
    await drawItem($("item-stage"), ann, image, colourOf, ann.objects, `${path} with its objects`);
  } catch (e) { view.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}

// -- workflow map of the project -------------------------------------------------------

async function loadWorkflow() {
  const box = $("workflow");
  box.innerHTML = '<p class="muted">Loading…</p>';
  try {
    const g = await call("/workflow/export?format=json");
    graphEdges = g.edges;
    box.innerHTML = "";
    box.appendChild(workflowMap(g, state.project.id));
  } catch (e) { box.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}

function workflowMap(g, projectId) {
  const nodes = new Map(g.nodes.map((n) => [n.id, n]));
  const own = (id) => id === `project:${projectId}` || id.startsWith(`version:${projectId}@`);
  const ins = new Map(), outs = new Map();
  for (const e of g.edges) {
    if (!ins.has(e.target)) ins.set(e.target, []);
    if (!outs.has(e.source)) outs.set(e.source, []);
    ins.get(e.target).push(e.source);
    outs.get(e.source).push(e.target);
  }
  const versions = g.nodes.filter((n) => n.kind === "version" && n.project === projectId).sort((a, b) => a.number - b.number);
  const made = new Set(versions.map((v) => v.session));  // "versions create" sessions are the version dots
  const sessions = g.nodes.filter((n) => n.kind === "session" && !made.has(n.ref) &&
    [...(ins.get(n.id) || []), ...(outs.get(n.id) || [])].some(own));
  // One column per version or group, in time order of its first session: versions on the
  // line, sessions above (they read it) or below (they wrote it).
  const events = [...versions.map((v) => ({kind: "version", t: v.created_at, v})),
    ...sessions.map((s) => ({kind: "session", t: s.started_at || s.finished_at || "", s}))]
    .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const columns = [], groups = new Map();
  for (const ev of events) {
    if (ev.kind === "version") { columns.push({kind: "version", v: ev.v}); continue; }
    const read = (ins.get(ev.s.id) || []).filter(own);
    const side = read.length ? "above" : "below";
    const others = [...(ins.get(ev.s.id) || []), ...(outs.get(ev.s.id) || [])].filter((id) => !own(id));
    const key = [side, ev.s.app, read.join(","), others.map((id) => (nodes.get(id) || {kind: "?"}).kind).join(",")].join("|");
    const same = groups.get(key);  // the same operation on the same input: one node, ×n
    if (same) { same.sessions.push(ev.s); same.others.push(...others); continue; }
    const group = {kind: "group", key, side, app: ev.s.app, read, sessions: [ev.s], others};
    groups.set(key, group);
    columns.push(group);
  }
  const COL = 150, BOX_W = 138, BOX_H = 46, LINE_Y = 150, W = Math.max(640, 40 + columns.length * COL);
  const H = LINE_Y * 2;
  const svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("width", W);
  svg.setAttribute("height", H);
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Workflow of ${state.project.name}: ${versions.length} versions, ${sessions.length} sessions`);
  const xOf = (i) => 20 + i * COL + COL / 2;
  const versionX = new Map();
  columns.forEach((c, i) => { if (c.kind === "version") versionX.set(`version:${projectId}@${c.v.number}`, xOf(i)); });
  let html = `<line x1="10" y1="${LINE_Y}" x2="${W - 10}" y2="${LINE_Y}" stroke="#9aa6b2" stroke-width="2"/>` +
    `<text x="${W - 12}" y="${LINE_Y - 8}" text-anchor="end" fill="#5b6775">${esc(state.project.name)} → now</text>`;
  let channel = 0;
  columns.forEach((c, i) => {
    const x = xOf(i);
    if (c.kind === "version") {
      html += `<a class="node" tabindex="0" role="link" data-node="version:${projectId}@${c.v.number}" aria-label="Version ${c.v.number} ${esc(c.v.title)}"><title>v${c.v.number} ${esc(c.v.title)}\n${esc(when(c.v.created_at))}</title>` +
        `<circle cx="${x}" cy="${LINE_Y}" r="9" fill="#2f6fde"/><text x="${x}" y="${LINE_Y + 26}" text-anchor="middle">v${c.v.number}</text>` +
        `<text x="${x}" y="${LINE_Y + 40}" text-anchor="middle" fill="#5b6775">${esc(trim(c.v.title, 18))}</text></a>`;
      return;
    }
    const top = c.side === "above" ? 16 : H - 16 - BOX_H;
    const n = c.sessions.length;
    const first = c.sessions[0];
    const name = (first.app || "session").replace(/^annoledger /, "");
    const detail = n > 1 ? `×${n} · ${when(first.started_at).slice(5, 16)}…` : when(first.started_at).slice(5, 16);
    const other = c.others.length ? (nodes.get(c.others[0]) || {}).label || "" : "";
    // Edges leave the box vertically and run to the line in their own channel, so they never cross a box.
    if (c.side === "above") {
      for (const r of new Set(c.read)) {
        const tx = versionX.get(r) ?? x;
        const cy = top + BOX_H + 12 + (channel++ % 6) * 10;
        html += `<path d="M${x},${top + BOX_H} V${cy} H${tx} V${LINE_Y - 10}" fill="none" stroke="#7d8a99" marker-end="url(#arrow)"/>`;
      }
    } else {
      html += `<path d="M${x},${LINE_Y + 46} V${top}" fill="none" stroke="#7d8a99" marker-start="url(#arrow-up)"/>`;
    }
    html += `<a class="node" tabindex="0" role="link" data-node="${esc(first.id)}" data-group="${esc(c.sessions.map((s) => s.id).join(" "))}" aria-label="${esc(name)}${n > 1 ? ", " + n + " sessions" : ""}">` +
      `<title>${esc(first.app)}${n > 1 ? ` (${n} sessions)` : ""}\n${esc(first.actor || "")}\n${esc(when(first.started_at))}${other ? "\n" + esc(other) : ""}</title>` +
      `<rect x="${x - BOX_W / 2}" y="${top}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${first.status === "failed" ? "#fdecea" : "#fff"}" stroke="#2f6fde"/>` +
      `<text x="${x}" y="${top + 18}" text-anchor="middle">${esc(trim(name, 20))}</text>` +
      `<text x="${x}" y="${top + 36}" text-anchor="middle" fill="#5b6775">${esc(trim(other ? detail + " · " + other : detail, 24))}</text></a>`;
  });
  svg.innerHTML = `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#7d8a99"/></marker>` +
    `<marker id="arrow-up" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#7d8a99"/></marker></defs>` + html;
  for (const a of svg.querySelectorAll("a.node")) {
    const open = () => workflowDetail(a.dataset.node, a.dataset.group, nodes);
    a.addEventListener("click", open);
    a.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } });
  }
  if (!columns.length) {
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = "No sessions or versions recorded for this project yet.";
    return p;
  }
  return svg;
}

const SHOWN_SESSIONS = 25;
const trim = (s, n) => (s = String(s || ""), s.length > n ? s.slice(0, n - 1) + "…" : s);

async function workflowDetail(nodeId, group, nodes) {
  const box = $("workflow-detail");
  const node = nodes.get(nodeId) || {};
  if (node.kind === "version") {
    box.innerHTML = `<h4>Version ${node.number} ${esc(node.title)}</h4><p>${esc(node.description)}</p><p>by ${esc(node.author)} at ${esc(when(node.created_at))} · digest <code>${esc(short(node.digest))}</code></p>` +
      `<button type="button" id="wf-compare">Compare v${node.number} with now</button>`;
    $("wf-compare").onclick = async () => { await openTab("tab-versions"); $("compare-a").value = String(node.number); $("compare-b").value = "current"; await compare(); $("compare-title").scrollIntoView(); };
    return;
  }
  const ids = (group || nodeId).split(" ");
  const rows = ids.map((id) => nodes.get(id)).filter(Boolean);
  box.innerHTML = `<h4>${esc(node.app || node.label)}${rows.length > 1 ? ` · ${rows.length} sessions` : ""}</h4><div class="scroll"><table><thead><tr><th scope=col>Started (UTC)</th><th scope=col>Who</th><th scope=col>Status</th><th scope=col>Parameters</th><th scope=col>Wrote or read</th></tr></thead><tbody>` +
    rows.slice(-SHOWN_SESSIONS).reverse().map((s) => `<tr><td>${esc(when(s.started_at))}</td><td>${esc(s.actor)}</td><td>${esc(s.status)}</td><td class="wrap"><code>${esc(JSON.stringify(s.parameters || {}))}</code></td><td>${endpoints(s.id, nodes)}</td></tr>`).join("") + "</tbody></table></div>" +
    (rows.length > SHOWN_SESSIONS ? `<p class="muted">The latest ${SHOWN_SESSIONS} of ${rows.length}; the audit search has every one.</p>` : "");
  for (const b of box.querySelectorAll("button[data-project]")) b.onclick = () => loadProjects(b.dataset.project);
}

function endpoints(sessionId, nodes) {
  return graphEdges.filter((e) => e.source === sessionId || e.target === sessionId).map((e) => {
    const other = nodes.get(e.source === sessionId ? e.target : e.source) || {};
    if (other.kind === "project") return `<button type="button" class="link" data-project="${esc(other.ref)}">${esc(other.label)}</button>`;
    return esc(other.label || other.id || "");
  }).join("<br>");
}

// -- audit search ---------------------------------------------------------------------

function auditQuery() {
  const q = new URLSearchParams({project: state.project.id});
  for (const [field, id] of [["actor", "audit-actor"], ["item", "audit-item"], ["object", "audit-object"], ["type", "audit-type"]]) {
    const v = $(id).value.trim();
    if (v) q.set(field, v);
  }
  for (const [field, id] of [["since", "audit-since"], ["until", "audit-until"]]) {
    const v = $(id).value;
    if (v) q.set(field, new Date(v).toISOString());
  }
  return q;
}

async function searchAudit(offset, ev) {
  if (ev) ev.preventDefault();
  const q = auditQuery();
  q.set("offset", String(offset));
  q.set("limit", "50");
  try {
    const page = await call(`/audit?${q}`);
    state.auditOffset = offset;
    state.auditNext = page.next_offset;
    $("audit").innerHTML = "<thead><tr><th scope=col>Time (UTC)</th><th scope=col>Who</th><th scope=col>Event</th><th scope=col>Item</th><th scope=col>Object</th><th scope=col>What changed</th></tr></thead><tbody>" +
      page.data.map((r) => `<tr><td>${esc(when(r.time))}</td><td>${esc(r.actor)}</td><td>${esc(r.type)}</td><td class="wrap">${esc(r.item_path)}</td>` +
        `<td>${r.object_id ?? ""} ${esc(r.object_class || "")}</td><td class="wrap">${esc(r.summary)}</td></tr>`).join("") + "</tbody>";
    $("audit-page").textContent = page.data.length ? `rows ${offset + 1}–${offset + page.data.length}` : "no matching events";
    $("audit-prev").disabled = offset === 0;
    $("audit-next").disabled = page.next_offset === null || page.next_offset === undefined;
    $("event-types").innerHTML = [...new Set(page.data.map((r) => r.type))].map((t) => `<option value="${esc(t)}">`).join("");
  } catch (e) { $("audit").innerHTML = `<tbody><tr><td class="error">${esc(e.message)}</td></tr></tbody>`; }
}

async function downloadAudit() {
  try {
    const r = await call(`/audit.csv?${auditQuery()}`, {raw: true});
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = `audit-${state.project.name}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) { showError(e); }
}

// -- wiring ---------------------------------------------------------------------------

$("signin").addEventListener("submit", (ev) => { ev.preventDefault(); const v = $("token").value.trim(); if (v) signIn(v); });
$("signout").onclick = signOut;
for (const t of document.querySelectorAll('[role="tab"]')) { t.onclick = () => openTab(t.id); t.onkeydown = tabKeys; }
$("create").addEventListener("submit", createVersion);
$("restore").addEventListener("submit", restore);
$("restore-cancel").onclick = () => { $("restore").hidden = true; };
$("compare-form").addEventListener("submit", compare);
$("items-filter").addEventListener("submit", loadItems);
$("items-prev").onclick = () => { state.itemsOffset = Math.max(0, state.itemsOffset - 50); loadItems(); };
$("items-next").onclick = () => { state.itemsOffset += 50; loadItems(); };
$("items-at").onchange = () => { const open = $("item-view").querySelector("h4"); if (open) $("item-view").innerHTML = '<p class="muted">Choose an item.</p>'; };
$("audit-form").addEventListener("submit", (ev) => searchAudit(0, ev));
$("audit-prev").onclick = () => searchAudit(Math.max(0, state.auditOffset - 50));
$("audit-next").onclick = () => { if (state.auditNext !== null) searchAudit(state.auditNext); };
$("audit-csv").onclick = downloadAudit;
if (token()) signIn(token()); else $("projects-empty").hidden = false;
