// The What-If page: every view asks this page's own server (research_guards.whatif_server)
// and draws with the DOM and SVG alone, so it works offline. Values from the data are
// set as text, never as HTML.
"use strict";

const state = { meta: null, table: null, selected: null, original: null, shown: [], sequence: 0, histories: {} };
const PAGE_ROWS = 200;

function el(tag, attributes = {}, ...children) {
  const svgTags = ["svg", "path", "line", "circle", "text", "g", "rect", "polyline"];
  const node = svgTags.includes(tag)
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error);
  return answer;
}

function shown(value) {
  if (value === null || value === undefined) return "missing";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, "");
  return String(value);
}

function modelNames() { return Object.keys(state.meta.models); }

// --- Rows -----------------------------------------------------------------------

function matches(row, index, filter) {
  if (!filter) return true;
  const columns = state.table.columns;
  const pair = filter.split("=");
  if (pair.length === 2 && columns.includes(pair[0].trim())) {
    return shown(row[columns.indexOf(pair[0].trim())]) === pair[1].trim();
  }
  const needle = filter.toLowerCase();
  const label = state.table.labels ? shown(state.table.labels[index]) : "";
  return row.some((value) => shown(value).toLowerCase().includes(needle)) || label.toLowerCase().includes(needle);
}

function renderRows() {
  const filter = document.getElementById("filter").value.trim();
  state.shown = [];
  state.table.rows.forEach((row, index) => { if (matches(row, index, filter)) state.shown.push(index); });
  const table = document.getElementById("rows");
  const names = modelNames();
  const head = el("tr", {}, el("th", { text: "#" }));
  if (state.table.labels) head.append(el("th", { text: state.meta.label }));
  for (const name of names) head.append(el("th", { text: name }));
  for (const column of state.table.columns) head.append(el("th", { text: column }));
  const body = [head];
  for (const index of state.shown.slice(0, PAGE_ROWS)) {
    const line = el("tr", { "data-index": index, onclick: () => select(index) }, el("td", { text: index }));
    if (index === state.selected) line.classList.add("selected");
    if (state.table.labels) line.append(el("td", { text: shown(state.table.labels[index]) }));
    for (const name of names) line.append(el("td", { text: shown(state.table.predicted[name][index]) }));
    for (const value of state.table.rows[index]) line.append(el("td", { text: shown(value) }));
    body.push(line);
  }
  table.replaceChildren(...body);
  const more = state.shown.length > PAGE_ROWS ? ` (first ${PAGE_ROWS} shown: filter to find others)` : "";
  document.getElementById("count").textContent = `${state.shown.length} rows${more}`;
}

// --- Editor ---------------------------------------------------------------------

function rowValues(index) {
  const values = {};
  state.table.columns.forEach((column, position) => { values[column] = state.table.rows[index][position]; });
  return values;
}

function currentRow() {
  const values = {};
  for (const feature of state.meta.features) {
    const input = document.getElementById(`feature-${feature.name}`);
    if (feature.numeric) values[feature.name] = input.value === "" ? null : Number(input.value);
    else values[feature.name] = input.value === "" ? null : input.value;
  }
  return values;
}

function featureInput(feature, value) {
  if (feature.numeric) {
    return el("input", { id: `feature-${feature.name}`, name: feature.name, type: "number", step: "any", value: value === null ? "" : value });
  }
  const select = el("select", { id: `feature-${feature.name}`, name: feature.name }, el("option", { value: "", text: "missing" }));
  const domain = feature.domain.includes(value) || value === null ? feature.domain : [...feature.domain, value];
  for (const category of domain) select.append(el("option", { value: category, text: category }));
  select.value = value === null ? "" : value;
  return select;
}

function select(index, change = "selected") {
  state.selected = index;
  state.original = rowValues(index);
  state.histories[index] = state.histories[index] || [];
  document.getElementById("row-title").textContent = `Row ${index}` + (state.table.labels ? ` (${state.meta.label}: ${shown(state.table.labels[index])})` : "");
  const form = document.getElementById("features");
  form.replaceChildren(...state.meta.features.map((feature) => {
    const input = featureInput(feature, state.original[feature.name]);
    input.addEventListener(feature.numeric ? "input" : "change", () => edited(feature.name));
    return el("label", { id: `label-${feature.name}` }, el("span", { text: feature.name }), input);
  }));
  document.querySelectorAll("#rows tr.selected").forEach((line) => line.classList.remove("selected"));
  const line = document.querySelector(`#rows tr[data-index="${index}"]`);
  if (line) line.classList.add("selected");
  document.getElementById("counterfactual").replaceChildren();
  predict(change);
}

function edited(name) {
  const values = currentRow();
  document.getElementById(`label-${name}`).classList.toggle("edited", values[name] !== state.original[name]);
  predict(`${name} = ${shown(values[name])}`);
}

async function predict(change) {
  const sequence = ++state.sequence;
  const row = currentRow();
  let answer;
  try {
    answer = await api("/api/predict", { row });
  } catch (error) {
    if (sequence === state.sequence) showWarnings([], error.message);
    return;
  }
  if (sequence !== state.sequence) return; // a later edit's answer is on its way
  showWarnings(answer.warnings, null);
  showPredictions(answer.predictions);
  state.histories[state.selected].push({ change, predictions: answer.predictions });
  renderHistory();
  refreshDependence();
}

function showWarnings(warnings, error) {
  const box = document.getElementById("warnings");
  const lines = warnings.map((text) => el("div", { class: "warning", text: `served, this row would be refused: ${text}` }));
  if (error) lines.push(el("div", { class: "error", text: error }));
  box.replaceChildren(...lines);
}

function answerText(answer) {
  if (answer.error) return answer.error;
  return `${state.meta.task === "regression" ? "predicts" : "predicts class"} ${shown(answer.prediction)}`;
}

function showPredictions(predictions) {
  const boxes = Object.entries(predictions).map(([name, answer]) => {
    const box = el("div", { class: "prediction", "data-model": name },
      el("strong", { text: `${name} (${state.meta.models[name].version}): ` }),
      el("span", { class: "answer", text: answerText(answer) }));
    for (const [category, probability] of Object.entries(answer.probabilities || {})) {
      box.append(el("div", {},
        el("span", { text: `${category} ` }),
        el("span", { class: "bar", style: `width: ${Math.round(probability * 120)}px` }),
        el("span", { class: "probability", text: ` ${probability.toFixed(3)}` })));
    }
    return box;
  });
  document.getElementById("predictions").replaceChildren(...boxes);
}

function renderHistory() {
  document.getElementById("history").replaceChildren(...state.histories[state.selected].map((entry) => el("li", {
    text: `${entry.change}: ` + Object.entries(entry.predictions).map(([name, answer]) => `${name} ${answer.error ? "error" : shown(answer.prediction)}`).join(", "),
  })));
}

// --- Counterfactual -------------------------------------------------------------

async function findCounterfactual() {
  const box = document.getElementById("counterfactual");
  const model = document.getElementById("cf-model").value;
  const distance = document.getElementById("cf-distance").value;
  let answer;
  try {
    answer = await api("/api/counterfactual", { row: currentRow(), model, distance });
  } catch (error) {
    box.replaceChildren(el("p", { class: "error", text: error.message }));
    return;
  }
  if (!answer.found) {
    box.replaceChildren(el("p", { text: "No row is predicted differently." }));
    return;
  }
  const theirs = rowValues(answer.index);
  const mine = currentRow();
  const lines = [el("tr", {}, el("th", { text: "feature" }), el("th", { text: "this row" }), el("th", { text: `row ${answer.index}` }))];
  for (const feature of state.meta.features) {
    if (!state.meta.models[model].features.includes(feature.name)) continue;
    const line = el("tr", {}, el("td", { text: feature.name }), el("td", { text: shown(mine[feature.name]) }), el("td", { text: shown(theirs[feature.name]) }));
    if (answer.differs.includes(feature.name)) line.classList.add("differs");
    lines.push(line);
  }
  box.replaceChildren(
    el("p", { text: `Row ${answer.index}, ${distance} distance ${answer.distance.toFixed(3)}: ${model} predicts ${shown(answer.prediction)}.` }),
    el("table", { id: "counterfactual-table" }, ...lines),
    el("button", { type: "button", text: `Open row ${answer.index}`, onclick: () => select(answer.index) }));
}

// --- Charts ---------------------------------------------------------------------

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

// series: [{ name, points: [[x, y], ...] }]; marks: [[x, y]]; labels: x tick names.
function lineChart(series, { title, xLabel, yLabel, labels, marks = [], xRange, yRange }) {
  const width = 330, height = 230, left = 46, right = 28, top = 24, bottom = 34;
  const all = series.flatMap((s) => s.points).filter(([, y]) => y !== null);
  const xs = all.map(([x]) => x), ys = all.map(([, y]) => y);
  const [x0, x1] = xRange || [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = yRange || [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const x = (value) => left + ((value - x0) / ((x1 - x0) || 1)) * (width - left - right);
  const y = (value) => height - bottom - ((value - y0) / (y1 - y0)) * (height - top - bottom);
  const chart = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title },
    el("text", { x: left, y: 12, text: title }),
    el("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, stroke: "#888" }),
    el("line", { x1: left, y1: top, x2: left, y2: height - bottom, stroke: "#888" }),
    el("text", { x: (left + width) / 2, y: height - 4, "text-anchor": "middle", text: xLabel }),
    el("text", { transform: `translate(10 ${(top + height - bottom) / 2}) rotate(-90)`, "text-anchor": "middle", text: yLabel }));
  for (const value of [y0, (y0 + y1) / 2, y1]) chart.append(el("text", { x: left - 3, y: y(value) + 3, "text-anchor": "end", text: shown(Number(value.toPrecision(3))) }));
  const ticks = labels ? labels.map((name, index) => [index, name]) : [[x0, x0], [(x0 + x1) / 2, (x0 + x1) / 2], [x1, x1]];
  const step = Math.max(1, Math.ceil(ticks.length / 6));
  ticks.filter((_, index) => index % step === 0).forEach(([value, name]) => {
    chart.append(el("text", { x: x(value), y: height - bottom + 12, "text-anchor": "middle", text: typeof name === "number" ? shown(Number(name.toPrecision(3))) : name }));
  });
  series.forEach((line, index) => {
    const points = line.points.filter(([, value]) => value !== null);
    chart.append(el("polyline", { fill: "none", stroke: COLOURS[index % COLOURS.length], "stroke-width": 2, points: points.map(([a, b]) => `${x(a)},${y(b)}`).join(" ") }));
  });
  for (const [a, b] of marks) if (b !== null) chart.append(el("circle", { cx: x(a), cy: y(b), r: 4, fill: "#000" }));
  if (series.length < 2) return el("div", { class: "chart" }, chart);
  const legend = el("div", {}, ...series.map((line, index) => el("span", { style: `color: ${COLOURS[index % COLOURS.length]}; margin-right: .8rem`, text: `■ ${line.name}` })));
  return el("div", { class: "chart" }, chart, legend);
}

// --- Partial dependence ---------------------------------------------------------

async function refreshDependence() {
  const feature = document.getElementById("pd-feature").value;
  const scope = document.querySelector("input[name=pd-scope]:checked").value;
  const box = document.getElementById("dependence");
  if (!feature || (scope === "row" && state.selected === null)) return;
  let answer;
  try {
    answer = await api("/api/dependence", { feature, row: scope === "row" ? currentRow() : null });
  } catch (error) {
    box.replaceChildren(el("p", { class: "error", text: error.message }));
    return;
  }
  const categorical = answer.grid.some((value) => typeof value === "string");
  const xs = answer.grid.map((value, index) => (categorical ? index : value));
  const series = [];
  for (const [model, curves] of Object.entries(answer.curves)) {
    const shownCurves = state.meta.binary ? Object.entries(curves).slice(1) : Object.entries(curves);
    for (const [name, values] of shownCurves) {
      series.push({ name: `${model}: ${state.meta.task === "regression" ? name : `P(${name})`}`, points: xs.map((value, index) => [value, values[index]]) });
    }
  }
  if (!series.length) {
    box.replaceChildren(el("p", { text: `${feature} is not a feature of any model shown.` }));
    return;
  }
  const probability = state.meta.task === "classification";
  box.replaceChildren(lineChart(series, {
    title: scope === "row" ? `ICE of ${feature} for this row` : `Partial dependence on ${feature}`,
    xLabel: feature, yLabel: probability ? "probability" : state.meta.label,
    labels: categorical ? answer.grid : null, yRange: probability ? [0, 1] : null,
  }));
}

// --- Performance and fairness ---------------------------------------------------

function performanceRequest(custom) {
  const request = { slice: document.getElementById("slice").value };
  if (state.meta.binary) {
    request.cost_ratio = Number(document.getElementById("cost-ratio").value);
    request.tolerance = Number(document.getElementById("tolerance").value);
    request.strategy = document.querySelector("input[name=strategy]:checked").value;
    if (custom) request.thresholds = custom;
  }
  return request;
}

async function refreshPerformance(custom) {
  const box = document.getElementById("performance");
  let answer;
  try {
    answer = await api("/api/performance", performanceRequest(custom));
  } catch (error) {
    box.replaceChildren(el("p", { class: "error", text: error.message }));
    return;
  }
  box.replaceChildren(...Object.entries(answer.models).map(([name, result]) => modelPerformance(name, result, answer.slices)));
}

function modelPerformance(name, result, slices) {
  const column = el("div", { class: "model-performance", "data-model": name }, el("h2", { text: `${name} (${state.meta.models[name].version})` }));
  if (result.error) {
    column.append(el("p", { class: "error", text: result.error }));
    return column;
  }
  if (state.meta.task === "regression") {
    const lines = [el("tr", {}, ...["slice", "rows", "mean error", "mean absolute error", "mean squared error"].map((text) => el("th", { text })))];
    result.slices.forEach((scores, index) => lines.push(el("tr", {}, el("td", { text: slices[index] }), el("td", { text: scores.rows }),
      ...["mean_error", "mean_absolute_error", "mean_squared_error"].map((key) => el("td", { text: shown(scores[key]) })))));
    column.append(el("table", { class: "errors" }, ...lines));
    return column;
  }
  if (!state.meta.binary || !result.slices[0] || result.slices[0].roc === undefined) {
    result.slices.forEach((scores, index) => column.append(confusionMatrix(slices[index], scores)));
    return column;
  }
  result.slices.forEach((scores, index) => column.append(binarySlice(slices[index], scores, index, result.slices)));
  const thresholds = new Set(result.slices.map((scores) => scores.threshold));
  const write = el("button", { type: "button", class: "write-threshold", text: "Write this threshold to the config" });
  const said = el("span", { class: "written" });
  if (thresholds.size !== 1) {
    write.disabled = true;
    said.textContent = " One threshold per slice would need the slice at serving: the config takes one threshold (pick single threshold, or set the slices alike).";
  }
  write.addEventListener("click", async () => {
    try {
      said.textContent = ` ${(await api("/api/threshold", { threshold: result.slices[0].threshold })).written}: review it, then run the pipeline to gate it.`;
    } catch (error) {
      said.textContent = ` ${error.message}`;
    }
  });
  column.append(el("p", {}, write, said));
  return column;
}

function confusionMatrix(slice, scores) {
  const classes = state.meta.classes.map(shown);
  const lines = [el("tr", {}, el("th", { text: "actual \\ predicted" }), ...classes.map((name) => el("th", { text: name })))];
  scores.confusion.forEach((counts, index) => lines.push(el("tr", {}, el("th", { text: classes[index] }), ...counts.map((count) => el("td", { text: count })))));
  return el("div", { class: "slice" }, el("h3", { text: `${slice}: ${scores.rows} rows, accuracy ${shown(scores.accuracy)}` }), el("table", { class: "confusion" }, ...lines));
}

function binarySlice(slice, scores, index, all) {
  const slider = el("input", { type: "range", min: 0, max: 1, step: 0.01, value: scores.threshold, class: "threshold", "aria-label": `threshold of ${slice}` });
  slider.addEventListener("change", () => {
    document.querySelector("input[name=strategy][value=custom]").checked = true;
    const custom = all.map((other) => other.threshold);
    custom[index] = Number(slider.value);
    refreshPerformance(custom);
  });
  const counts = el("table", { class: "confusion" },
    el("tr", {}, el("th", { text: "" }), el("th", { text: "predicted negative" }), el("th", { text: "predicted positive" })),
    el("tr", {}, el("th", { text: "actual negative" }), el("td", { text: scores.tn }), el("td", { text: scores.fp })),
    el("tr", {}, el("th", { text: "actual positive" }), el("td", { text: scores.fn }), el("td", { text: scores.tp })));
  const at = scores.grid.indexOf(scores.threshold);
  const roc = lineChart([{ name: "ROC", points: scores.roc.fpr.map((value, i) => [value, scores.roc.tpr[i]]) }],
    { title: `ROC, ${slice}`, xLabel: "false positive rate", yLabel: "true positive rate", xRange: [0, 1], yRange: [0, 1], marks: [[scores.roc.fpr[at], scores.roc.tpr[at]]] });
  const pr = lineChart([{ name: "precision-recall", points: scores.pr.recall.map((value, i) => [value, scores.pr.precision[i]]) }],
    { title: `Precision-recall, ${slice}`, xLabel: "recall", yLabel: "precision", xRange: [0, 1], yRange: [0, 1], marks: [[scores.pr.recall[at], scores.pr.precision[at]]] });
  return el("div", { class: "slice", "data-slice": slice },
    el("h3", { text: `${slice}: ${scores.rows} rows` }),
    el("label", {}, el("span", { text: "threshold " }), slider, el("output", { class: "threshold-value", text: scores.threshold.toFixed(2) })),
    el("p", { text: `cost ${shown(scores.cost)}, accuracy ${shown(scores.accuracy)}, positive rate ${shown(scores.positive_rate)}, true positive rate ${shown(scores.true_positive_rate)}` }),
    counts, el("div", { class: "charts" }, roc, pr));
}

function setUpPerformance() {
  const meta = state.meta;
  const note = document.getElementById("performance-note");
  if (!meta.labelled) {
    note.textContent = `These rows have no ${meta.label} column: performance needs labelled rows.`;
    document.getElementById("performance-controls").hidden = true;
    return;
  }
  const slice = document.getElementById("slice");
  slice.append(el("option", { value: "", text: "(all rows)" }), ...meta.features.map((f) => el("option", { value: f.name, text: f.name })));
  slice.addEventListener("change", () => refreshPerformance());
  if (!meta.binary) {
    document.getElementById("binary-controls").hidden = true;
    note.textContent = meta.task === "regression"
      ? "Per slice: mean error (prediction minus label), mean absolute error and mean squared error."
      : "Per slice: the confusion matrix of each model's predictions.";
    return;
  }
  note.textContent = `A row is predicted ${shown(meta.classes[1])} when its probability is at least its slice's threshold. Cost = cost ratio × false positives + false negatives. Each strategy below is solved exactly on the grid 0.00, 0.01, …, 1.00 (the What-If tool searches that grid greedily from the first slice): the constrained ones take the cheapest thresholds whose slices' rates lie within the tolerance of each other. Ties go to the threshold nearest 0.5.`;
  document.getElementById("tolerance").value = meta.tolerance;
  document.getElementById("cost-ratio").value = meta.cost_ratio;
  const fieldset = document.getElementById("strategies");
  for (const [name, meaning] of Object.entries(meta.strategies)) {
    const radio = el("input", { type: "radio", name: "strategy", value: name });
    if (name === "single") radio.checked = true;
    radio.addEventListener("change", () => refreshPerformance());
    fieldset.append(el("label", { style: "display: block" }, radio, el("span", { text: ` ${name.replaceAll("_", " ")}: ${meaning}` })));
  }
  for (const id of ["cost-ratio", "tolerance"]) document.getElementById(id).addEventListener("change", () => refreshPerformance());
}

// --- Start ----------------------------------------------------------------------

function showTab(name) {
  for (const tab of ["editor", "performance"]) {
    document.getElementById(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    document.getElementById(`${tab}-view`).hidden = tab !== name;
  }
  if (name === "performance" && state.meta.labelled && !document.getElementById("performance").childElementCount) refreshPerformance();
}

async function start() {
  [state.meta, state.table] = await Promise.all([api("/api/meta"), api("/api/table")]);
  const names = modelNames();
  document.getElementById("models").textContent = `${state.meta.task} of ${state.meta.label}, ${state.table.rows.length} rows; models: ` +
    names.map((name) => `${name} ${state.meta.models[name].version}` + (state.meta.models[name].threshold === null ? "" : ` (threshold ${state.meta.models[name].threshold})`)).join(", ");
  document.getElementById("cf-model").append(...names.map((name) => el("option", { value: name, text: name })));
  document.getElementById("pd-feature").append(...state.meta.features.map((f) => el("option", { value: f.name, text: f.name })));
  document.getElementById("pd-feature").addEventListener("change", refreshDependence);
  document.querySelectorAll("input[name=pd-scope]").forEach((radio) => radio.addEventListener("change", refreshDependence));
  document.getElementById("filter").addEventListener("input", renderRows);
  document.getElementById("revert").addEventListener("click", () => select(state.selected, "reverted"));
  document.getElementById("cf-find").addEventListener("click", findCounterfactual);
  document.getElementById("tab-editor").addEventListener("click", () => showTab("editor"));
  document.getElementById("tab-performance").addEventListener("click", () => showTab("performance"));
  setUpPerformance();
  renderRows();
  if (state.table.rows.length) select(0);
  document.body.dataset.ready = "true";
}

start().catch((error) => { document.getElementById("models").textContent = `The page could not load: ${error.message}`; });
