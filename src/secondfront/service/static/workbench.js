// secondfront workbench: small page scripts. Each page's HTML comes from the server;
// these functions send changes to the JSON API and swap in the fragment the server
// renders, so the markup is written in one place (the Jinja templates).
"use strict";

function $(sel, root) { return (root || document).querySelector(sel); }
function $all(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }
function esc(s) { return String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c])); }
function pct(p) { return (p * 100).toFixed(1) + "%"; }

async function request(method, url, body, accept, signal) {
  const opts = {method, headers: {"accept": accept || "application/json"}, credentials: "same-origin", signal};
  if (body !== undefined) { opts.headers["content-type"] = "application/json"; opts.body = JSON.stringify(body); }
  const res = await fetch(url, opts);
  if (!res.ok) {
    let msg = res.status + " " + res.statusText;
    try { const e = await res.json(); msg = e.error || msg; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  return (accept && accept.startsWith("text/")) ? res.text() : res.json();
}

function chart(el, spec) {
  if (!el || typeof vegaEmbed === "undefined") return Promise.resolve(null);
  return vegaEmbed(el, spec, {actions: false, renderer: "svg"}).catch(err => { el.textContent = "chart: " + err; return null; });
}

// -- Model page: click a node to see its table, parents, claims and sources ------------
function initModel(model) {
  const detail = $("#detail");
  async function show(name) {
    $all(".graph .node").forEach(n => n.classList.toggle("selected", n.dataset.var === name));
    $all(".graph path").forEach(p => p.classList.toggle("hl", p.dataset.from === name || p.dataset.to === name));
    const ex = await request("GET", `/api/models/${encodeURIComponent(model)}/variables/${encodeURIComponent(name)}`);
    const head = ex.parents.map(p => `<th>${esc(p)}</th>`).join("") + ex.states.map(s => `<th class="num">P(${esc(s)})</th>`).join("");
    const rows = ex.rows.map(([given, dist]) =>
      "<tr>" + ex.parents.map(p => `<td>${esc(given[p])}</td>`).join("") +
      ex.states.map(s => `<td class="num">${dist[s].toFixed(3)}</td>`).join("") + "</tr>").join("");
    const marg = ex.states.map(s => `${esc(s)} <strong>${pct(ex.marginal[s])}</strong>`).join(" · ");
    const claims = ex.claims.map(c => `<li><code>${esc(c.id)}</code> <strong>${esc(c.locator)}</strong> [${esc(c.grading)}]: ${esc(c.says)}
      <div class="muted small">source ${esc(c.source.id)}: ${esc(c.source.author)}, ${esc(c.source.title)} (${esc(c.source.date)}, graded ${esc(c.source.grading)})</div></li>`).join("");
    const assumptions = ex.assumptions.map(a => `<li>${esc(a)}</li>`).join("");
    const link = v => `<a href="#${esc(v)}" data-go="${esc(v)}">${esc(v)}</a>`;
    detail.innerHTML = `<h2 id="detail-name">${esc(ex.variable)}</h2><p>${esc(ex.label)}</p>
      <p class="small">Now: ${marg}</p>
      <p class="small"><strong>Parents:</strong> ${ex.parents.map(link).join(", ") || "none (a root)"}<br>
      <strong>Children:</strong> ${ex.children.map(link).join(", ") || "none"}<br><strong>Form:</strong> ${esc(ex.form)}</p>
      <h3>Table</h3><table id="cpt"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>
      <h3>Claims (${ex.claims.length})</h3>${claims ? `<ul class="small">${claims}</ul>` : '<p class="muted">No claim cited.</p>'}
      <h3>Stated assumptions (${ex.assumptions.length})</h3>${assumptions ? `<ul class="small">${assumptions}</ul>` : '<p class="muted">None.</p>'}`;
    $all("[data-go]", detail).forEach(a => a.addEventListener("click", ev => { ev.preventDefault(); show(a.dataset.go); }));
    history.replaceState(null, "", "#" + name);
  }
  $all(".graph .node").forEach(node => {
    node.addEventListener("click", () => show(node.dataset.var).catch(e => { detail.textContent = e.message; }));
    node.addEventListener("keydown", ev => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); show(node.dataset.var); } });
  });
  const start = decodeURIComponent(location.hash.slice(1));
  if (start && $(`.graph .node[data-var="${CSS.escape(start)}"]`)) show(start);
}

// -- What if: evidence and interventions, outcomes updated in place --------------------
function initWhatif(model) {
  const form = $("#whatif-form");
  function drawChart() {
    const data = JSON.parse($("#chart-data").textContent);
    const box = $("#whatif-chart");
    // Outcome names take up to 330 px beside the bars, less in a narrow window.
    const labels = Math.min(330, Math.floor(box.clientWidth * 0.4));
    chart(box, {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      width: Math.max(200, Math.min(560, box.clientWidth - labels - 60)), height: {step: 12}, data: {values: data},
      mark: {type: "bar"},
      encoding: {
        y: {field: "outcome", type: "nominal", title: null, sort: null, axis: {labelLimit: labels}},
        yOffset: {field: "scenario"},
        x: {field: "p", type: "quantitative", title: "probability", axis: {format: "%"}, scale: {domain: [0, 1]}},
        color: {field: "scenario", type: "nominal", title: null, scale: {range: ["#b0b0b0", "#d7301f"]}, legend: {orient: "bottom"}},
        tooltip: [{field: "outcome"}, {field: "scenario"}, {field: "p", format: ".1%"}]
      }
    });
  }
  // The report links carry the scenario as VAR=STATE query items, as the API reads them.
  function linkReport(body) {
    for (const format of ["html", "pdf"]) {
      const q = new URLSearchParams({format});
      for (const kind of ["evidence", "do"]) {
        for (const [v, s] of Object.entries(body[kind])) q.append(kind, `${v}=${s}`);
      }
      $(`#scenario-${format}`).href = `/api/models/${encodeURIComponent(model)}/report?${q}`;
    }
  }
  // Only the reply to the latest request may update the page: a change made while an
  // earlier request is still out aborts that request, and a reply that arrives anyway
  // (the server answered before the abort) is dropped when it is not the latest.
  let latest = 0;
  let inflight = null;
  async function update() {
    const body = {evidence: {}, do: {}};
    $all("select", form).forEach(sel => { if (sel.value) body[sel.dataset.kind][sel.dataset.var] = sel.value; });
    linkReport(body);
    const iv = $("#with-intervals");
    if (iv && iv.checked) body.uncertainty = true;
    const mine = ++latest;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const box = $("#outcomes");
    box.setAttribute("aria-busy", "true");
    try {
      const html = await request("POST", `/models/${encodeURIComponent(model)}/whatif/outcomes`, body, "text/html", inflight.signal);
      if (mine !== latest) return;
      box.innerHTML = html;
      // What the table now shows, for anyone (or any test) waiting on a given scenario.
      box.dataset.scenario = JSON.stringify({evidence: body.evidence, do: body.do});
      box.dataset.updated = String(Date.now());
      box.removeAttribute("aria-busy");
      drawChart();
    } catch (e) {
      if (mine !== latest) return;  // an aborted or superseded request: not an error
      box.removeAttribute("aria-busy");
      box.insertAdjacentHTML("afterbegin", `<p class="error">${esc(e.message)}</p>`);
    }
  }
  form.addEventListener("change", update);
  form.addEventListener("reset", () => setTimeout(update, 0));
  drawChart();
}

// -- ACH ------------------------------------------------------------------------------
function initAchList(model) {
  const form = $("#ach-new");
  if (!form) return;
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const data = new FormData(form);
    try {
      const m = await request("POST", "/api/ach", {model, hypothesis: data.get("hypothesis"), title: data.get("title"), items: data.get("items")});
      location.href = `/ach/${m.id}`;
    } catch (e) { const p = $("#ach-new-error"); p.hidden = false; p.textContent = e.message; }
  });
}

function initAch() {
  const box = $("#matrix");
  const id = box.dataset.matrix;
  const analyst = box.dataset.analyst || "analyst";
  const fail = e => { const s = $("#ach-error"); s.hidden = false; s.textContent = e.message; };
  function drawChart() {
    const d = JSON.parse($("#ach-data").textContent);
    const values = d.hypotheses.map(h => ({hypothesis: h, measure: "weighted inconsistency (ACH)", value: d.weighted[h]}));
    if (d.posterior) d.hypotheses.forEach(h => values.push({hypothesis: h, measure: "P(h | items) (model)", value: d.posterior[h]}));
    chart($("#ach-chart"), {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      data: {values}, facet: {column: {field: "measure", title: null}},
      resolve: {scale: {x: "independent"}},
      spec: {width: 300, height: {step: 22}, mark: "bar",
        encoding: {y: {field: "hypothesis", type: "nominal", title: null}, x: {field: "value", type: "quantitative", title: null},
                   color: {field: "measure", legend: null, scale: {range: ["#e67e00", "#1f4e79"]}},
                   tooltip: [{field: "hypothesis"}, {field: "value", format: ".3f"}]}}
    });
  }
  async function refresh() {
    box.innerHTML = await request("GET", `/ach/${id}/matrix?analyst=${encodeURIComponent(analyst)}`, undefined, "text/html");
    box.dataset.updated = String(Date.now());
    drawChart();
  }
  box.addEventListener("change", async ev => {
    const t = ev.target;
    try {
      if (t.classList.contains("rating")) {
        await request("PUT", `/api/ach/${id}/ratings`, {item: t.dataset.item, hypothesis: t.dataset.hypothesis, rating: t.value || null, analyst});
      } else if (t.classList.contains("grading")) {
        await request("PATCH", `/api/ach/${id}/items/${encodeURIComponent(t.dataset.item)}`, {grading: t.value});
      } else { return; }
      await refresh();
    } catch (e) { fail(e); }
  });
  box.addEventListener("click", async ev => {
    const b = ev.target.closest("button.remove");
    if (!b) return;
    try { await request("DELETE", `/api/ach/${id}/items/${encodeURIComponent(b.dataset.item)}`); location.reload(); } catch (e) { fail(e); }
  });
  $("#ach-add").addEventListener("submit", async ev => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    const [kind, ref] = String(data.get("ref") || "").split(/:(.*)/s);
    if (!ref) return;
    const body = {kind, ref};
    if (data.get("grading")) body.grading = data.get("grading");
    try { await request("POST", `/api/ach/${id}/items`, body); location.reload(); } catch (e) { fail(e); }
  });
  drawChart();
}

// -- Timeline: weekly probabilities, alert markers, click a week for its evidence ------
const TIMELINE_TICKS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1];

// The plot's width in `box` (less `room` for the axis) and a legend under it whose
// labels are cut to fit: in a window of 800 px a legend as wide as the labels would
// run out of the chart.
function fitted(box, room) {
  const width = Math.max(240, box.clientWidth - room);
  const columns = width >= 900 ? 2 : 1;
  return {width, legend: {orient: "bottom", columns, labelLimit: Math.floor(width / columns) - 40}};
}

// The weeks table lists the alert weeks; the button brings back every week.
function showAllWeeks() {
  const table = $("#timeline-weeks"), button = $("#timeline-show-all");
  if (table) table.classList.remove("alerts-only");
  if (button) {
    $("#timeline-shown").textContent = `all ${button.dataset.all} weeks`;
    button.remove();
  }
}

function initTimeline() {
  const all = $("#timeline-show-all");
  if (all) all.addEventListener("click", showAllWeeks);
  const el = $("#timeline-data");
  if (!el) return;
  const data = JSON.parse(el.textContent);
  if (!data || !data.weeks) return;
  const order = data.series.map(s => `${s.label} (${s.state})`);
  const head = data.series.length ? data.series[0].variable : null;
  const values = [];
  // The dated forecast of each week when the view carries it (what `forecast --as-of`
  // gives for the week's end); else the network's probability under the week's chain.
  const dated = data.dated_weeks != null;
  // Weeks before the first training window closed carry no dated number: left out.
  const pick = (w, v) => dated ? ((w.dated && v in w.dated) ? w.dated[v] : null) : w.p[v];
  const byWeek = Object.fromEntries(data.weeks.map(w => [w.week, w]));
  data.weeks.forEach(w => data.series.forEach((s, k) => values.push({
    week: w.week, start: w.start, variable: s.variable, outcome: order[k], p: pick(w, s.variable),
    observed: w.observed.length ? w.observed.join(", ") : "none"
  })));
  const shown = values.filter(v => v.p !== null);
  const alerts = data.alerts.map(a => ({
    week: a.week, start: a.start, rule: a.rule, message: a.message,
    p: (a.p === null || !byWeek[a.week]) ? a.p : pick(byWeek[a.week], a.variable)
  }));
  // Over more than two years, month ticks crowd the axis; years read better.
  const years = data.weeks.length > 104;
  const x = {field: "start", type: "temporal", title: null,
             axis: years ? {tickCount: "year", format: "%Y"} : {}};
  // Square-root scale: the headline outcomes move between 1% and 15%, which a linear
  // axis shared with an outcome near 75% would flatten (the report's chart does the same).
  const y = {field: "p", type: "quantitative",
             title: dated ? `P(within ${data.dated_weeks} weeks), square-root scale`
                          : "probability (square-root scale)",
             scale: {type: "sqrt", domain: [0, 1]}, axis: {format: "%", values: TIMELINE_TICKS}};
  const box = $("#timeline-chart");
  const size = fitted(box, 110);
  const layers = [
    {data: {values: alerts}, mark: {type: "rule", color: "#c00000", strokeDash: [4, 3]}, encoding: {x}},
    {mark: {type: "line", interpolate: "linear"},
     encoding: {x, y,
       color: {field: "outcome", type: "nominal", title: null, sort: order,
               scale: {range: ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac", "#e15759"]},
               legend: size.legend},
       strokeWidth: {condition: {test: `datum.variable === ${JSON.stringify(head)}`, value: 3}, value: 1.3}}},
    // Invisible points pick the nearest week for the tooltip and for clicks.
    {params: [{name: "hover", select: {type: "point", fields: ["week"], nearest: true, on: "pointerover", clear: "pointerout"}}],
     mark: {type: "point", opacity: 0, size: 60},
     encoding: {x, y, tooltip: [{field: "week"}, {field: "outcome"}, {field: "p", format: ".1%"}, {field: "observed", title: "observed"}]}},
    {data: {values: alerts.filter(a => a.p !== null)}, name: "alert_markers",
     mark: {type: "point", shape: "triangle-up", filled: true, color: "#c00000", size: 160, stroke: "#fff", strokeWidth: 1, opacity: 1},
     encoding: {x, y, tooltip: [{field: "message", title: "alert"}]}}
  ];
  // A fixed width from the box (less the axis' room): "container" sizing collapses
  // when the legend below the plot is wider than the first measurement.
  chart(box, {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: size.width, height: 340,
    data: {values: shown}, layer: layers
  }).then(result => {
    if (!result) return;
    box.dataset.drawn = String(data.weeks.length);
    result.view.addEventListener("click", (_, item) => {
      const week = item && item.datum && item.datum.week;
      const row = week && document.getElementById("week-" + week);
      if (row && row.classList.contains("quiet")) showAllWeeks();
      if (row) { row.scrollIntoView({block: "center"}); row.classList.add("flash"); setTimeout(() => row.classList.remove("flash"), 1500); }
    });
  });
}

// -- Questions: each question's forecasts over time, and the reliability diagram -------
function initQuestions() {
  const el = $("#questions-data");
  if (!el) return;
  const data = JSON.parse(el.textContent);
  if (!data || !data.questions) return;
  const values = [];
  data.questions.forEach(q => q.history.forEach(h => values.push({
    id: q.id, target: q.target, as_of: h.as_of, p: h.p,
    revision: h.revision === null ? "as of asked" : String(h.revision),
    outcome: q.outcome === null ? "open" : (q.outcome ? "yes" : "no")
  })));
  const x = {field: "as_of", type: "temporal", title: "forecast day"};
  const y = {field: "p", type: "quantitative", title: "P(yes) (square-root scale)",
             scale: {type: "sqrt", domain: [0, 1]}, axis: {format: "%", values: TIMELINE_TICKS}};
  const box = $("#questions-chart");
  const size = fitted(box, 110);
  const color = {field: "target", type: "nominal", title: null, legend: size.legend};
  chart(box, {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: size.width, height: 300, data: {values},
    layer: [
      {mark: {type: "line"}, encoding: {x, y, color, detail: {field: "id"}}},
      {name: "question_points", mark: {type: "point", filled: true, size: 70},
       encoding: {x, y, color, shape: {field: "outcome", type: "nominal", title: "outcome", legend: {orient: "bottom"}},
                  tooltip: [{field: "id"}, {field: "as_of", type: "temporal"}, {field: "p", format: ".1%"},
                            {field: "revision"}, {field: "outcome"}]}}
    ]
  }).then(result => { if (result) box.dataset.drawn = String(values.length); });
  const rel = $("#reliability-chart");
  if (!rel || !data.scores) return;
  const bins = data.scores.bins;
  const axis = {format: "%"};
  chart(rel, {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: 340, height: 340,
    layer: [
      {data: {values: [{x: 0, y: 0}, {x: 1, y: 1}]}, mark: {type: "line", color: "grey", strokeDash: [4, 3]},
       encoding: {x: {field: "x", type: "quantitative"}, y: {field: "y", type: "quantitative"}}},
      {data: {values: bins}, mark: {type: "line", color: "#1f5f8b"},
       encoding: {x: {field: "forecast", type: "quantitative"}, y: {field: "observed", type: "quantitative"}}},
      {data: {values: bins}, name: "bin_points", mark: {type: "point", filled: true, color: "#1f5f8b", opacity: 0.9},
       encoding: {x: {field: "forecast", type: "quantitative", title: "forecast probability (mean within bin)",
                      scale: {domain: [0, 1]}, axis},
                  y: {field: "observed", type: "quantitative", title: "observed frequency of yes",
                      scale: {domain: [0, 1]}, axis},
                  size: {field: "n", type: "quantitative", title: "questions", scale: {range: [60, 600]}},
                  tooltip: [{field: "n", title: "questions"}, {field: "forecast", format: ".1%"}, {field: "observed", format: ".1%"}]}}
    ]
  }).then(result => { if (result) rel.dataset.drawn = String(bins.length); });
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page, model = document.body.dataset.model;
  const pick = $("#model-select");
  if (pick) pick.addEventListener("change", () => { location.href = `/models/${encodeURIComponent(pick.value)}`; });
  if (page === "model") initModel(model);
  if (page === "whatif") initWhatif(model);
  if (page === "ach" && $("#matrix")) initAch();
  else if (page === "ach") initAchList(model);
  if (page === "timeline") initTimeline();
  if (page === "questions") initQuestions();
});

// -- What-if page: parameter edits saved as an overlay file ------------------------------
// The server renders and checks the file (POST /api/models/{model}/overlay); the page
// only collects the rows and offers the text as a download.
function initOverlay(model) {
  const form = $("#overlay-form"), status = $("#overlay-status");
  const api = `/api/models/${encodeURIComponent(model)}`;
  request("GET", `${api}/parameters`).then(params => {
    $("#overlay-paths").innerHTML = params.map(p =>
      `<option value="${esc(p.path)}">${esc(p.kind)}: ${esc(Array.isArray(p.value) ? p.value.join(", ") : p.value)}</option>`).join("");
  }).catch(() => { /* a model without parameters: the save answers why */ });
  $("#overlay-add").addEventListener("click", () => {
    const row = $(".overlay-row", form).cloneNode(true);
    $all("input", row).forEach(i => { i.value = ""; });
    $("#overlay-rows").appendChild(row);
  });
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const parameters = {};
    for (const row of $all(".overlay-row", form)) {
      const path = $('[name="path"]', row).value.trim();
      if (!path) continue;
      const raw = $('[name="value"]', row).value.split(",").map(s => s.trim()).filter(s => s !== "");
      const nums = raw.map(Number);
      parameters[path] = {value: nums.length === 1 ? nums[0] : nums, reason: $('[name="reason"]', row).value.trim()};
    }
    status.classList.remove("error");
    try {
      const out = await request("POST", `${api}/overlay`, {analyst: $("#overlay-analyst").value.trim(), parameters});
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([out.text], {type: "application/yaml"}));
      link.download = out.filename;
      document.body.appendChild(link);
      link.click();
      link.remove();
      status.textContent = `Saved ${out.filename}: ${out.parameters} parameter(s) by ${out.analyst}.`;
    } catch (err) {
      status.classList.add("error");
      status.textContent = String(err.message || err);
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  if ($("#overlay-form")) initOverlay(document.body.dataset.model);
});
