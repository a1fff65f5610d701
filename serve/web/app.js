// ebm explorer: the page of `ebm serve`. Plain JavaScript, no dependencies.
// The API is described in docs/serve.md; all URLs are relative.
'use strict';

(() => {

// ---------------------------------------------------------------- utilities

const $ = (id) => document.getElementById(id);

const clamp = (x, lo, hi) => (x < lo ? lo : x > hi ? hi : x);
const isNum = (x) => typeof x === 'number' && Number.isFinite(x);

function debounce(fn, ms) {
  let t = 0;
  const d = (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  d.cancel = () => clearTimeout(t);
  return d;
}

// fmt formats a number for display: 2 decimals when small, 1 when large, exponent when huge.
function fmt(x, digits) {
  if (!isNum(x)) return '—';
  const a = Math.abs(x);
  if (digits !== undefined) return x.toFixed(digits);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return x.toFixed(a >= 100 ? 1 : 2);
}

// Compact tick labels.
function fmtTick(x, step) {
  if (Math.abs(x) < step * 1e-6) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(1);
  const dec = Math.max(0, Math.min(4, -Math.floor(Math.log10(step) + 1e-9)));
  return x.toFixed(dec);
}

// mulberry32: a small seeded PRNG for local noise (reproducible).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fillLabelSelect(sel, def) {
  sel.textContent = '';
  for (let d = 0; d <= 9; d++) {
    const o = document.createElement('option');
    o.value = String(d); o.textContent = String(d);
    if (d === def) o.selected = true;
    sel.appendChild(o);
  }
}

function setHidden(el, hidden) { if (el) el.hidden = !!hidden; }

function intInput(el, def, lo, hi) {
  const v = Math.round(Number(el.value));
  return Number.isFinite(v) ? clamp(v, lo, hi) : def;
}
function numInput(el, def) {
  const v = Number(el.value);
  return Number.isFinite(v) ? v : def;
}

// ---------------------------------------------------------------- API

class ApiError extends Error {}

// errorMessage reads {"error": ...} from a failed response, or its text.
async function errorMessage(res) {
  let msg = '';
  try {
    const text = await res.text();
    try { const j = JSON.parse(text); msg = (j && j.error) ? String(j.error) : text; } catch (_) { msg = text; }
  } catch (_) { /* body unreadable */ }
  msg = (msg || res.statusText || 'request failed').trim();
  return `${res.status}: ${msg}`;
}

// api GETs (body undefined) or POSTs JSON and returns the parsed answer.
async function api(path, body, signal) {
  const opt = { signal };
  if (body !== undefined) {
    opt.method = 'POST';
    opt.headers = { 'Content-Type': 'application/json' };
    opt.body = JSON.stringify(body);
  }
  const res = await fetch(path, opt);
  if (!res.ok) throw new ApiError(await errorMessage(res));
  try { return await res.json(); } catch (e) { throw new ApiError(`bad JSON from ${path}`); }
}

// streamRun streams the lines of path into run.queue until the run
// finishes; a failure other than an abort goes to fail(run, message).
async function streamRun(path, body, run, fail) {
  try {
    await stream(path, body, run.ctrl.signal, (line) => { if (!run.finished) run.queue.push(line); });
    run.streamEnded = true;
  } catch (e) {
    run.streamEnded = true;
    if (run.finished || isAbort(e)) return;
    fail(run, e.message);
  }
}

// endRun finishes run and aborts its request; false when there is no run
// or it had already finished.
function endRun(run) {
  if (!run || run.finished) return false;
  run.finished = true;
  try { run.ctrl.abort(); } catch (_) { /* ignore */ }
  return true;
}

// stream POSTs JSON and calls onLine for each NDJSON line as it arrives.
// It returns when the stream ends; it throws if it ended without a done or error line.
async function stream(path, body, signal, onLine) {
  const res = await fetch(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body), signal,
  });
  if (!res.ok) throw new ApiError(await errorMessage(res));
  if (!res.body || !res.body.getReader) throw new ApiError('this browser cannot read streams');
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let last = null;
  const emit = (line) => {
    line = line.trim();
    if (!line) return;
    let obj;
    try { obj = JSON.parse(line); } catch (_) { throw new ApiError('bad line in stream: ' + line.slice(0, 80)); }
    last = obj;
    onLine(obj);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      emit(line);
    }
  }
  buf += dec.decode();
  emit(buf);
  if (!last || (last.type !== 'done' && last.type !== 'error')) {
    throw new ApiError('the stream ended before its last line');
  }
}

const isAbort = (e) => e && (e.name === 'AbortError');

// digits fetches MNIST digits: {height, width, digits: [{index, label, pixels}]}.
async function fetchDigits(params) {
  const q = new URLSearchParams(params).toString();
  const r = await api('api/digits?' + q);
  return Array.isArray(r && r.digits) ? r.digits : [];
}

// nextDigit fetches the next test digit of label, counting in skips[key]
// the ones already taken, and checks that it has n pixels.
async function nextDigit(skips, key, label, n) {
  const skip = skips[key] || 0;
  skips[key] = skip + 1;
  const d = (await fetchDigits({ split: 'test', label, count: 1, skip }))[0];
  if (!d || !Array.isArray(d.pixels) || d.pixels.length !== n) throw new ApiError('no digit returned');
  return d;
}

// ---------------------------------------------------------------- shared state

const S = {
  info: null,
  H: 28, W: 28, N: 784,
  limits: { max_patterns: 64, max_sweeps: 200, max_gibbs_steps: 1000 },
};

function showGlobalError(msg) {
  const b = $('global-error');
  b.textContent = msg;
  b.hidden = !msg;
}

// ---------------------------------------------------------------- gray images

// Value-to-gray maps.
const grayPM = (v) => clamp((v + 1) / 2, 0, 1) * 255; // [−1,1] → black..white
const gray01 = (v) => clamp(v, 0, 1) * 255;            // [0,1] → black..white

// paintImage draws an h×w vector into a canvas (scaled, pixelated).
// opts.map turns a value into gray 0..255; opts.masked(v) marks units drawn in a tint;
// opts.gridLines draws faint cell borders.
function paintImage(canvas, values, h, w, opts = {}) {
  const ctx = canvas.getContext('2d');
  const map = opts.map || grayPM;
  const cw = canvas.width, ch = canvas.height;
  if (!values || values.length !== h * w) {
    ctx.fillStyle = '#e7e9ee';
    ctx.fillRect(0, 0, cw, ch);
    return;
  }
  const img = ctx.createImageData(w, h);
  const d = img.data;
  for (let i = 0; i < h * w; i++) {
    const v = Number(values[i]);
    let r, g, b;
    if (opts.masked && opts.masked(v)) { r = 104; g = 116; b = 140; }
    else { r = g = b = Number.isFinite(v) ? map(v) : 0; }
    d[4 * i] = r; d[4 * i + 1] = g; d[4 * i + 2] = b; d[4 * i + 3] = 255;
  }
  let off = paintImage.off;
  if (!off) off = paintImage.off = document.createElement('canvas');
  off.width = w; off.height = h;
  off.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, cw, ch);
  ctx.drawImage(off, 0, 0, cw, ch);
  if (opts.gridLines && cw / w >= 6) {
    ctx.strokeStyle = 'rgba(128,128,128,0.18)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = 1; x < w; x++) { const px = Math.round(x * cw / w) + 0.5; ctx.moveTo(px, 0); ctx.lineTo(px, ch); }
    for (let y = 1; y < h; y++) { const py = Math.round(y * ch / h) + 0.5; ctx.moveTo(0, py); ctx.lineTo(cw, py); }
    ctx.stroke();
  }
}

// ---------------------------------------------------------------- drawing grid

// makeDrawGrid turns a canvas into an h×w drawing surface over `values`.
// Left button paints `on`, right button or Shift paints `off`. onEdit() runs after each change.
function makeDrawGrid(canvas, opts) {
  const g = {
    h: opts.h, w: opts.w,
    values: new Float32Array(opts.h * opts.w).fill(opts.off),
    on: opts.on, off: opts.off,
    map: opts.map,
    masked: opts.masked,
    brush: opts.brush || (() => 1),
    onEdit: opts.onEdit || (() => {}),
    enabled: true,
  };
  g.render = () => paintImage(canvas, g.values, g.h, g.w, { map: g.map, masked: g.masked, gridLines: true });
  g.set = (vals) => {
    g.values = new Float32Array(g.h * g.w);
    if (vals && vals.length === g.h * g.w) for (let i = 0; i < vals.length; i++) g.values[i] = Number(vals[i]) || 0;
    else g.values.fill(g.off);
    g.render();
  };

  let drawing = false, value = g.on, last = null;
  const cellAt = (ev) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor((ev.clientX - r.left) / r.width * g.w);
    const y = Math.floor((ev.clientY - r.top) / r.height * g.h);
    return [clamp(x, 0, g.w - 1), clamp(y, 0, g.h - 1)];
  };
  const paint = (x, y) => {
    const b = g.brush();
    let changed = false;
    for (let dy = 0; dy < b; dy++) for (let dx = 0; dx < b; dx++) {
      const xx = x + dx, yy = y + dy;
      if (xx >= g.w || yy >= g.h) continue;
      const i = yy * g.w + xx;
      if (g.values[i] !== value) { g.values[i] = value; changed = true; }
    }
    return changed;
  };
  // paintLine paints the cells from a to b (Bresenham), so fast strokes have no gaps.
  const paintLine = (a, b) => {
    let [x0, y0] = a; const [x1, y1] = b;
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy, changed = false;
    for (;;) {
      changed = paint(x0, y0) || changed;
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
    return changed;
  };

  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('pointerdown', (e) => {
    if (!g.enabled) return;
    e.preventDefault();
    drawing = true;
    value = (e.button === 2 || e.shiftKey) ? g.off : g.on;
    try { canvas.setPointerCapture(e.pointerId); } catch (_) { /* ignore */ }
    last = cellAt(e);
    if (paint(last[0], last[1])) { g.render(); g.onEdit(); }
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const c = cellAt(e);
    if (last && c[0] === last[0] && c[1] === last[1]) return;
    const changed = paintLine(last || c, c);
    last = c;
    if (changed) { g.render(); g.onEdit(); }
  });
  const end = () => { drawing = false; last = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  g.render();
  return g;
}

// ---------------------------------------------------------------- plots

// sizeCanvas matches the canvas's backing store to its CSS size (sharp text on HiDPI).
function sizeCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || Number(canvas.getAttribute('width')) || 300;
  const cssH = canvas.clientHeight || Number(canvas.getAttribute('height')) || 150;
  const w = Math.round(cssW * dpr), h = Math.round(cssH * dpr);
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w: cssW, h: cssH };
}

// onResize redraws a plot whenever its canvas changes size (layout, window).
function onResize(canvas, fn) {
  const d = debounce(fn, 50);
  if (typeof ResizeObserver === 'function') {
    let w = -1, h = -1;
    new ResizeObserver(() => {
      if (canvas.clientWidth === w && canvas.clientHeight === h) return;
      w = canvas.clientWidth; h = canvas.clientHeight;
      d();
    }).observe(canvas);
  } else window.addEventListener('resize', d);
}

// niceTicks returns about n round tick values covering [lo, hi].
function niceTicks(lo, hi, n, integer) {
  const span = hi - lo;
  if (!(span > 0)) return { ticks: [lo], step: 1 };
  const raw = Math.max(integer ? 1 : 0, span / Math.max(1, n));
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(t);
  return { ticks, step };
}

// plotLine draws y against x with autoscaled axes; opts: xLabel, yLabel, color, empty.
function plotLine(canvas, xs, ys, opts = {}) {
  const { ctx, w, h } = sizeCanvas(canvas);
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const pts = [];
  for (let i = 0; i < xs.length; i++) if (isNum(xs[i]) && isNum(ys[i])) pts.push([xs[i], ys[i]]);
  ctx.font = '11px system-ui, sans-serif';
  if (!pts.length) {
    ctx.fillStyle = '#8a93a3';
    ctx.textAlign = 'center';
    ctx.fillText(opts.empty || 'no data yet', w / 2, h / 2);
    return;
  }
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const [x, y] of pts) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { const d = Math.abs(y0) * 0.05 || 1; y0 -= d; y1 += d; }
  const pad = (y1 - y0) * 0.06; y0 -= pad; y1 += pad;
  const yt = niceTicks(y0, y1, 4), xt = niceTicks(x0, x1, 5, opts.integerX);
  // left margin from the widest y label
  let lw = 0;
  for (const t of yt.ticks) lw = Math.max(lw, ctx.measureText(fmtTick(t, yt.step)).width);
  const L = Math.ceil(lw) + 12, R = 10, T = 10, B = 30;
  const px = (x) => L + (x - x0) / (x1 - x0) * (w - L - R);
  const py = (y) => T + (1 - (y - y0) / (y1 - y0)) * (h - T - B);
  // grid and ticks
  ctx.strokeStyle = '#eceef2'; ctx.lineWidth = 1; ctx.fillStyle = '#667085';
  ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  for (const t of yt.ticks) {
    const y = Math.round(py(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(w - R, y); ctx.stroke();
    ctx.fillText(fmtTick(t, yt.step), L - 5, y);
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  for (const t of xt.ticks) {
    const x = Math.round(px(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(x, T); ctx.lineTo(x, h - B); ctx.stroke();
    ctx.fillText(fmtTick(t, xt.step), x, h - B + 4);
  }
  ctx.strokeStyle = '#98a2b3';
  ctx.beginPath(); ctx.moveTo(L + 0.5, T); ctx.lineTo(L + 0.5, h - B + 0.5); ctx.lineTo(w - R, h - B + 0.5); ctx.stroke();
  if (opts.xLabel) { ctx.textAlign = 'right'; ctx.textBaseline = 'bottom'; ctx.fillText(opts.xLabel, w - R, h - 1); }
  if (opts.yLabel) { ctx.textAlign = 'left'; ctx.textBaseline = 'top'; ctx.fillText(opts.yLabel, L + 5, T); }
  // line
  ctx.strokeStyle = opts.color || '#2563eb'; ctx.lineWidth = 1.75; ctx.lineJoin = 'round';
  ctx.beginPath();
  pts.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
  ctx.stroke();
  const [lx, ly] = pts[pts.length - 1];
  ctx.fillStyle = opts.color || '#2563eb';
  ctx.beginPath(); ctx.arc(px(lx), py(ly), 3, 0, 2 * Math.PI); ctx.fill();
}

// setStatus writes a status line and its data-state; error text is shown in red.
function setStatus(el, state, text) {
  el.dataset.state = state;
  el.textContent = text || '';
  el.classList.toggle('error', state === 'error');
}

// ================================================================ Hopfield panel

const HF = {
  grid: null,          // drawing grid (values ±1, or reals after a continuous recall)
  gridLabel: null,     // digit label of what is on the grid, when known
  shelf: [],           // [{pixels: Float32Array ±1, label, index, split}]
  run: null,           // the recall in progress
  energySeq: 0,
  plotX: [], plotY: [], plotXLabel: 'flips',
  digitSkip: {},       // next test row per label for "Load digit"
  nearest: -1,
};

const hfEl = {};

function hfInit() {
  for (const id of ['hf-grid', 'hf-clear', 'hf-load-digit', 'hf-digit-label', 'hf-store', 'hf-clear-shelf',
    'hf-default-shelf', 'hf-shelf', 'hf-shelf-count', 'hf-noise', 'hf-noise-value', 'hf-mask', 'hf-mask-fraction',
    'hf-mask-fraction-value', 'hf-corrupt', 'hf-seed', 'hf-kind', 'hf-rule', 'hf-interaction', 'hf-beta',
    'hf-zero-diagonal', 'hf-mode', 'hf-temperature', 'hf-max-sweeps', 'hf-speed', 'hf-recall', 'hf-stop',
    'hf-energy', 'hf-energy-value', 'hf-status', 'hf-kind-note', 'hf-brush']) hfEl[id] = $(id);

  fillLabelSelect(hfEl['hf-digit-label'], 3);
  HF.grid = makeDrawGrid(hfEl['hf-grid'], {
    h: S.H, w: S.W, on: 1, off: -1, map: grayPM,
    brush: () => Number(hfEl['hf-brush'].value) || 1,
    onEdit: () => { HF.gridLabel = null; hfGridEdited(); },
  });

  hfEl['hf-clear'].addEventListener('click', () => { HF.grid.set(null); HF.gridLabel = null; hfGridEdited(); });
  hfEl['hf-load-digit'].addEventListener('click', hfLoadDigit);
  hfEl['hf-store'].addEventListener('click', hfStore);
  hfEl['hf-clear-shelf'].addEventListener('click', () => { HF.shelf = []; hfShelfChanged(); });
  hfEl['hf-default-shelf'].addEventListener('click', hfLoadDefaultShelf);
  hfEl['hf-corrupt'].addEventListener('click', hfCorrupt);
  hfEl['hf-recall'].addEventListener('click', hfRecall);
  hfEl['hf-stop'].addEventListener('click', () => hfStop('stopped'));

  const out = (inp, o, d) => { const f = () => { o.textContent = Number(inp.value).toFixed(d); }; inp.addEventListener('input', f); f(); };
  out(hfEl['hf-noise'], hfEl['hf-noise-value'], 2);
  out(hfEl['hf-mask-fraction'], hfEl['hf-mask-fraction-value'], 2);

  // β is remembered per kind (dense exp: 1, continuous: 0.1 suits ±1 digits of N = 784).
  HF.betaByKind = { dense: 1, continuous: 0.1, 'model:memory': 0.1 };
  hfEl['hf-kind'].addEventListener('change', () => {
    const k = hfEl['hf-kind'].value;
    if (k in HF.betaByKind) hfEl['hf-beta'].value = String(HF.betaByKind[k]);
    hfSettingsChanged();
  });
  hfEl['hf-beta'].addEventListener('input', () => {
    const v = Number(hfEl['hf-beta'].value);
    if (Number.isFinite(v)) HF.betaByKind[hfEl['hf-kind'].value] = v;
  });
  for (const id of ['hf-rule', 'hf-interaction', 'hf-beta', 'hf-zero-diagonal', 'hf-mode']) {
    hfEl[id].addEventListener('change', hfSettingsChanged);
  }
  hfEl['hf-beta'].addEventListener('input', debounce(hfSettingsChanged, 300));

  HF.energyDebounced = debounce(hfUpdateEnergy, 150);
  onResize(hfEl['hf-energy'], hfPlot);
  hfUpdateVisibility();
  hfIdle('Draw a digit or load one, store patterns on the shelf, corrupt the cue, then Recall.');
  hfPlot();
}

// hfAddLoadedModels adds "loaded: …" kinds when the server holds models of the right size.
function hfAddLoadedModels() {
  const sel = hfEl['hf-kind'];
  for (const m of ['hopfield', 'memory']) {
    const mi = S.info && S.info[m];
    if (!mi || typeof mi !== 'object') continue;
    const o = document.createElement('option');
    o.value = 'model:' + m;
    const parts = [mi.kind, mi.rule, mi.interaction].filter(Boolean).join(' ');
    const n = isNum(mi.neurons) ? mi.neurons : null;
    o.textContent = `loaded: ${m}` + (parts ? ` (${parts}` + (isNum(mi.patterns) ? `, ${mi.patterns} patterns)` : ')') : '');
    if (n !== null && n !== S.N) { o.disabled = true; o.textContent += ` — ${n} neurons, not ${S.H}×${S.W}`; }
    sel.appendChild(o);
    if (m === 'memory' && isNum(mi.beta)) HF.betaByKind['model:memory'] = mi.beta;
  }
}

// hfMemoryKind is the kind of memory recall will use (classical, dense or continuous).
function hfMemoryKind() {
  const k = hfEl['hf-kind'].value;
  if (k.startsWith('model:')) {
    const mi = S.info && S.info[k.slice(6)];
    return (mi && mi.kind) || (k === 'model:hopfield' ? 'classical' : 'dense');
  }
  return k;
}

function hfUpdateVisibility() {
  const sel = hfEl['hf-kind'].value;
  const loaded = sel.startsWith('model:');
  const kind = hfMemoryKind();
  const inter = hfEl['hf-interaction'].value;
  setHidden($('hf-rule-field'), loaded || kind !== 'classical');
  setHidden($('hf-zero-diagonal-field'), loaded || kind !== 'classical' || hfEl['hf-rule'].value !== 'pinv');
  setHidden($('hf-interaction-field'), loaded || kind !== 'dense');
  setHidden($('hf-beta-field'), !(kind === 'continuous' || (!loaded && kind === 'dense' && inter === 'exp')));
  setHidden($('hf-mode-field'), kind === 'continuous');
  const glauber = hfEl['hf-mode'].querySelector('option[value="glauber"]');
  glauber.disabled = kind !== 'classical';
  if (glauber.disabled && hfEl['hf-mode'].value === 'glauber') hfEl['hf-mode'].value = 'async';
  setHidden($('hf-temperature-field'), !(kind === 'classical' && hfEl['hf-mode'].value === 'glauber'));
  let note = '';
  if (loaded) {
    const mi = S.info[sel.slice(6)] || {};
    const about = [typeof mi.source === 'string' ? mi.source : '', isNum(mi.patterns) ? `${mi.patterns} patterns` : '',
      isNum(mi.beta) ? `β = ${mi.beta}` : ''].filter(Boolean).join(', ');
    note = `Uses the model loaded with --${sel.slice(6)}` + (about ? ` (${about})` : '') +
      '; the shelf is not used for recall, and “nearest” refers to the model’s own patterns.';
  } else if (kind === 'classical') {
    note = 'E(s) = −½ sᵀWs. Hebbian weights mix correlated digits into spurious states; the pseudo-inverse makes every stored pattern a fixed point.';
  } else if (kind === 'continuous') {
    note = 'One sweep = one update ξ ← X softmax(βXᵀξ); the state is real-valued (grey levels). β ≈ 0.05–0.1 separates ±1 digits.';
  } else if (kind === 'dense') {
    note = 'E(s) = −Σμ F(ξμ·s). MNIST digits overlap strongly (m ≈ 0.6–0.8), so low orders (poly:2–4, relu:3) fall into a mixture; poly:6 and up, or exp, pull the memories apart.';
  }
  hfEl['hf-kind-note'].textContent = note;
}

function hfSettingsChanged() {
  hfUpdateVisibility();
  if (!(HF.run && !HF.run.finished) && hfEl['hf-status'].dataset.state !== 'idle') { HF.nearest = -1; hfUpdateOverlaps(); hfIdle(''); }
  hfSchedEnergy();
}

// hfIdle sets the status to idle and forgets the attributes of the last run.
function hfIdle(text) {
  const st = hfEl['hf-status'];
  for (const a of ['energyStart', 'energyEnd', 'nearest', 'overlap', 'class', 'sweeps', 'converged']) delete st.dataset[a];
  setStatus(st, 'idle', text);
}

function hfError(msg) {
  setStatus(hfEl['hf-status'], 'error', 'Error: ' + msg);
}

// hfGridEdited: the grid changed by hand (draw, clear, load, corrupt, copy from the shelf).
function hfGridEdited(text) {
  if (HF.run && !HF.run.finished) hfStop(null);
  HF.nearest = -1;
  HF.plotX = []; HF.plotY = [];
  hfIdle(text || '');
  hfUpdateOverlaps();
  hfSchedEnergy();
  hfPlot();
}

function hfSchedEnergy() {
  if (HF.run && !HF.run.finished) return;
  HF.energyDebounced();
}

// hfBinaryState returns the grid as ±1 (for binary kinds; reals are thresholded at 0).
function hfBinaryState() {
  return Array.from(HF.grid.values, (v) => (v > 0 ? 1 : -1));
}

function hfShelfPatterns() {
  return HF.shelf.map((p) => Array.from(p.pixels));
}

// hfMemoryFields: the memory part of a recall or energy request.
function hfMemoryFields() {
  const sel = hfEl['hf-kind'].value;
  const kind = hfMemoryKind();
  const beta = numInput(hfEl['hf-beta'], kind === 'continuous' ? 0.1 : 1);
  if (sel.startsWith('model:')) {
    const f = { model: sel.slice(6), kind };
    if (kind === 'continuous') f.beta = beta;
    return f;
  }
  if (!HF.shelf.length) throw new ApiError('the shelf is empty: store at least one pattern');
  const f = { kind, model: '', patterns: hfShelfPatterns() };
  if (kind === 'classical') { f.rule = hfEl['hf-rule'].value; f.zero_diagonal = hfEl['hf-zero-diagonal'].checked; }
  if (kind === 'dense') { f.interaction = hfEl['hf-interaction'].value; if (f.interaction === 'exp') f.beta = beta; }
  if (kind === 'continuous') f.beta = beta;
  return f;
}

function hfStateForRequest() {
  return hfMemoryKind() === 'continuous' ? Array.from(HF.grid.values) : hfBinaryState();
}

async function hfUpdateEnergy() {
  if (HF.run && !HF.run.finished) return;
  const seq = ++HF.energySeq;
  let body;
  try { body = Object.assign(hfMemoryFields(), { states: [hfStateForRequest()] }); }
  catch (e) { hfSetEnergy(NaN); if (hfEl['hf-status'].dataset.state !== 'error') hfIdle(e.message); return; }
  try {
    const r = await api('api/hopfield/energy', body);
    if (seq !== HF.energySeq || (HF.run && !HF.run.finished)) return;
    const e = r && Array.isArray(r.energy) ? Number(r.energy[0]) : NaN;
    hfSetEnergy(e);
  } catch (e) {
    if (seq !== HF.energySeq) return;
    hfSetEnergy(NaN);
    hfError('energy: ' + e.message);
  }
}

function hfSetEnergy(e) {
  const el = hfEl['hf-energy-value'];
  el.textContent = fmt(e);
  if (isNum(e)) el.dataset.energy = String(e); else delete el.dataset.energy;
}

// overlap ξ·s/N in JS.
function overlap(p, s) {
  let d = 0;
  const n = Math.min(p.length, s.length);
  for (let i = 0; i < n; i++) d += p[i] * s[i];
  return n ? d / n : 0;
}

function hfUpdateOverlaps() {
  const items = hfEl['hf-shelf'].children;
  const s = HF.grid.values;
  for (let k = 0; k < HF.shelf.length && k < items.length; k++) {
    const m = overlap(HF.shelf[k].pixels, s);
    const it = items[k];
    const fill = it.querySelector('.overlap-fill');
    const num = it.querySelector('.overlap-num');
    const w = Math.min(50, Math.abs(m) * 50);
    fill.style.width = w + '%';
    fill.style.left = (m >= 0 ? 50 : 50 - w) + '%';
    fill.classList.toggle('neg', m < 0);
    num.textContent = m.toFixed(2);
    it.dataset.overlap = m.toFixed(4);
    it.classList.toggle('nearest', k === HF.nearest);
  }
}

// ---- shelf

function hfRenderShelf() {
  const box = hfEl['hf-shelf'];
  box.textContent = '';
  HF.shelf.forEach((p, k) => {
    const it = document.createElement('div');
    it.className = 'thumb';
    it.dataset.index = String(k);
    if (p.label !== null && p.label !== undefined) it.dataset.label = String(p.label);
    const c = document.createElement('canvas');
    c.width = 56; c.height = 56;
    c.title = 'Copy pattern #' + k + ' into the grid';
    c.setAttribute('role', 'button');
    c.setAttribute('aria-label', 'copy pattern ' + k + ' into the grid');
    c.tabIndex = 0;
    paintImage(c, p.pixels, S.H, S.W, { map: grayPM });
    const copy = () => {
      HF.grid.set(p.pixels); HF.gridLabel = p.label;
      hfGridEdited(`Copied shelf #${k} into the grid.`);
    };
    c.addEventListener('click', copy);
    c.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); copy(); } });
    const x = document.createElement('button');
    x.type = 'button'; x.className = 'thumb-remove'; x.textContent = '×';
    x.title = 'Remove from the shelf'; x.setAttribute('aria-label', 'remove pattern ' + k);
    x.addEventListener('click', (e) => { e.stopPropagation(); HF.shelf.splice(k, 1); hfShelfChanged(); });
    const lab = document.createElement('div');
    lab.className = 'thumb-label';
    const what = (p.label !== null && p.label !== undefined) ? `digit ${p.label}` : 'drawn';
    lab.textContent = `#${k} · ${what}`;
    if (isNum(p.index)) lab.title = `${p.split || 'train'} row ${p.index}`;
    const bar = document.createElement('div');
    bar.className = 'overlap';
    bar.innerHTML = '<div class="overlap-mid"></div><div class="overlap-fill"></div>';
    const num = document.createElement('div');
    num.className = 'overlap-num';
    it.append(x, c, lab, bar, num);
    box.appendChild(it);
  });
  if (!HF.shelf.length) {
    const e = document.createElement('p');
    e.className = 'muted empty';
    e.textContent = 'The shelf is empty: draw or load a digit and press “Store on shelf”.';
    box.appendChild(e);
  }
  hfEl['hf-shelf-count'].textContent = `(${HF.shelf.length} / ${S.limits.max_patterns})`;
  hfEl['hf-store'].disabled = HF.shelf.length >= S.limits.max_patterns;
  hfUpdateOverlaps();
}

function hfShelfChanged() {
  HF.nearest = -1;
  if (!(HF.run && !HF.run.finished) && hfEl['hf-status'].dataset.state !== 'idle') hfIdle('');
  hfRenderShelf();
  hfSchedEnergy();
  if (typeof mhSchedule === 'function') mhSchedule();
}

function toPM(pixels) {
  return Float32Array.from(pixels, (v) => (Number(v) > 0 ? 1 : -1));
}

function hfStore() {
  if (HF.shelf.length >= S.limits.max_patterns) { hfError(`the shelf holds at most ${S.limits.max_patterns} patterns`); return; }
  HF.shelf.push({ pixels: toPM(HF.grid.values), label: HF.gridLabel, index: null });
  hfShelfChanged();
}

async function hfLoadDefaultShelf() {
  const idx = (S.info && Array.isArray(S.info.default_patterns)) ? S.info.default_patterns : [];
  if (!idx.length) { hfError('the server gave no default patterns'); return; }
  try {
    const ds = await fetchDigits({ split: 'train', index: idx.join(',') });
    HF.shelf = ds.filter((d) => Array.isArray(d.pixels) && d.pixels.length === S.N)
      .map((d) => ({ pixels: toPM(d.pixels), label: isNum(d.label) ? d.label : null, index: d.index, split: 'train' }));
    hfShelfChanged();
  } catch (e) { hfError('default digits: ' + e.message); }
}

async function hfLoadDigit() {
  const L = Number(hfEl['hf-digit-label'].value);
  try {
    const d = await nextDigit(HF.digitSkip, L, L, S.N);
    HF.grid.set(toPM(d.pixels));
    HF.gridLabel = isNum(d.label) ? d.label : L;
    hfGridEdited(`Loaded test digit ${HF.gridLabel} (row ${d.index}).`);
  } catch (e) { hfError('load digit: ' + e.message); }
}

async function hfCorrupt() {
  const seed = intInput(hfEl['hf-seed'], 1, 0, 2 ** 31 - 1);
  const body = {
    state: hfBinaryState(), height: S.H, width: S.W,
    noise: numInput(hfEl['hf-noise'], 0.2), mask: hfEl['hf-mask'].value,
    mask_fraction: numInput(hfEl['hf-mask-fraction'], 0.5), mask_value: -1, seed,
  };
  try {
    const r = await api('api/corrupt', body);
    if (!r || !Array.isArray(r.state) || r.state.length !== S.N) throw new ApiError('bad answer from api/corrupt');
    HF.grid.set(r.state);
    hfEl['hf-seed'].value = String(seed + 1);
    const parts = [];
    if (isNum(r.flipped)) parts.push(`flipped ${r.flipped}`);
    if (isNum(r.masked)) parts.push(`masked ${r.masked}`);
    hfGridEdited(`Corrupted with seed ${seed}` + (parts.length ? ': ' + parts.join(', ') : '') + '.');
  } catch (e) { hfError('corrupt: ' + e.message); }
}

// ---- recall and playback

function hfPlot() {
  plotLine(hfEl['hf-energy'], HF.plotX, HF.plotY, {
    xLabel: HF.plotXLabel, yLabel: 'energy', color: '#2563eb', integerX: true,
    empty: 'press Recall to plot the energy',
  });
}

function hfSetRunning(on) {
  hfEl['hf-recall'].disabled = on;
  hfEl['hf-stop'].disabled = !on;
}

async function hfRecall() {
  if (HF.run && !HF.run.finished) hfStop(null);
  let body;
  try {
    body = Object.assign(hfMemoryFields(), {
      state: hfStateForRequest(),
      mode: hfMemoryKind() === 'continuous' ? 'async' : hfEl['hf-mode'].value,
      max_sweeps: intInput(hfEl['hf-max-sweeps'], 50, 1, S.limits.max_sweeps || 200),
      seed: intInput(hfEl['hf-seed'], 1, 0, 2 ** 31 - 1),
      flips: true,
    });
    if (body.mode === 'glauber') body.temperature = numInput(hfEl['hf-temperature'], 0.5);
  } catch (e) { hfError(e.message); return; }

  const continuous = hfMemoryKind() === 'continuous';
  const mode = hfEl['hf-speed'].value;
  const run = {
    ctrl: new AbortController(), queue: [], mode, continuous, finished: false, streamEnded: false,
    cur: null, curStart: 0, curApplied: 0, rate: 0.1, waitUntil: 0,
    flips: 0, sweep: 0, startEnergy: NaN, energy: NaN, dirty: false,
    model: body.model || '',
  };
  HF.run = run;
  HF.energySeq++; // drop pending energy answers
  HF.energyDebounced.cancel();
  HF.nearest = -1;
  HF.plotX = []; HF.plotY = [];
  HF.plotXLabel = (mode === 'unit' && !continuous) ? 'flips' : 'sweeps';
  hfIdle();
  setStatus(hfEl['hf-status'], 'running', 'starting…');
  hfSetRunning(true);
  hfPlot();
  requestAnimationFrame(hfTick);

  await streamRun('api/hopfield/recall', body, run, hfFail);
}

function hfStop(text) {
  const run = HF.run;
  if (!endRun(run)) return;
  hfSetRunning(false);
  if (text) hfIdle(`Stopped after ${run.sweep} sweep${run.sweep === 1 ? '' : 's'} and ${run.flips} flips.`);
  hfSchedEnergy();
}

function hfFail(run, msg) {
  if (!endRun(run)) return;
  hfSetRunning(false);
  hfError(msg);
}

// hfApplyFlip sets one unit and records the energy after it.
function hfApplyFlip(run, f) {
  if (!Array.isArray(f) || f.length < 2) return;
  const u = Number(f[0]), v = Number(f[1]);
  if (Number.isInteger(u) && u >= 0 && u < S.N && Number.isFinite(v)) HF.grid.values[u] = v;
  run.flips++;
  if (isNum(f[2])) {
    run.energy = f[2];
    if (run.mode === 'unit') { HF.plotX.push(run.flips); HF.plotY.push(f[2]); }
  }
  run.dirty = true;
}

function hfApplyState(st) {
  if (Array.isArray(st) && st.length === S.N) {
    for (let i = 0; i < S.N; i++) HF.grid.values[i] = Number(st[i]) || 0;
  }
}

function hfSweepStatus(ev) {
  const n = isNum(ev.changed) ? ev.changed : (Array.isArray(ev.flips) ? ev.flips.length : 0);
  return `sweep ${ev.sweep} — ${n} ${hfMemoryKindOfRun() === 'continuous' ? 'units changed' : 'flips'}`;
}
function hfMemoryKindOfRun() { return HF.run && HF.run.continuous ? 'continuous' : 'binary'; }

// hfEndSweep applies what is left of a sweep line (whole sweeps, continuous states).
function hfEndSweep(run, ev, applyFlips) {
  if (applyFlips && Array.isArray(ev.flips)) for (const f of ev.flips) hfApplyFlip(run, f);
  if (ev.state) hfApplyState(ev.state);
  run.sweep = isNum(ev.sweep) ? ev.sweep : run.sweep + 1;
  if (isNum(ev.energy)) run.energy = ev.energy;
  if (HF.plotXLabel === 'sweeps') { HF.plotX.push(run.sweep); HF.plotY.push(run.energy); }
  run.dirty = true;
}

function hfTick(now) {
  const run = HF.run;
  if (!run || run.finished || run !== HF.run) return;
  if (run.mode === 'instant' && !run.streamEnded && !run.queue.some((l) => l.type === 'done' || l.type === 'error')) {
    requestAnimationFrame(hfTick);
    return;
  }
  while (run.queue.length && !run.finished) {
    if (now < run.waitUntil) break;
    const ev = run.queue[0];
    if (ev.type === 'start') {
      run.startEnergy = isNum(ev.energy) ? ev.energy : NaN;
      run.energy = run.startEnergy;
      if (isNum(run.energy)) { HF.plotX.push(0); HF.plotY.push(run.energy); }
      run.dirty = true;
      run.queue.shift();
      setStatus(hfEl['hf-status'], 'running', 'sweep 1 …');
      continue;
    }
    if (ev.type === 'sweep') {
      const flips = Array.isArray(ev.flips) ? ev.flips : [];
      if (run.mode === 'unit' && flips.length) {
        if (run.cur !== ev) {
          // ~3 s per sweep, at least 60 flips per second
          run.cur = ev; run.curStart = now; run.curApplied = 0;
          run.rate = Math.max(60, flips.length / 3) / 1000;
          setStatus(hfEl['hf-status'], 'running', hfSweepStatus(ev));
        }
        const target = Math.min(flips.length, Math.floor((now - run.curStart) * run.rate) + 1);
        while (run.curApplied < target) hfApplyFlip(run, flips[run.curApplied++]);
        if (run.curApplied < flips.length) break;
        run.cur = null;
        hfEndSweep(run, ev, false);
        run.queue.shift();
        continue;
      }
      // whole sweep at once
      setStatus(hfEl['hf-status'], 'running', hfSweepStatus(ev));
      hfEndSweep(run, ev, true);
      run.queue.shift();
      if (run.mode === 'sweep' || (run.mode === 'unit' && ev.state)) run.waitUntil = now + 300;
      continue;
    }
    if (ev.type === 'done') { run.queue.shift(); hfFinish(run, ev); break; }
    if (ev.type === 'error') { run.queue.shift(); hfRender(run); hfFail(run, ev.error || 'the recall failed'); return; }
    run.queue.shift(); // unknown line: skip
  }
  hfRender(run);
  if (!run.finished) requestAnimationFrame(hfTick);
}

function hfRender(run) {
  if (!run.dirty) return;
  run.dirty = false;
  HF.grid.render();
  hfUpdateOverlaps();
  hfSetEnergy(run.energy);
  hfPlot();
}

function hfFinish(run, done) {
  hfApplyState(done.state);
  if (isNum(done.energy)) run.energy = done.energy;
  const sweeps = isNum(done.sweeps) ? done.sweeps : run.sweep;
  if (HF.plotX.length && isNum(done.energy) && HF.plotY[HF.plotY.length - 1] !== done.energy) {
    HF.plotX.push(HF.plotXLabel === 'flips' ? run.flips : sweeps);
    HF.plotY.push(done.energy);
  }
  run.dirty = true;
  run.finished = true;
  const nearest = Number.isInteger(done.nearest) ? done.nearest : -1;
  HF.nearest = run.model ? -1 : nearest;
  hfRender(run);
  hfSetRunning(false);

  let head;
  if (done.converged) head = `converged after ${sweeps} sweep${sweeps === 1 ? '' : 's'}`;
  else if (done.cycle) head = `2-cycle after ${sweeps} sweeps`;
  else head = `not converged after ${sweeps} sweep${sweeps === 1 ? '' : 's'}`;
  let near = '';
  if (nearest >= 0) {
    if (run.model) near = `nearest: stored pattern #${nearest}`;
    else {
      const p = HF.shelf[nearest];
      near = `nearest: shelf #${nearest}` + (p && p.label !== null && p.label !== undefined ? ` (digit ${p.label})` : '');
    }
    if (isNum(done.overlap)) near += `, overlap ${done.overlap.toFixed(2)}`;
  }
  if (done.class) near += (near ? ', ' : '') + `class ${done.class}`;
  const st = hfEl['hf-status'];
  setStatus(st, 'done', head + (near ? ' — ' + near : '') + (run.continuous ? '' : ` · ${run.flips} flips`));
  st.dataset.energyStart = String(run.startEnergy);
  st.dataset.energyEnd = String(run.energy);
  st.dataset.nearest = String(nearest);
  st.dataset.overlap = isNum(done.overlap) ? String(done.overlap) : '';
  st.dataset.class = done.class ? String(done.class) : '';
  st.dataset.sweeps = String(sweeps);
  st.dataset.converged = String(!!done.converged);
}

// ================================================================ RBM panel

const RB = { ok: false, H: 28, W: 28, N: 784, run: null, draw: null, seq: 0, digitSkip: {} };
const rbEl = {};

function rbInit() {
  for (const id of ['rbm-filters', 'rbm-filters-caption', 'rbm-start', 'rbm-digit-label', 'rbm-digit-label-field',
    'rbm-steps', 'rbm-every', 'rbm-seed', 'rbm-speed', 'rbm-run', 'rbm-stop', 'rbm-status', 'rbm-chain', 'rbm-step',
    'rbm-fe', 'rbm-strip', 'rbm-draw', 'rbm-clear', 'rbm-draw-label', 'rbm-load-digit', 'rbm-fe-value', 'rbm-recon',
    'rbm-recon-info', 'rbm-missing', 'rbm-step-once']) rbEl[id] = $(id);
  fillLabelSelect(rbEl['rbm-digit-label'], 5);
  fillLabelSelect(rbEl['rbm-draw-label'], 7);

  const ri = S.info && S.info.rbm;
  const nv = ri && isNum(ri.n_visible) ? ri.n_visible : null;
  RB.H = ri && isNum(ri.height) ? ri.height : S.H;
  RB.W = ri && isNum(ri.width) ? ri.width : S.W;
  RB.N = nv || RB.H * RB.W;
  RB.ok = !!ri;
  RB.sameAsGrid = RB.N === S.N && RB.H === S.H && RB.W === S.W;

  RB.draw = makeDrawGrid(rbEl['rbm-draw'], {
    h: RB.H, w: RB.W, on: 1, off: 0, map: gray01,
    brush: () => Number($('hf-brush').value) || 1,
    onEdit: () => RB.measure(),
  });
  paintImage(rbEl['rbm-chain'], null, RB.H, RB.W);
  paintImage(rbEl['rbm-recon'], null, RB.H, RB.W);
  RB.feX = []; RB.feY = [];
  rbPlot();

  if (!RB.ok) {
    rbEl['rbm-missing'].hidden = false;
    rbEl['rbm-missing'].textContent = 'This server holds no RBM: the RBM panel is disabled.';
    $('rbm-body').hidden = true;
    for (const id of ['rbm-run', 'rbm-step-once', 'rbm-load-digit', 'rbm-clear']) rbEl[id].disabled = true;
    RB.draw.enabled = false;
    rbEl['rbm-filters'].hidden = true;
    rbEl['rbm-filters-caption'].textContent = '';
    return;
  }
  if (RB.H * RB.W !== RB.N) {
    rbEl['rbm-missing'].hidden = false;
    rbEl['rbm-missing'].textContent = `The RBM has ${RB.N} visible units, not an image: only its filters are shown.`;
    for (const id of ['rbm-run', 'rbm-step-once', 'rbm-load-digit', 'rbm-clear']) rbEl[id].disabled = true;
    RB.draw.enabled = false;
  }

  // filters
  const img = rbEl['rbm-filters'];
  const count = Math.min(100, isNum(ri.n_hidden) ? ri.n_hidden : 100);
  img.removeAttribute('width'); img.removeAttribute('height');
  img.addEventListener('error', () => {
    img.hidden = true;
    rbEl['rbm-filters-caption'].textContent = 'The filters image could not be loaded.';
    rbEl['rbm-filters-caption'].classList.add('error');
  });
  img.src = `api/rbm/filters.png?count=${count}&scale=2`;
  const shape = (nv !== null && isNum(ri.n_hidden)) ? `${nv} visible × ${ri.n_hidden} hidden` : 'RBM';
  rbEl['rbm-filters-caption'].textContent =
    `${shape}${ri.source ? ' · ' + ri.source : ''} — the weights of the first ${count} hidden units, each scaled to its own range.`;

  rbEl['rbm-start'].addEventListener('change', () => {
    rbEl['rbm-digit-label-field'].hidden = rbEl['rbm-start'].value !== 'digit';
  });
  const gridOpt = rbEl['rbm-start'].querySelector('option[value="grid"]');
  if (!RB.sameAsGrid) gridOpt.disabled = true;
  rbEl['rbm-steps'].max = String((S.limits && S.limits.max_gibbs_steps) || 1000);
  // A model trained to be sampled a given way (restart: k steps from noise)
  // starts the chain that way.
  if (ri && ri.sampler && isNum(ri.sampler.steps)) {
    rbEl['rbm-steps'].value = String(ri.sampler.steps);
    rbEl['rbm-start'].value = 'noise';
  }
  rbEl['rbm-run'].addEventListener('click', rbRun);
  rbEl['rbm-step-once'].addEventListener('click', rbStepOnce);
  // Changing the start makes the next single step start afresh.
  rbEl['rbm-start'].addEventListener('change', () => { RB.last = null; });
  rbEl['rbm-stop'].addEventListener('click', () => rbStop(true));
  rbEl['rbm-clear'].addEventListener('click', () => { RB.draw.set(null); RB.measure(); });
  rbEl['rbm-load-digit'].addEventListener('click', rbLoadDigit);
  RB.measure = debounce(rbMeasure, 150);
  onResize(rbEl['rbm-fe'], rbPlot);
  setStatus(rbEl['rbm-status'], 'idle', '');
}
RB.measure = () => {};

function rbPlot() {
  plotLine(rbEl['rbm-fe'], RB.feX, RB.feY, { xLabel: 'step', yLabel: 'free energy F(v)', color: '#c2410c', integerX: true, empty: 'run the chain to plot F(v)' });
}

async function rbLoadDigit() {
  const L = Number(rbEl['rbm-draw-label'].value);
  try {
    const d = await nextDigit(RB.digitSkip, L, L, RB.N);
    RB.draw.set(d.pixels);
    RB.measure();
  } catch (e) { rbEl['rbm-recon-info'].textContent = 'Error: ' + e.message; rbEl['rbm-recon-info'].classList.add('error'); }
}

async function rbMeasure() {
  const seq = ++RB.seq;
  const v = Array.from(RB.draw.values);
  const info = rbEl['rbm-recon-info'];
  try {
    const [fe, rec] = await Promise.all([
      api('api/rbm/free-energy', { states: [v] }),
      api('api/rbm/reconstruct', { state: v }),
    ]);
    if (seq !== RB.seq) return;
    const f = fe && Array.isArray(fe.free_energy) ? Number(fe.free_energy[0]) : NaN;
    const el = rbEl['rbm-fe-value'];
    el.textContent = fmt(f);
    if (isNum(f)) el.dataset.freeEnergy = String(f); else delete el.dataset.freeEnergy;
    paintImage(rbEl['rbm-recon'], rec && rec.reconstruction, RB.H, RB.W, { map: gray01 });
    info.classList.remove('error');
    const on = v.reduce((a, x) => a + (x > 0.5 ? 1 : 0), 0);
    info.textContent = `F(recon)  ${fmt(rec && rec.reconstruction_free_energy)}\nerror     ${fmt(rec && rec.error)}\npixels on ${on}`;
    info.title = 'F(recon): free energy of the reconstruction; error: squared distance between drawing and reconstruction';
  } catch (e) {
    if (seq !== RB.seq) return;
    info.textContent = 'Error: ' + e.message;
    info.classList.add('error');
  }
}

// rbStartState returns the start request fields, or throws.
async function rbStartFields() {
  const start = rbEl['rbm-start'].value;
  if (start === 'noise') return { start: 'noise' };
  if (start === 'grid') {
    if (!RB.sameAsGrid) throw new ApiError('the Hopfield grid does not match the RBM size');
    return { start: 'state', state: Array.from(HF.grid.values, (x) => (x > 0 ? 1 : 0)) };
  }
  if (start === 'draw') return { start: 'state', state: Array.from(RB.draw.values, (x) => (x > 0.5 ? 1 : 0)) };
  const L = Number(rbEl['rbm-digit-label'].value);
  const d = await nextDigit(RB.digitSkip, 'chain' + L, L, RB.N);
  return { start: 'state', state: d.pixels.map((x) => (x > 0.5 ? 1 : 0)) };
}

async function rbRun() {
  if (RB.run && !RB.run.finished) rbStop(false);
  const steps = intInput(rbEl['rbm-steps'], 200, 1, (S.limits && S.limits.max_gibbs_steps) || 1000);
  const every = intInput(rbEl['rbm-every'], 1, 1, steps);
  const seed = intInput(rbEl['rbm-seed'], 1, 0, 2 ** 31 - 1);
  const run = { ctrl: new AbortController(), queue: [], finished: false, streamEnded: false, shown: 0, next: 0, lastStep: 0,
    snapEvery: Math.max(1, Math.ceil((Math.floor(steps / every) + 1) / 12)) };
  RB.run = run;
  RB.feX = []; RB.feY = [];
  rbEl['rbm-strip'].textContent = '';
  rbEl['rbm-step'].textContent = '—';
  rbPlot();
  const st = rbEl['rbm-status'];
  delete st.dataset.steps;
  setStatus(st, 'running', 'starting…');
  rbEl['rbm-run'].disabled = true; rbEl['rbm-stop'].disabled = false; rbEl['rbm-step-once'].disabled = true;
  let body;
  try { body = Object.assign(await rbStartFields(), { steps, every, seed }); }
  catch (e) { rbFail(run, e.message); return; }
  rbEl['rbm-seed'].value = String(seed + 1);
  requestAnimationFrame(rbTick);
  await streamRun('api/rbm/gibbs', body, run, rbFail);
}

function rbStop(show) {
  const run = RB.run;
  if (!endRun(run)) return;
  rbEl['rbm-run'].disabled = false; rbEl['rbm-stop'].disabled = true; rbEl['rbm-step-once'].disabled = false;
  if (show) setStatus(rbEl['rbm-status'], 'idle', `stopped at step ${run.lastStep}`);
}

function rbFail(run, msg) {
  if (!endRun(run)) return;
  rbEl['rbm-run'].disabled = false; rbEl['rbm-stop'].disabled = true; rbEl['rbm-step-once'].disabled = false;
  setStatus(rbEl['rbm-status'], 'error', 'Error: ' + msg);
}

function rbTick(now) {
  const run = RB.run;
  if (!run || run.finished) return;
  const rate = Number(rbEl['rbm-speed'].value) || 20; // steps shown per second
  let shown = false;
  while (run.queue.length && now >= run.next) {
    const ev = run.queue.shift();
    if (ev.type === 'step') {
      rbShowStep(run, ev);
      run.next = Math.max(run.next + 1000 / rate, now - 100);
      shown = true;
      break;
    } else if (ev.type === 'done') {
      run.finished = true;
      rbEl['rbm-run'].disabled = false; rbEl['rbm-stop'].disabled = true; rbEl['rbm-step-once'].disabled = false;
      const st = rbEl['rbm-status'];
      setStatus(st, 'done', `done: ${isNum(ev.steps) ? ev.steps : run.lastStep} steps`);
      st.dataset.steps = String(isNum(ev.steps) ? ev.steps : run.lastStep);
      rbSnapshot(run, null, true);
      return;
    } else if (ev.type === 'error') {
      rbFail(run, ev.error || 'the chain failed');
      return;
    }
  }
  if (shown) rbPlot();
  requestAnimationFrame(rbTick);
}

function rbShowStep(run, ev) {
  const step = isNum(ev.step) ? ev.step : run.lastStep + 1;
  run.lastStep = step;
  run.lastProbs = ev.probs || ev.sample;
  paintImage(rbEl['rbm-chain'], run.lastProbs, RB.H, RB.W, { map: gray01 });
  rbEl['rbm-step'].textContent = String(step);
  rbEl['rbm-step'].dataset.step = String(step);
  if (isNum(ev.free_energy)) { RB.feX.push(step); RB.feY.push(ev.free_energy); }
  setStatus(rbEl['rbm-status'], 'running', `step ${step}` + (isNum(ev.free_energy) ? ` · F = ${fmt(ev.free_energy)}` : ''));
  if (run.shown % run.snapEvery === 0) rbSnapshot(run, ev, false);
  run.shown++;
  run.lastEv = ev;
  // Where a single step continues from.
  if (Array.isArray(ev.sample)) RB.last = { sample: ev.sample, step };
}

// rbStepOnce runs one block-Gibbs step v → h → v from the state shown (the
// last sample of the chain), or from the chosen start when there is none,
// and shows it as the chain's next step.
async function rbStepOnce() {
  if (RB.run && !RB.run.finished) return;
  const seed = intInput(rbEl['rbm-seed'], 1, 0, 2 ** 31 - 1);
  const fresh = !RB.last;
  const btn = rbEl['rbm-step-once'];
  btn.disabled = true;
  try {
    const body = fresh ? await rbStartFields() : { start: 'state', state: RB.last.sample };
    Object.assign(body, { steps: 1, every: 1, seed });
    const lines = [];
    await stream('api/rbm/gibbs', body, undefined, (l) => lines.push(l));
    rbEl['rbm-seed'].value = String(seed + 1);
    const steps = lines.filter((l) => l.type === 'step');
    const err = lines.find((l) => l.type === 'error');
    if (err) throw new ApiError(err.error || 'the step failed');
    if (fresh) {
      // A new chain: clear the plot and the strip, show the start as step 0.
      RB.feX = []; RB.feY = [];
      rbEl['rbm-strip'].textContent = '';
      RB.run = { finished: true, shown: 0, snapEvery: 1, lastStep: 0 };
    }
    const run = RB.run && RB.run.finished ? RB.run : { finished: true, shown: 0, snapEvery: 1, lastStep: 0 };
    RB.run = run;
    const base = fresh ? 0 : RB.last.step;
    for (const ev of steps) {
      if (!fresh && ev.step === 0) continue; // the state we started from is already shown
      rbShowStep(run, Object.assign({}, ev, { step: base + ev.step }));
    }
    rbPlot();
    setStatus(rbEl['rbm-status'], 'idle', `step ${run.lastStep}` + (run.lastEv && isNum(run.lastEv.free_energy) ? ` · F = ${fmt(run.lastEv.free_energy)}` : ''));
  } catch (e) {
    setStatus(rbEl['rbm-status'], 'error', 'Error: ' + e.message);
  } finally {
    btn.disabled = false;
  }
}

// rbSnapshot adds a small image to the strip (keeps the last 12); final adds the last step if missing.
function rbSnapshot(run, ev, final) {
  if (final) {
    ev = run.lastEv;
    if (!ev || run.lastSnap === ev) return;
  }
  run.lastSnap = ev;
  const strip = rbEl['rbm-strip'];
  const fig = document.createElement('figure');
  const c = document.createElement('canvas');
  c.width = 56; c.height = 56;
  paintImage(c, ev.probs || ev.sample, RB.H, RB.W, { map: gray01 });
  const cap = document.createElement('figcaption');
  cap.textContent = String(isNum(ev.step) ? ev.step : run.lastStep);
  fig.append(c, cap);
  strip.appendChild(fig);
  while (strip.children.length > 12) strip.removeChild(strip.firstChild);
}

// ================================================================ Modern Hopfield panel

const MH = { query: null, seq: 0, ctrl: null, last: null, digitSkip: {}, noiseSeed: 1, gray: false, digits: null };
const mhEl = {};
let mhSchedule = () => {};

function mhInit() {
  for (const id of ['mh-query', 'mh-from-grid', 'mh-clear', 'mh-digit-label', 'mh-load-digit', 'mh-mask',
    'mh-mask-fraction', 'mh-mask-fraction-value', 'mh-apply-mask', 'mh-noise', 'mh-noise-value', 'mh-add-noise',
    'mh-beta', 'mh-beta-value', 'mh-steps', 'mh-source', 'mh-show', 'mh-weights', 'mh-status', 'mh-result',
    'mh-info', 'mh-pixels', 'mh-normalize']) mhEl[id] = $(id);
  const maxSteps = isNum(S.limits.max_retrieve_steps) ? S.limits.max_retrieve_steps : 20;
  mhEl['mh-steps'].max = String(maxSteps);
  fillLabelSelect(mhEl['mh-digit-label'], 2);
  MH.query = makeDrawGrid(mhEl['mh-query'], {
    h: S.H, w: S.W, on: 1, off: -1, map: (v) => (MH.gray ? gray01(v) : grayPM(v)),
    masked: (v) => !MH.gray && v === 0,
    brush: () => Number($('hf-brush').value) || 1,
    onEdit: () => mhSchedule(),
  });
  paintImage(mhEl['mh-result'], null, S.H, S.W);

  const mem = S.info && S.info.memory;
  if (mem && mem.kind === 'continuous' && (!isNum(mem.neurons) || mem.neurons === S.N)) {
    const o = document.createElement('option');
    o.value = 'memory';
    o.textContent = 'loaded memory' + (isNum(mem.patterns) ? ` (${mem.patterns} patterns)` : '');
    mhEl['mh-source'].appendChild(o);
  }

  const out = (inp, o, d) => { const f = () => { o.textContent = Number(inp.value).toFixed(d); }; inp.addEventListener('input', f); f(); };
  out(mhEl['mh-mask-fraction'], mhEl['mh-mask-fraction-value'], 2);
  out(mhEl['mh-noise'], mhEl['mh-noise-value'], 2);

  const sched = debounce(mhRetrieve, 100);
  mhSchedule = sched;
  mhEl['mh-beta'].addEventListener('input', () => { mhShowBeta(); sched(); });
  mhShowBeta();
  for (const id of ['mh-steps', 'mh-source', 'mh-normalize']) mhEl[id].addEventListener('change', sched);
  // ±1 ↔ grayscale: the query's values are mapped (−1 → 0, +1 → 1 and back, thresholded at 0.5).
  mhEl['mh-pixels'].addEventListener('change', () => {
    const gray = mhEl['mh-pixels'].value === 'gray';
    if (gray !== MH.gray) {
      const q = MH.query.values;
      for (let i = 0; i < q.length; i++) q[i] = gray ? (q[i] + 1) / 2 : (q[i] === 0.5 ? 0 : (q[i] > 0.5 ? 1 : -1));
      MH.gray = gray;
      MH.query.render();
    }
    sched();
  });
  mhEl['mh-show'].addEventListener('change', mhDrawWeights);
  // clicking a bar puts that stored pattern into the query
  mhEl['mh-weights'].addEventListener('click', (e) => {
    const b = MH.bars, r = MH.last;
    if (!b || !r || !r.shelf) return;
    const k = Math.floor((e.clientX - mhEl['mh-weights'].getBoundingClientRect().left - b.L) / b.bw);
    if (k < 0 || k >= b.n || !r.shelf[k]) return;
    const px = r.shelf[k].pixels;
    MH.query.set(r.shelf[k].gray && !MH.gray ? Float32Array.from(px, (v) => (v >= 0.5 ? 1 : -1))
      : (!r.shelf[k].gray && MH.gray ? Float32Array.from(px, (v) => (v + 1) / 2) : px));
    sched();
  });
  mhEl['mh-from-grid'].addEventListener('click', () => {
    MH.query.set(MH.gray ? Float32Array.from(HF.grid.values, (v) => (v + 1) / 2) : HF.grid.values);
    sched();
  });
  mhEl['mh-clear'].addEventListener('click', () => {
    MH.query.set(null);
    if (MH.gray) { MH.query.values.fill(0); MH.query.render(); }
    sched();
  });
  mhEl['mh-load-digit'].addEventListener('click', mhLoadDigit);
  mhEl['mh-apply-mask'].addEventListener('click', () => { mhMask(); sched(); });
  mhEl['mh-add-noise'].addEventListener('click', () => { mhNoise(); sched(); });
  onResize(mhEl['mh-weights'], mhDrawWeights);
  setStatus(mhEl['mh-status'], 'idle', '');
  mhDrawWeights();
}

function mhBeta() {
  const v = Number(mhEl['mh-beta'].value);
  return Number.isFinite(v) ? Math.pow(10, v) : 0.1;
}

function mhShowBeta() {
  const b = mhBeta();
  mhEl['mh-beta-value'].textContent = b < 1 ? b.toPrecision(2) : b.toFixed(b < 10 ? 2 : 1);
  mhEl['mh-beta'].dataset.beta = String(Number(b.toPrecision(4)));
  mhEl['mh-beta'].setAttribute('aria-valuetext', 'beta ' + mhEl['mh-beta-value'].textContent);
}

// mhMask sets a side of the query to 0 (fraction of its rows or columns).
function mhMask() {
  const side = mhEl['mh-mask'].value;
  const f = clamp(numInput(mhEl['mh-mask-fraction'], 0.5), 0, 1);
  const q = MH.query.values, H = S.H, W = S.W;
  const rows = Math.round(f * H), cols = Math.round(f * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const m = (side === 'top' && y < rows) || (side === 'bottom' && y >= H - rows) ||
      (side === 'left' && x < cols) || (side === 'right' && x >= W - cols);
    if (m) q[y * W + x] = 0;
  }
  MH.query.render();
}

// mhNoise flips round(noise·N) random units (v → −v, masked zeros stay zero; grayscale: v → 1 − v).
function mhNoise() {
  const n = Math.round(clamp(numInput(mhEl['mh-noise'], 0.2), 0, 1) * S.N);
  const r = rng(MH.noiseSeed++);
  const idx = Array.from({ length: S.N }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(r() * (S.N - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
    MH.query.values[idx[i]] = MH.gray ? 1 - MH.query.values[idx[i]] : -MH.query.values[idx[i]];
  }
  MH.query.render();
}

async function mhLoadDigit() {
  const L = Number(mhEl['mh-digit-label'].value);
  try {
    const d = await nextDigit(MH.digitSkip, L, L, S.N);
    MH.query.set(MH.gray ? smooth(d.pixels, S.H, S.W) : toPM(d.pixels));
    mhSchedule();
  } catch (e) { setStatus(mhEl['mh-status'], 'error', 'Error: load digit: ' + e.message); }
}

async function mhRetrieve() {
  const seq = ++MH.seq;
  if (MH.ctrl) MH.ctrl.abort();
  const src = mhEl['mh-source'].value;
  const body = {
    model: src === 'memory' ? 'memory' : '',
    query: Array.from(MH.query.values),
    beta: mhBeta(),
    steps: intInput(mhEl['mh-steps'], 1, 1, Number(mhEl['mh-steps'].max) || 20),
  };
  if (src !== 'memory') body.normalize = mhEl['mh-normalize'].value;
  let shelf = src === 'memory' ? null : HF.shelf.slice();
  if (src === 'digits') {
    try {
      shelf = await mhDigits();
    } catch (e) { setStatus(mhEl['mh-status'], 'error', 'Error: load digits: ' + e.message); return; }
    if (seq !== MH.seq) return;
    body.patterns = shelf.map((p) => Array.from(p.pixels));
  } else if (src !== 'memory') {
    if (!HF.shelf.length) {
      MH.last = null; mhDrawWeights();
      paintImage(mhEl['mh-result'], null, S.H, S.W);
      mhEl['mh-info'].textContent = '';
      setStatus(mhEl['mh-status'], 'idle', 'The shelf is empty: store patterns in the Hopfield panel.');
      return;
    }
    body.patterns = hfShelfPatterns();
  }
  const ctrl = MH.ctrl = new AbortController();
  setStatus(mhEl['mh-status'], 'running', 'retrieving…');
  try {
    const r = await api('api/modern/retrieve', body, ctrl.signal);
    if (seq !== MH.seq) return;
    // (the answer's own "patterns" is a count; keep the shelf under another name)
    MH.last = Object.assign({}, r, { source: src, shelf });
    mhShow();
    setStatus(mhEl['mh-status'], 'done', '');
  } catch (e) {
    if (seq !== MH.seq || isAbort(e)) return;
    setStatus(mhEl['mh-status'], 'error', 'Error: ' + e.message);
  }
}

// smooth turns 0/1 pixels (what api/digits serves) into intensities in [0,1]:
// the separable [1 2 1]/4 filter in each direction (zero outside the image).
function smooth(pixels, h, w) {
  const a = Float32Array.from(pixels, Number), b = new Float32Array(h * w), out = new Float32Array(h * w);
  const at = (m, y, x) => (y < 0 || y >= h || x < 0 || x >= w ? 0 : m[y * w + x]);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b[y * w + x] = (at(a, y, x - 1) + 2 * at(a, y, x) + at(a, y, x + 1)) / 4;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = (at(b, y - 1, x) + 2 * at(b, y, x) + at(b, y + 1, x)) / 4;
  return out;
}

// mhDigits fetches (once) two test digits of each class, smoothed to grayscale: real-valued memories.
async function mhDigits() {
  if (MH.digits) return MH.digits;
  const out = [];
  for (let L = 0; L < 10; L++) {
    for (const d of await fetchDigits({ split: 'test', label: L, count: 2, skip: 0 })) {
      if (Array.isArray(d.pixels) && d.pixels.length === S.N) out.push({ pixels: smooth(d.pixels, S.H, S.W), label: L, index: null, gray: true });
    }
  }
  if (!out.length) throw new ApiError('no digits returned');
  MH.digits = out;
  return out;
}

// rangeMap maps the range of values onto black..white (for real-valued states).
function rangeMap(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { const x = Number(v); if (x < lo) lo = x; if (x > hi) hi = x; }
  if (!(hi > lo)) return () => 128;
  return (v) => clamp((v - lo) / (hi - lo), 0, 1) * 255;
}

function mhShow() {
  const r = MH.last;
  if (!r) return;
  const real = MH.gray || r.source === 'digits' || (r.normalize && r.normalize !== 'none');
  paintImage(mhEl['mh-result'], r.state, S.H, S.W, { map: real && Array.isArray(r.state) ? rangeMap(r.state) : grayPM });
  const steps = Array.isArray(r.steps) ? r.steps : [];
  const lastStep = steps.length ? steps[steps.length - 1] : null;
  const eRes = lastStep && isNum(lastStep.energy) ? lastStep.energy : NaN;
  const top = Number.isInteger(r.top) ? r.top : -1;
  const p = r.shelf && r.shelf[top];
  const topName = top < 0 ? '—' : `#${top}` + (p && p.label !== null && p.label !== undefined ? ` (digit ${p.label})` : '');
  const lines = [
    `β ${fmt(isNum(r.beta) ? r.beta : mhBeta(), 3)}, ${steps.length} update${steps.length === 1 ? '' : 's'}` + (r.converged ? ', converged' : ''),
    `top       ${topName}`,
    `weight    ${fmt(r.top_weight, 3)}`,
    `effective ${fmt(r.effective_patterns)} patterns`,
    `E(query)  ${fmt(r.query_energy)}`,
    `E(result) ${fmt(eRes)}`,
  ];
  if (lastStep && isNum(lastStep.change)) lines.push(`change    ${fmt(lastStep.change)}`);
  const info = mhEl['mh-info'];
  info.textContent = lines.join('\n');
  info.dataset.top = String(top);
  info.dataset.topWeight = isNum(r.top_weight) ? String(r.top_weight) : '';
  info.dataset.effective = isNum(r.effective_patterns) ? String(r.effective_patterns) : '';
  info.dataset.queryEnergy = isNum(r.query_energy) ? String(r.query_energy) : '';
  info.dataset.energy = isNum(eRes) ? String(eRes) : '';
  mhDrawWeights();
}

// mhDrawWeights draws the softmax weights as bars, with thumbnails (or labels) of the patterns under them.
function mhDrawWeights() {
  const canvas = mhEl['mh-weights'];
  const { ctx, w, h } = sizeCanvas(canvas);
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  const r = MH.last;
  const which = mhEl['mh-show'].value === 'final' ? 'weights' : 'query_weights';
  const wts = r && Array.isArray(r[which]) ? r[which] : (r && Array.isArray(r.weights) ? r.weights : null);
  if (!wts || !wts.length) {
    ctx.fillStyle = '#8a93a3'; ctx.textAlign = 'center';
    ctx.fillText('the softmax weights over the stored patterns appear here', w / 2, h / 2);
    return;
  }
  const n = wts.length;
  const L = 30, R = 8, T = 14;
  const bw = (w - L - R) / n;
  MH.bars = { L, bw, n };
  const pats = r.shelf;
  const thumb = pats && pats.length === n ? Math.min(40, Math.floor(bw - 3)) : 0;
  const showThumb = thumb >= 12;
  const B = showThumb ? thumb + 22 : 26;
  const py = (v) => T + (1 - clamp(v, 0, 1)) * (h - T - B);
  // axis 0..1
  ctx.strokeStyle = '#eceef2'; ctx.fillStyle = '#667085'; ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const y = Math.round(py(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(w - R, y); ctx.stroke();
    ctx.fillText(String(t), L - 4, y);
  }
  let top = Number.isInteger(r.top) ? r.top : -1;
  if (which === 'query_weights' || top < 0) {
    top = 0;
    for (let k = 1; k < n; k++) if (Number(wts[k]) > Number(wts[top])) top = k;
  }
  for (let k = 0; k < n; k++) {
    const v = Number(wts[k]) || 0;
    const x = L + k * bw;
    ctx.fillStyle = k === top ? '#2563eb' : '#9fb3d1';
    const y = py(v);
    ctx.fillRect(x + Math.max(1, bw * 0.12), y, Math.max(1, bw * 0.76), py(0) - y);
    if (showThumb) {
      const off = document.createElement('canvas');
      off.width = thumb; off.height = thumb;
      paintImage(off, pats[k].pixels, S.H, S.W, { map: pats[k].gray ? gray01 : grayPM });
      ctx.drawImage(off, Math.round(x + (bw - thumb) / 2), Math.round(py(0) + 4));
      if (k === top) {
        ctx.strokeStyle = '#2563eb'; ctx.lineWidth = 2;
        ctx.strokeRect(Math.round(x + (bw - thumb) / 2) - 1, Math.round(py(0) + 4) - 1, thumb + 2, thumb + 2);
        ctx.lineWidth = 1;
      }
    }
    // labels under every bar when there is room, else every `every`-th and the top one
    const every = bw >= 14 ? 1 : Math.ceil(34 / bw / 5) * 5;
    if (k % every === 0 || k === top) {
      if (every > 1 && k !== top && Math.abs(k - top) * bw < 28) continue;
      ctx.fillStyle = k === top ? '#1d4ed8' : '#667085';
      ctx.textAlign = 'center'; ctx.textBaseline = 'top';
      const p = pats && pats[k];
      const lab = bw >= 34 && p && p.label !== null && p.label !== undefined ? `#${k} (${p.label})` : `#${k}`;
      ctx.fillText(lab, x + bw / 2, h - 16);
    }
  }
  // the top weight's value above its bar
  ctx.fillStyle = '#1d4ed8'; ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
  ctx.fillText((Number(wts[top]) || 0).toFixed(3), clamp(L + (top + 0.5) * bw, L + 14, w - R - 14), Math.max(12, py(Number(wts[top]) || 0) - 2));
}

// ================================================================ start-up

async function main() {
  let info;
  try {
    info = await api('api/info');
  } catch (e) {
    showGlobalError('The server did not answer api/info (' + e.message + '): the page cannot work without it.');
    info = {};
  }
  S.info = info || {};
  if (isNum(S.info.height) && isNum(S.info.width) && S.info.height > 0 && S.info.width > 0) {
    S.H = S.info.height; S.W = S.info.width;
  }
  S.N = S.H * S.W;
  if (S.info.limits && typeof S.info.limits === 'object') Object.assign(S.limits, S.info.limits);
  const si = $('server-info');
  si.textContent = [S.info.version ? 'server ' + S.info.version : '', isNum(S.info.digits) ? `${S.info.digits} test digits` : '']
    .filter(Boolean).join(' · ');

  hfInit();
  hfAddLoadedModels();
  hfUpdateVisibility();
  rbInit();
  mhInit();
  hfRenderShelf();

  // Fill the shelf with the default digits, give the RBM and the modern panel something to show.
  await hfLoadDefaultShelf();
  if (RB.ok && RB.H * RB.W === RB.N) rbLoadDigit();
  // The modern panel starts from a stored digit with its bottom half masked.
  const first = HF.shelf.find((p) => p.label === 3) || HF.shelf[0];
  if (first) { MH.query.set(first.pixels); mhMask(); }
  mhRetrieve();
}

window.addEventListener('unhandledrejection', (e) => {
  // Last resort: nothing should reach here, but never fail silently.
  const msg = e.reason && e.reason.message ? e.reason.message : String(e.reason);
  if (!isAbort(e.reason)) showGlobalError('Unexpected error: ' + msg);
  e.preventDefault();
});

main().catch((e) => showGlobalError('Start-up failed: ' + (e && e.message ? e.message : e)));

})();
