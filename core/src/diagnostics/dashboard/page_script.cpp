#include "diagnostics/dashboard/page_parts.hpp"

namespace tessera::detail::page {

const char* const script = R"js(
"use strict";
(function () {
  const data = window.TESSERA_DATA || {};
  const $ = (id) => document.getElementById(id);
  window.addEventListener("error", (e) => { $("errors").textContent += (e.message || "error") + "\n"; });

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "style") node.style.cssText = v; else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : String(c));
    return node;
  }
  function replace(id, ...children) { const n = $(id); n.replaceChildren(...children); return n; }
  function bytes(b) {
    if (b === null || b === undefined) return "n/a";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; ++i; }
    return (i ? b.toFixed(1) : String(Math.round(b))) + " " + units[i];
  }
  function seconds(s) {
    if (s < 1e-3) return (s * 1e6).toFixed(0) + " µs";
    if (s < 1) return (s * 1e3).toFixed(1) + " ms";
    return s.toFixed(2) + " s";
  }
  function colour(prefix) {  // FNV-1a, spread over the hues by the golden angle
    let h = 2166136261;
    for (let i = 0; i < prefix.length; ++i) h = Math.imul(h ^ prefix.charCodeAt(i), 16777619) >>> 0;
    return "hsl(" + ((h % 1000) * 137.508) % 360 + ",62%," + (42 + (h >>> 12) % 18) + "%)";
  }
  function bar(parts, marks) {
    const b = el("div", { class: "bar" });
    let left = 0;
    for (const [fraction, fill, title] of parts) {
      const w = Math.max(0, Math.min(1 - left, fraction));
      b.append(el("div", { style: "left:" + left * 100 + "%;width:" + w * 100 + "%;background:" + fill, title: title || "" }));
      left += w;
    }
    for (const [at, cls, title] of marks || []) {
      b.append(el("div", { class: "mark " + cls, style: "left:" + Math.min(at, 1) * 100 + "%", title: title }));
    }
    return b;
  }
  function table(head, rows, numeric) {
    const t = el("table");
    t.append(el("tr", {}, ...head.map((h, i) => el("th", numeric && numeric[i] ? { class: "num" } : {}, h))));
    for (const r of rows) {
      t.append(el("tr", {}, ...r.map((c, i) => el("td", numeric && numeric[i] ? { class: "num" } : {}, c))));
    }
    return t;
  }
  function card(label, value, id) {
    return el("div", { class: "card" }, el("b", id ? { id: id } : {}, value), el("span", {}, label));
  }

  // The task stream: one lane per worker thread, a box per task coloured by its prefix.
  const stream = { spans: [], keep: data.mode === "report" ? Infinity : 50000, window: 20 };
  function addSpans(list) {
    for (const t of list) stream.spans.push(t);
    if (stream.spans.length > stream.keep) stream.spans.splice(0, stream.spans.length - stream.keep);
  }
  function laneName(w) { return w.replace("worker rank ", "rank ").replace(" thread ", " / "); }
  function laneOrder(a, b) {
    const na = a.match(/\d+/g) || [], nb = b.match(/\d+/g) || [];
    for (let i = 0; i < Math.min(na.length, nb.length); ++i) if (+na[i] !== +nb[i]) return na[i] - nb[i];
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function drawStream(now) {
    const canvas = $("stream");
    const spans = stream.spans;
    const lanes = [...new Set(spans.map((t) => t.w))].sort(laneOrder);
    const laneHeight = Math.max(6, Math.min(22, 180 / Math.max(1, lanes.length)));
    const left = 110, top = 4, bottom = 18;
    canvas.height = top + bottom + laneHeight * Math.max(1, lanes.length);
    const width = canvas.width;
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, width, canvas.height);
    let t0, t1;
    if (data.mode === "report") {
      t0 = data.report.start; t1 = data.report.stop;
    } else {
      t1 = now; t0 = now - stream.window;
    }
    const scale = (width - left - 4) / Math.max(t1 - t0, 1e-9);
    const row = new Map(lanes.map((w, i) => [w, i]));
    g.font = "11px sans-serif";
    g.fillStyle = "#5d6b78";
    lanes.forEach((w, i) => g.fillText(laneName(w), 2, top + i * laneHeight + laneHeight * 0.75));
    const prefixes = new Map();
    let drawn = 0;
    for (const t of spans) {
      if (t.e < t0 || t.s > t1) continue;
      const x = left + (Math.max(t.s, t0) - t0) * scale;
      const w = Math.max(1, (Math.min(t.e, t1) - Math.max(t.s, t0)) * scale);
      g.fillStyle = colour(t.p);
      g.fillRect(x, top + row.get(t.w) * laneHeight + 1, w, laneHeight - 2);
      prefixes.set(t.p, (prefixes.get(t.p) || 0) + 1);
      ++drawn;
    }
    g.fillStyle = "#5d6b78";
    const span = t1 - t0;
    for (let i = 0; i <= 5; ++i) {
      const x = left + (i / 5) * (width - left - 4);
      const label = data.mode === "report" ? seconds((i / 5) * span) : "-" + seconds((1 - i / 5) * span);
      g.fillText(i === 5 && data.mode !== "report" ? "now" : label, Math.min(x, width - 40), canvas.height - 4);
    }
    replace("legend", ...[...prefixes.keys()].sort().map((p) =>
      el("span", {}, el("i", { style: "background:" + colour(p) }), p + " (" + prefixes.get(p) + ")")));
    const note = replace("stream-note", lanes.length ? drawn + " tasks on " + lanes.length + " threads" +
      (data.mode === "report" ? "" : " in the last " + stream.window + " s") : "no task has run yet");
    note.dataset.drawn = drawn;
    $("stream").dataset.tasks = spans.length;
  }

  function renderSnapshot(s) {
    const t = s.tasks;
    const byState = t.by_state || {};
    replace("summary",
      card("tasks submitted", t.submitted, "tasks-submitted"),
      card("completed", t.completed, "tasks-completed"),
      card("failed", t.failed, "tasks-failed"),
      card("processing", byState.processing || 0, "tasks-processing"),
      card("waiting", (byState.waiting || 0) + (byState.queued || 0), "tasks-waiting"),
      card("threads", s.threads, "threads"),
      card("workers", s.cluster ? s.workers.length : 1, "workers"));
    const prefixes = Object.entries(s.prefixes || {});
    replace("progress", prefixes.length ? table(["prefix", "", "done", "total", "failed"],
      prefixes.map(([name, p]) => [name,
        bar([[p.done / Math.max(p.total, 1), colour(name), "done"],
             [p.processing / Math.max(p.total, 1), "#9aa7b3", "processing"],
             [p.failed / Math.max(p.total, 1), "#b3261e", "failed"]]),
        p.done, p.total, p.failed]), [false, false, true, true, true])
      : el("div", { class: "note" }, "no tasks yet"));
    const workers = s.workers || [];
    const most = Math.max(1, ...workers.map((w) => w.threads));
    replace("processing", workers.length ? table(["worker", "", "processing", "threads"],
      workers.map((w) => [w.name, bar([[w.processing / Math.max(most, w.processing, 1), "#2f6fab"]]),
        w.processing, w.threads]), [false, false, true, true])
      : el("div", { class: "note" }, "no worker has joined yet"));
    const measured = workers.filter((w) => w.memory !== null && w.memory !== undefined);
    const top = Math.max(1, ...measured.map((w) => w.memory_limit || w.memory));
    replace("memory", measured.length ? table(["worker", "", "memory", "limit", "spilled"],
      measured.map((w) => {
        const full = w.memory_limit || top;
        const marks = w.memory_limit ? [[w.spill_fraction, "spill", "spill at " + bytes(w.spill_fraction * w.memory_limit)],
                                        [w.pause_fraction, "pause", "pause at " + bytes(w.pause_fraction * w.memory_limit)]] : [];
        return [w.name + (w.paused ? " (paused)" : ""),
          bar([[w.memory / full, w.paused ? "#b3261e" : "#3f8f5a", "in memory"]], marks),
          bytes(w.memory), w.memory_limit ? bytes(w.memory_limit) : "none",
          bytes(w.spilled) + (w.spilled_total ? " (" + w.spilled_total + " spilled in all)" : "")];
      }), [false, false, true, true, true])
      : el("div", { class: "note" }, s.cluster ? "no worker has reported yet (once a second)"
        : "the local schedulers keep results in this process; memory is shown per worker under MPI"));
    const transfers = s.transfers || [];
    replace("transfers", transfers.length ? table(["from", "to", "bytes", "transfers"],
      transfers.map((x) => ["rank " + x.source, "rank " + x.destination, bytes(x.bytes), x.count]),
      [false, false, true, true])
      : el("div", { class: "note" }, s.cluster ? "no data has moved between workers yet"
        : "one process: no data moves between workers"));
  }

  const events = [];
  function renderEvents(list) {
    for (const e of list) events.push(e);
    if (events.length > 500) events.splice(0, events.length - 500);
    const shown = events.slice(-200).reverse();
    replace("events", shown.length ? table(["time", "topic", "source", "message"],
      shown.map((e) => [new Date(e.time * 1000).toISOString().substring(11, 23), e.topic, e.source,
        el("span", { class: "wrap" }, e.message)]))
      : el("div", { class: "note" }, "no events"));
    $("events").dataset.count = events.length;
  }

  function live() {
    $("mode").textContent = "live dashboard";
    let since = data.tasks ? data.tasks.now : 0;
    let eventsSince = data.events ? data.events.now : 0;
    let now = data.snapshot ? data.snapshot.now : Date.now() / 1000;
    let polls = 0;
    if (data.snapshot) renderSnapshot(data.snapshot);
    if (data.tasks) addSpans(data.tasks.tasks);
    if (data.events) renderEvents(data.events.events);
    drawStream(now);
    async function get(path) {
      const response = await fetch(path, { cache: "no-store" });
      if (!response.ok) throw new Error(path + ": HTTP " + response.status);
      return response.json();
    }
    async function poll() {
      try {
        const [s, t, e] = await Promise.all([get("api/snapshot"),
          get("api/tasks?since=" + since), get("api/events?since=" + eventsSince)]);
        since = t.now; eventsSince = e.now; now = s.now;
        renderSnapshot(s);
        addSpans(t.tasks);
        renderEvents(e.events);
        drawStream(now);
        ++polls;
        $("status").className = "";
        $("status").textContent = "updated " + new Date().toLocaleTimeString();
        $("status").dataset.polls = polls;
      } catch (error) {
        $("status").className = "bad";
        $("status").textContent = "no answer from tessera (" + error.message + "); retrying";
      }
      setTimeout(poll, 1000);
    }
    setTimeout(poll, 1000);
  }

  function section(title, ...children) {
    const s = el("section", { class: "wide" }, el("h2", {}, title), ...children);
    $("report").append(s);
    return s;
  }

  function report() {
    const r = data.report;
    $("mode").textContent = "performance report, tessera " + data.version + ", " +
      new Date(r.start * 1000).toISOString().replace("T", " ").substring(0, 19) + " UTC, " + seconds(r.stop - r.start);
    $("status").textContent = "";
    addSpans(data.tasks.tasks);
    renderSnapshot(data.snapshot);
    renderEvents(data.events.events);
    drawStream(r.stop);
    const duration = Math.max(r.stop - r.start, 1e-9);

    // Time per task prefix.
    const byPrefix = new Map();
    for (const t of stream.spans) {
      const p = byPrefix.get(t.p) || { count: 0, time: 0, longest: 0 };
      p.count += 1; p.time += t.e - t.s; p.longest = Math.max(p.longest, t.e - t.s);
      byPrefix.set(t.p, p);
    }
    const total = Math.max(1e-12, [...byPrefix.values()].reduce((a, p) => a + p.time, 0));
    const prefixRows = [...byPrefix.entries()].sort((a, b) => b[1].time - a[1].time);
    const prefixTable = table(["prefix", "", "tasks", "time", "mean", "longest"],
      prefixRows.map(([name, p]) => [name, bar([[p.time / total, colour(name)]]), p.count,
        seconds(p.time), seconds(p.time / p.count), seconds(p.longest)]), [false, false, true, true, true, true]);
    prefixTable.id = "prefix-table";
    section("Time per task prefix", prefixTable);

    // Worker profiles: compute from the task stream, idle is the rest of the report's time.
    const perWorker = new Map();
    for (const t of stream.spans) {
      const name = t.w.replace(/ thread \d+$/, "");
      const w = perWorker.get(name) || { threads: new Set(), compute: 0, tasks: 0 };
      w.threads.add(t.w); w.compute += t.e - t.s; w.tasks += 1;
      perWorker.set(name, w);
    }
    const received = new Map(), spilled = new Map();
    for (const x of (data.snapshot && data.snapshot.transfers) || []) {
      received.set("worker rank " + x.destination, (received.get("worker rank " + x.destination) || 0) + x.bytes);
    }
    for (const w of (data.snapshot && data.snapshot.workers) || []) spilled.set("worker rank " + w.rank, w.spilled_total);
    const threadsOf = new Map(((data.snapshot && data.snapshot.workers) || []).map((w) => ["worker rank " + w.rank, w.threads]));
    section("Worker profiles", table(["worker", "", "tasks", "compute", "idle", "received", "results spilled"],
      [...perWorker.entries()].sort((a, b) => laneOrder(a[0], b[0])).map(([name, w]) => {
        const threads = Math.max(w.threads.size, threadsOf.get(name) || 0);
        const capacity = threads * duration;
        return [name, bar([[w.compute / capacity, "#2f6fab", "compute"]]), w.tasks, seconds(w.compute),
          seconds(Math.max(0, capacity - w.compute)), received.has(name) ? bytes(received.get(name)) : "n/a",
          spilled.has(name) ? spilled.get(name) : "n/a"];
      }), [false, false, true, true, true, true, true]),
      el("div", { class: "note" }, "Compute is the time tasks ran, from the task stream; idle is the rest of each " +
        "worker's threads' time in the report. tessera does not time transfers and spills: it counts their bytes " +
        "(and only while the dashboard's metrics are on). " + (r.notes || []).join(" ")));

    // Bandwidth between workers.
    const transfers = (data.snapshot && data.snapshot.transfers) || [];
    section("Bandwidth between workers", transfers.length ? table(["from", "to", "bytes", "transfers", "mean rate"],
      transfers.map((x) => ["rank " + x.source, "rank " + x.destination, bytes(x.bytes), x.count,
        bytes(x.bytes / duration) + "/s"]), [false, false, true, true, true])
      : el("div", { class: "note" }, data.snapshot && data.snapshot.cluster ? "no data moved between workers"
        : "no transfers recorded: one process, or the dashboard's metrics were off"));

    // Memory over time, per worker, from the samples taken while the report was open.
    const samples = data.samples || [];
    const series = new Map();
    for (const sample of samples) {
      for (const w of sample.workers) {
        if (!series.has(w.name)) series.set(w.name, []);
        series.get(w.name).push([sample.t, w.memory, w.spilled]);
      }
    }
    if (series.size) {
      const W = 1000, H = 200, L = 70;
      const most = Math.max(1, ...[...series.values()].flat().map((p) => p[1] + p[2]));
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", "0 0 " + W + " " + (H + 20));
      svg.setAttribute("width", "100%");
      svg.id = "memory-chart";
      const x = (t) => L + ((t - r.start) / duration) * (W - L - 10);
      const y = (v) => H - (v / most) * (H - 10);
      const add = (tag, attrs, text) => {
        const n = document.createElementNS("http://www.w3.org/2000/svg", tag);
        for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
        if (text) n.textContent = text;
        svg.append(n);
      };
      add("line", { x1: L, y1: H, x2: W - 10, y2: H, stroke: "#d9dee3" });
      add("text", { x: 2, y: 12 }, bytes(most));
      add("text", { x: 2, y: H }, "0");
      add("text", { x: W - 60, y: H + 16 }, seconds(duration));
      for (const [name, points] of series) {
        add("polyline", { fill: "none", stroke: colour(name), "stroke-width": 2,
          points: points.map((p) => x(p[0]) + "," + y(p[1])).join(" ") });
        if (points.some((p) => p[2] > 0)) {
          add("polyline", { fill: "none", stroke: colour(name), "stroke-dasharray": "4 3",
            points: points.map((p) => x(p[0]) + "," + y(p[2])).join(" ") });
        }
      }
      section("Memory over time", svg, el("div", { class: "legend" }, ...[...series.keys()].map((n) =>
        el("span", {}, el("i", { style: "background:" + colour(n) }), n))),
        el("div", { class: "note" }, "Results in each worker's memory (solid) and on its disk (dashed), sampled " +
          samples.length + " times."));
    } else {
      section("Memory over time", el("div", { class: "note" }, r.memory_note || "no memory samples"));
    }

    section("Settings", table(["setting", "value"], Object.entries(data.settings || {}).map(([k, v]) => [k, v])));
  }

  if (data.mode === "report") report(); else live();
  document.body.dataset.ready = "1";
})();
)js";

}  // namespace tessera::detail::page
