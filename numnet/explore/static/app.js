// numnet explorer: plain JavaScript, no build step, no libraries, nothing downloaded.
// Draw on #draw (pointer events: mouse, pen, touch); the raw 280×280 canvas goes to the server as a PNG data URL,
// which preprocesses it like MNIST and returns the 28×28 input, the class probabilities and every layer's output.
"use strict";

(function () {
  const DEBOUNCE_MS = 90;       // wait this long after the last change before asking the server
  const BRUSH = 20;             // stroke width on the 280×280 canvas (≈ 2 px in the 28×28 input)

  let DRAW_HINT = "Drawings are cropped to the ink, scaled to fit 20×20 and centred by mass in 28×28, like MNIST.";
  const SAMPLE_HINT = "Test images go to the model exactly as stored.";

  const $ = (id) => document.getElementById(id);
  const drawCanvas = $("draw");
  const ctx = drawCanvas.getContext("2d");
  const inputCanvas = $("input28");

  const state = {
    info: null,
    strokes: [],          // [[{x, y}, ...], ...] in canvas pixels; Undo pops the last one
    current: null,        // the stroke being drawn
    pointerId: null,      // the pointer drawing it
    sample: null,         // {index, label, label_name, image} while a test image is shown
    epoch: 0,             // bumped by Clear/Undo-to-empty/new sample: late answers for an older picture are dropped
    timer: null,
    inflight: false,
    pending: false,
    predictions: 0,
    last: null,           // the last /api/predict answer that was rendered
    layerViews: new Map(),
    probRows: [],
  };

  // ---------------------------------------------------------------------------------------------- utilities
  function fmtInt(n) { return Number(n).toLocaleString("en-US"); }
  function fmtBig(n) {
    const units = [["G", 1e9], ["M", 1e6], ["K", 1e3]];
    for (const [u, s] of units) if (Math.abs(n) >= s) return (n / s).toFixed(2) + " " + u;
    return String(n);
  }
  function fmtShape(shape) {
    if (Array.isArray(shape) && shape.length && Array.isArray(shape[0])) return shape.map(fmtShape).join(", ");
    return Array.isArray(shape) ? "(" + shape.join(", ") + ")" : String(shape);
  }
  function fmtNum(v) {
    const a = Math.abs(v);
    if (a === 0) return "0";
    if (a >= 100 || a < 0.01) return v.toExponential(1);
    return v.toFixed(2);
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function setStatus(text, isError) {
    const s = $("status");
    s.textContent = text || "";
    s.classList.toggle("error", !!isError);
  }
  async function api(path, options) {
    const resp = await fetch(path, options);
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    if (!resp.ok) {
      const msg = body && body.message ? body.message : resp.status + " " + resp.statusText;
      throw new Error(msg);
    }
    return body;
  }

  // ---------------------------------------------------------------------------------------------- drawing
  function clearCanvas() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, drawCanvas.width, drawCanvas.height);
  }
  function strokePath(points) {
    ctx.strokeStyle = "#fff";
    ctx.fillStyle = "#fff";
    ctx.lineWidth = BRUSH;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    if (points.length === 1) {
      ctx.beginPath();
      ctx.arc(points[0].x, points[0].y, BRUSH / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    ctx.moveTo(points[0].x, points[0].y);
    for (let i = 1; i < points.length; i++) ctx.lineTo(points[i].x, points[i].y);
    ctx.stroke();
  }
  function redraw() {
    clearCanvas();
    for (const s of state.strokes) strokePath(s);
    $("undo").disabled = state.strokes.length === 0;
  }
  function canvasPoint(e) {
    const r = drawCanvas.getBoundingClientRect();
    return {
      x: (e.clientX - r.left) * (drawCanvas.width / r.width),
      y: (e.clientY - r.top) * (drawCanvas.height / r.height),
    };
  }

  drawCanvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 && e.pointerType === "mouse") return;
    if (state.current) return;     // one stroke at a time: a second finger does not draw
    e.preventDefault();
    drawCanvas.setPointerCapture(e.pointerId);
    state.pointerId = e.pointerId;
    if (state.sample) {            // drawing replaces a test image
      state.sample = null;
      state.epoch++;
      state.strokes = [];
    }
    state.current = [canvasPoint(e)];
    state.strokes.push(state.current);
    redraw();
    schedule();
  });
  drawCanvas.addEventListener("pointermove", (e) => {
    if (!state.current || e.pointerId !== state.pointerId) return;
    const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [e];
    for (const ev of (events.length ? events : [e])) state.current.push(canvasPoint(ev));
    redraw();
    schedule();
  });
  function endStroke(e) {
    if (!state.current || e.pointerId !== state.pointerId) return;
    state.current = null;
    if (drawCanvas.hasPointerCapture && drawCanvas.hasPointerCapture(e.pointerId)) {
      drawCanvas.releasePointerCapture(e.pointerId);
    }
    schedule();
  }
  drawCanvas.addEventListener("pointerup", endStroke);
  drawCanvas.addEventListener("pointercancel", endStroke);

  function resetView(caption) {
    state.epoch++;
    state.last = null;
    clearTimeout(state.timer);
    state.timer = null;
    state.pending = false;
    const ictx = inputCanvas.getContext("2d");
    ictx.fillStyle = "#000";
    ictx.fillRect(0, 0, inputCanvas.width, inputCanvas.height);
    $("input-caption").textContent = caption;
    const pred = $("prediction");
    pred.classList.add("empty");
    pred.querySelector(".name").textContent = "—";
    pred.querySelector(".pct").textContent = "";
    for (const row of state.probRows) {
      row.fill.style.width = "0%";
      row.pct.textContent = "";
      for (const c of [row.name, row.pct, row.bar]) c.classList.remove("prob-row-top", "prob-row-true");
    }
    for (const view of state.layerViews.values()) view.reset();
  }

  $("clear").addEventListener("click", () => {
    state.strokes = [];
    state.current = null;
    state.sample = null;
    redraw();
    resetView("Nothing yet.");
  });
  $("undo").addEventListener("click", undo);
  function undo() {
    if (!state.strokes.length) return;
    state.strokes.pop();
    state.current = null;
    redraw();
    if (state.strokes.length) schedule();
    else resetView("Nothing yet.");
  }
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "z") { e.preventDefault(); undo(); }
  });

  $("sample").addEventListener("click", async () => {
    try {
      setStatus("loading a test image…");
      const s = await api("/api/sample");
      state.strokes = [];
      state.current = null;
      resetView("");
      state.sample = s;
      showSampleOnCanvas(s.image);
      $("undo").disabled = true;
      setStatus("");
      schedule(0);
    } catch (err) {
      setStatus("Could not load a test image: " + err.message, true);
    }
  });

  function showSampleOnCanvas(image) {
    const h = image.length, w = image[0].length;
    const tmp = document.createElement("canvas");
    tmp.width = w; tmp.height = h;
    paintGray(tmp, image);
    clearCanvas();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, 0, 0, drawCanvas.width, drawCanvas.height);
    ctx.imageSmoothingEnabled = true;
  }

  function paintGray(canvas, image) {
    const h = image.length, w = image[0].length;
    canvas.width = w; canvas.height = h;
    const c = canvas.getContext("2d");
    const img = c.createImageData(w, h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = Math.round(Math.min(1, Math.max(0, image[y][x])) * 255);
        const k = 4 * (y * w + x);
        img.data[k] = img.data[k + 1] = img.data[k + 2] = v;
        img.data[k + 3] = 255;
      }
    }
    c.putImageData(img, 0, 0);
  }

  // ---------------------------------------------------------------------------------------------- requests
  function schedule(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => { state.timer = null; send(); }, delay === undefined ? DEBOUNCE_MS : delay);
  }

  async function send() {
    if (state.inflight) { state.pending = true; return; }
    let body;
    if (state.sample) body = { image: state.sample.image, preprocess: false, top: 3 };
    else if (state.strokes.length) body = { image: drawCanvas.toDataURL("image/png"), preprocess: true, top: 3 };
    else return;
    const epoch = state.epoch;
    state.inflight = true;
    try {
      const result = await api("/api/predict", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (epoch === state.epoch) {
        render(result);
        setStatus("");
      }
    } catch (err) {
      setStatus("Prediction failed: " + err.message, true);
    } finally {
      state.inflight = false;
      if (state.pending) { state.pending = false; send(); }
    }
  }

  // ---------------------------------------------------------------------------------------------- rendering
  function render(r) {
    state.last = r;
    paintGray(inputCanvas, r.input28);
    const shape = r.input_shape.join("×");
    $("input-caption").textContent = state.sample
      ? "Test image #" + state.sample.index + " (" + shape + "), label: " + state.sample.label_name
      : r.empty ? "The drawing is empty." : "Your drawing after preprocessing (" + shape + ").";
    $("input-hint").textContent = state.sample ? SAMPLE_HINT : DRAW_HINT;
    const best = r.prediction;
    const pred = $("prediction");
    pred.classList.toggle("empty", false);
    pred.querySelector(".name").textContent = best.name;
    pred.querySelector(".pct").textContent = (100 * best.prob).toFixed(1) + " %";
    pred.dataset.index = String(best.index);
    const trueLabel = state.sample ? state.sample.label : -1;
    r.probs.forEach((p, i) => {
      const row = state.probRows[i];
      if (!row) return;
      row.fill.style.width = (100 * p).toFixed(2) + "%";
      row.pct.textContent = (100 * p).toFixed(1) + "%";
      for (const c of [row.name, row.pct, row.bar]) {
        c.classList.toggle("prob-row-top", i === best.index);
        c.classList.toggle("prob-row-true", i === trueLabel);
      }
    });
    for (const layer of r.layers) {
      const view = state.layerViews.get(layer.name);
      if (view) view.update(layer);
    }
    state.predictions++;
    document.body.dataset.predictions = String(state.predictions);
  }

  function buildProbs(classes) {
    const box = $("probs");
    box.textContent = "";
    state.probRows = classes.map((name, i) => {
      const n = el("span", "prob-name", name);
      const bar = el("span", "prob-bar");
      const fill = el("span", "prob-fill");
      bar.appendChild(fill);
      const pct = el("span", "prob-pct", "");
      for (const c of [n, bar, pct]) c.dataset.index = String(i);
      box.append(n, bar, pct);
      return { name: n, bar, fill, pct };
    });
  }

  function mapView(layer, card, maxMaps) {
    const shape = layer.shape || [];
    const channels = shape.length === 4 ? shape[1] : 1;
    const side = shape.length === 4 ? shape[2] : 8;
    const size = Math.max(36, Math.min(64, 2 * side + 8));
    const box = el("div", "maps");
    box.style.setProperty("--map-size", size + "px");
    const imgs = [];
    for (let i = 0; i < Math.min(channels, maxMaps); i++) {
      const img = el("img");
      img.alt = layer.name + " channel " + i;
      img.width = size; img.height = size;
      box.appendChild(img);
      imgs.push(img);
    }
    card.appendChild(box);
    return {
      update(data) {
        card.classList.remove("waiting");
        (data.maps || []).forEach((src, i) => { if (imgs[i]) imgs[i].src = src; });
        card.querySelector(".layer-range").textContent = rangeText(data, channels, imgs.length);
      },
      reset() {
        card.classList.add("waiting");
        for (const img of imgs) img.removeAttribute("src");
        card.querySelector(".layer-range").textContent = "";
      },
    };
  }

  function valuesView(layer, card) {
    const canvas = el("canvas", "values");
    card.appendChild(canvas);
    function draw(values) {
      const dpr = window.devicePixelRatio || 1;
      const w = Math.max(50, canvas.clientWidth), h = canvas.clientHeight || 56;
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
      const c = canvas.getContext("2d");
      c.setTransform(dpr, 0, 0, dpr, 0, 0);
      c.clearRect(0, 0, w, h);
      if (!values || !values.length) return;
      let lo = 0, hi = 0;
      for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
      const span = (hi - lo) || 1;
      const zero = h - 4 - ((0 - lo) / span) * (h - 8);
      const bw = Math.min(w / values.length, 18);   // short vectors (e.g. 10 logits) keep slim bars
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        const y = h - 4 - ((v - lo) / span) * (h - 8);
        c.fillStyle = v >= 0 ? "#2a6fdb" : "#e07b39";
        c.fillRect(i * bw + (bw > 3 ? 0.5 : 0), Math.min(y, zero), Math.max(bw - (bw > 3 ? 1 : 0), 0.6),
          Math.max(Math.abs(zero - y), 0.5));
      }
      c.fillStyle = "#c5ccd6";
      c.fillRect(0, zero, w, 1);
    }
    return {
      update(data) {
        card.classList.remove("waiting");
        draw(data.values);
        card.querySelector(".layer-range").textContent = "range " + fmtNum(data.range[0]) + " … " +
          fmtNum(data.range[1]) + (data.truncated ? " (first values)" : "");
      },
      reset() {
        card.classList.add("waiting");
        draw([]);
        card.querySelector(".layer-range").textContent = "";
      },
    };
  }

  function rangeText(data, channels, shown) {
    const r = data.range || [0, 0];
    const scale = data.scale === "diverging" ? "±" + fmtNum(r[1]) + " (blue < 0 < red)" : "0 … " + fmtNum(r[1]);
    const more = channels > shown ? " · first " + shown + " of " + channels + " maps" : "";
    return scale + more;
  }

  function buildLayers(info) {
    const box = $("layers");
    box.textContent = "";
    state.layerViews.clear();
    for (const layer of info.layers) {
      const card = el("div", "layer waiting");
      card.dataset.layer = layer.name;
      card.dataset.kind = layer.kind;
      const head = el("div", "layer-head");
      const name = el("div", "layer-name", layer.name);
      name.appendChild(el("span", "kind kind-" + layer.kind, layer.kind));
      head.append(name, el("div", "layer-type", layer.type), el("div", "layer-shape", fmtShape(layer.shape)),
        el("div", "layer-range", ""));
      card.appendChild(head);
      const isMap = Array.isArray(layer.shape) && layer.shape.length === 4;
      const view = isMap ? mapView(layer, card, 32) : valuesView(layer, card);
      state.layerViews.set(layer.name, view);
      box.appendChild(card);
    }
  }

  function buildSummary(info) {
    const s = info.summary;
    const tbody = document.querySelector("#summary tbody");
    tbody.textContent = "";
    for (const row of s.rows) {
      const tr = el("tr");
      tr.append(el("td", "mono", row.name || "(model)"), el("td", "", row.type),
        el("td", "mono", fmtShape(row.output_shape)), el("td", "num", fmtInt(row.params)),
        el("td", "num", fmtInt(row.macs)));
      tbody.appendChild(tr);
    }
    const tfoot = document.querySelector("#summary tfoot");
    tfoot.textContent = "";
    const tr = el("tr");
    const label = el("td", "", "Total: " + fmtInt(s.total_params) + " parameters (" +
      (s.param_bytes / 1048576).toFixed(2) + " MiB), " + fmtBig(s.total_macs) + " MACs ≈ " +
      fmtBig(s.total_flops) + " FLOPs per image");
    label.colSpan = 3;
    tr.append(label, el("td", "num", fmtInt(s.total_params)), el("td", "num", fmtInt(s.total_macs)));
    tfoot.appendChild(tr);
  }

  async function init() {
    clearCanvas();
    resetView("Nothing yet.");
    try {
      const info = await api("/api/info");
      state.info = info;
      const parts = [info.model, "input " + info.input_shape.join("×"), info.classes.length + " classes",
        fmtInt(info.summary.total_params) + " parameters", fmtBig(info.summary.total_flops) + " FLOPs"];
      if (info.dataset) parts.push("test images: " + info.dataset.name);
      $("model-line").textContent = parts.join(" · ");
      const [h, w] = info.input_shape.slice(1);
      const box = Math.max(1, Math.round(20 / 28 * Math.min(h, w)));
      DRAW_HINT = "Drawings are cropped to the ink, scaled to fit " + box + "×" + box + " and centred by mass in " +
        h + "×" + w + ", like MNIST.";
      $("input-hint").textContent = DRAW_HINT;
      buildProbs(info.classes);
      buildLayers(info);
      buildSummary(info);
      const sampleButton = $("sample");
      sampleButton.disabled = !info.dataset;
      sampleButton.title = info.dataset ? "a random image of the " + info.dataset.name + " test set"
        : "no test set loaded (start with --dataset NAME)";
      document.body.dataset.ready = "1";
    } catch (err) {
      setStatus("Could not load the model information: " + err.message, true);
    }
  }

  // For tests and the curious: the state, and whether everything asked for has been answered and drawn.
  window.numnetExplorer = {
    state,
    get last() { return state.last; },
    settled() { return !state.timer && !state.inflight && !state.pending; },
  };

  init();
})();
