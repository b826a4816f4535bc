/* lento's HTML report: renders the profile embedded in #lento-data.
 *
 * Safety: every piece of text that comes from the profile (names, paths,
 * the command line) reaches the page through text nodes (el() below, or
 * textContent, also for the timeline's SVG <text>) or the canvas'
 * fillText; nothing from the data is parsed as
 * HTML.  The one foreign markup, the call graph's SVG drawn by Graphviz,
 * is parsed as XML and copied element by element from a short allow-list,
 * without event handlers or links.
 *
 * Scale: the function table shows at most ROW_LIMIT rows of the sorted,
 * filtered list, and the flame graph draws on one canvas only the frames
 * wider than half a pixel, so 10,000 functions stay responsive.
 *
 * Sections are entries of SECTIONS: each new part of the report is one
 * more entry with a `when` test on the data, and is left out when the
 * profile does not have that data (the Bottleneck and Timeline sections
 * need DATA.system, the run's figures and verdict; the Lines section
 * needs DATA.lines, the line tables of `lento run --lines`).
 */
(function () {
  'use strict';

  var DATA = JSON.parse(document.getElementById('lento-data').textContent);
  var P = DATA.profile;
  var F = P.functions;
  var TICK = P.tick;
  var TOTAL = P.total;
  var ROW_LIMIT = 500;

  /* --- helpers ------------------------------------------------------- */

  // el('td', {class: 'fn'}, ['text', node, ...]): strings become text nodes
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
      }
    }
    (kids || []).forEach(function (c) {
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  function fmtSeconds(s) {
    var a = Math.abs(s);
    if (a >= 1) return s.toFixed(3) + ' s';
    if (a >= 1e-3) return (s * 1e3).toFixed(2) + ' ms';
    if (a >= 1e-6) return (s * 1e6).toFixed(2) + ' \u00b5s';
    if (a === 0) return '0';
    return (s * 1e9).toFixed(0) + ' ns';
  }
  function fmtTicks(t) { return fmtSeconds(t * TICK); }
  // Amdahl's speed-up as the text summary writes it (fmt_speedup, fmt.c)
  function speedupText(x) {
    if (x === null || !isFinite(x)) return '\u221e';
    if (x >= 1000) return '>999\u00d7';
    return x.toFixed(x < 10 ? 2 : 1) + '\u00d7';
  }
  function fmtCount(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
  function share(t) { return TOTAL > 0 ? 100 * t / TOTAL : 0; }
  function fmtPct(t) { return share(t).toFixed(2) + '%'; }

  function shortFile(f) {
    var parts = f.split('/');
    return parts.length > 2 ? parts.slice(-2).join('/') : f;
  }
  // the same frame name as lento's folded and trace exports
  function fname(i) {
    var f = F[i];
    if (f.kind === 'builtin') return f.name;
    return f.name + ' (' + shortFile(f.file) + ':' + f.line + ')';
  }
  function where(i) {
    var f = F[i];
    return f.kind === 'builtin' ? 'builtin' : f.file + ':' + f.line;
  }
  function meta(k) {
    return Object.prototype.hasOwnProperty.call(P.meta, k) ? P.meta[k] : null;
  }

  /* --- summary ----------------------------------------------------- */

  function renderSummary(box) {
    var calls = 0, ran = 0;
    F.forEach(function (f) { calls += f.calls; if (f.calls) ran++; });
    var facts = [
      [fmtTicks(TOTAL), 'profiled time (all threads)'],
      [fmtCount(calls), 'calls'],
      [fmtCount(ran), 'functions called'],
      [String(P.threads.length), P.threads.length === 1 ? 'thread' : 'threads']
    ];
    var wall = meta('wall_seconds');
    if (wall !== null && isFinite(+wall)) facts.push([fmtSeconds(+wall), 'wall-clock time of the run']);
    if (meta('exit_status') !== null) facts.push([meta('exit_status'), 'exit status']);
    box.appendChild(el('div', {class: 'facts'}, facts.map(function (f) {
      return el('div', {class: 'fact'}, [el('b', null, [f[0]]), el('span', null, [f[1]])]);
    })));
    // the hottest functions by self time, in a sentence a reader acts on
    var idx = F.map(function (_, i) { return i; }).filter(function (i) { return F[i].self > 0; });
    idx.sort(function (a, b) { return F[b].self - F[a].self; });
    if (idx.length) {
      var list = el('ol', null, idx.slice(0, 5).map(function (i) {
        return el('li', null, [el('span', {class: 'mono'}, [fname(i)]),
          ' \u2014 ' + fmtPct(F[i].self) + ' self, ' + fmtPct(F[i].cum) + ' total, ' +
          fmtCount(F[i].calls) + ' calls']);
      }));
      box.appendChild(el('p', {class: 'note'}, ['Most time in their own code:']));
      box.appendChild(list);
    }
    var threads = P.threads.map(function (t) {
      var tot = 0;
      t.nodes.forEach(function (n, j) { if (j && n[0] === 0) tot += n[3]; });
      return (t.name || 'thread') + ' ' + fmtTicks(tot);
    });
    var kv = [['threads', threads.join(', ')]];
    ['python', 'pid', 'end_time'].forEach(function (k) {
      if (meta(k) !== null) kv.push([k === 'end_time' ? 'ended' : k,
        k === 'end_time' && isFinite(+meta(k)) ? new Date(+meta(k) * 1000).toISOString() : meta(k)]);
    });
    kv.push(['report', DATA.generator]);
    box.appendChild(dl(kv));
  }

  function dl(pairs) {
    var d = el('dl', {class: 'kv'});
    pairs.forEach(function (p) {
      d.appendChild(el('dt', null, [p[0]]));
      d.appendChild(el('dd', null, [String(p[1])]));
    });
    return d;
  }

  /* --- bottleneck verdict (when the run had system figures) ---------- */

  // DATA.system: the object `lento report FILE --json` prints (docs/json.md),
  // or null for a profile without figures (e.g. `python -m lento`)
  var S = DATA.system || null;

  function fmtBytes(b) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    b = +b || 0;
    while (Math.abs(b) >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return (i === 0 ? String(Math.round(b)) : b.toFixed(b >= 100 ? 0 : 1)) + ' ' + u[i];
  }
  function pct(x) { return (100 * (+x || 0)).toFixed(0) + '%'; }
  function list(id, items, fn) {
    return el('ul', {id: id, class: 'verdict-list'}, items.map(function (x) {
      return el('li', null, fn ? fn(x) : [String(x)]);
    }));
  }

  function figureRows() {
    var c = S.cpu, m = S.memory, cs = S.context_switches, io = S.io, t = S.tasks;
    var hc = S.hardware_counters, rows = [];
    if (S.label) rows.push(['command', S.label]);
    rows.push(['wall time', fmtSeconds(S.wall_seconds) + (S.signal !== null
      ? ', ended by signal ' + S.signal + ' (status ' + S.exit_status + ')'
      : ', exit status ' + S.exit_status)]);
    rows.push(['CPU time', 'user ' + fmtSeconds(c.user_seconds) + ', system ' + fmtSeconds(c.system_seconds)]);
    rows.push(['CPU use', (+c.cores_used).toFixed(2) + ' cores = ' + pct(c.share_of_available) +
      ' of ' + c.cores_available + ' available core' + (c.cores_available === 1 ? '' : 's')]);
    rows.push(['waiting for a CPU', fmtSeconds(c.runqueue_wait_seconds)]);
    rows.push(['peak RSS', fmtBytes(m.peak_rss_bytes) + ' (largest process), ' +
      fmtBytes(m.peak_tree_rss_bytes) + ' (whole tree, sampled)']);
    rows.push(['page faults', fmtCount(m.minor_faults) + ' minor, ' + fmtCount(m.major_faults) + ' major']);
    rows.push(['context switches', fmtCount(cs.voluntary) + ' voluntary, ' + fmtCount(cs.involuntary) + ' involuntary']);
    rows.push(['read', fmtBytes(io.read_bytes) + ' (' + fmtBytes(io.storage_read_bytes) + ' from storage)']);
    rows.push(['written', fmtBytes(io.write_bytes) + ' (' + fmtBytes(io.storage_write_bytes) + ' to storage)']);
    rows.push(['IO calls', fmtCount(io.read_calls) + ' reads, ' + fmtCount(io.write_calls) + ' writes']);
    rows.push(['processes, threads', t.processes + ' process' + (t.processes === 1 ? '' : 'es') +
      ' (at most ' + t.max_processes + ' at once), threads at most ' + t.max_threads +
      ', busy threads ' + t.busy_threads]);
    if (S.machine.other_cpu_seconds > 0 || S.machine.steal_seconds > 0)
      rows.push(['other load', fmtSeconds(S.machine.other_cpu_seconds) + ' of CPU by other processes, ' +
        fmtSeconds(S.machine.steal_seconds) + ' stolen']);
    if (hc.available) {
      var parts = [];
      [['instructions', 'instructions'], ['cycles', 'cycles'], ['cache_references', 'cache references'],
        ['cache_misses', 'cache misses'], ['llc_misses', 'LLC misses']].forEach(function (k) {
        parts.push(hc[k[0]] === null ? k[1] + ' not counted' : fmtCount(hc[k[0]]) + ' ' + k[1]);
      });
      if (hc.ipc !== null) parts.push('IPC ' + hc.ipc.toFixed(2));
      if (hc.misses_per_kilo_instruction !== null)
        parts.push(hc.misses_per_kilo_instruction.toFixed(1) + ' misses per 1000 instructions');
      rows.push(['hardware counters', parts.join('; ')]);
    } else {
      rows.push(['hardware counters', 'unavailable: ' + (hc.reason || 'not measured')]);
    }
    return rows;
  }

  function renderVerdict(box) {
    var v = S.verdict;
    box.appendChild(el('p', {class: 'verdict', id: 'verdict-head', 'data-kind': v.kind,
      'data-confidence': v.confidence}, [
      el('b', {id: 'verdict-label'}, [v.label]), ' ',
      el('span', {class: 'conf conf-' + v.confidence}, [v.confidence + ' confidence'])]));
    // where the wall time went: computing, blocked on IO, waiting
    var sh = v.shares, parts = [['compute', 'computing', sh.compute], ['io', 'blocked on IO', sh.io],
      ['wait', 'waiting', sh.waiting]];
    box.appendChild(el('div', {class: 'shares', 'aria-hidden': 'true'}, parts.map(function (x) {
      return el('span', {class: 'share-' + x[0], style: 'width:' + (100 * Math.max(0, Math.min(1, +x[2] || 0))).toFixed(2) + '%'});
    })));
    box.appendChild(el('p', {class: 'note'}, ['Of the wall time: ' + parts.map(function (x) {
      return x[1] + ' ' + pct(x[2]);
    }).join(', ') + '.']));
    if (v.evidence.length) {
      box.appendChild(el('h3', null, ['Why']));
      box.appendChild(list('verdict-evidence', v.evidence));
    }
    if (S.advice.length) {
      box.appendChild(el('h3', null, ['What to do']));
      box.appendChild(list('verdict-advice', S.advice));
    }
    if (S.warnings.length) {
      box.appendChild(el('h3', null, ['Warnings']));
      box.appendChild(list('verdict-warnings', S.warnings, function (w) {
        return [el('span', {class: 'tag'}, [w.kind]), ' ' + w.text];
      }));
    }
    if (S.hotspots && S.hotspots.length) {
      box.appendChild(el('h3', null, ['Hotspots: the most a speed-up there can give (Amdahl)']));
      var tb = el('tbody', null, S.hotspots.slice(0, 5).map(function (h) {
        return el('tr', null, [el('td', {class: 'fn'}, [h.function]), el('td', null, [pct(h.share)]),
          el('td', null, [speedupText(h.max_speedup)])]);
      }));
      box.appendChild(el('div', {class: 'tablebox narrow'}, [el('table', {id: 'verdict-hotspots'}, [
        el('thead', null, [el('tr', null, [el('th', {class: 'text'}, ['Function (with what it calls)']),
          el('th', null, ['Share']), el('th', null, ['At best, overall'])])]), tb])]));
    }
    box.appendChild(el('h3', null, ['Figures of the run']));
    var d = dl(figureRows());
    d.id = 'verdict-figures';
    box.appendChild(d);
  }

  /* --- timeline (SVG, when the run had system figures) ---------------- */

  function niceMax(v) {
    if (!(v > 0)) return 1;
    var e = Math.pow(10, Math.floor(Math.log10(v))), f = v / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
  }
  // for bytes: a round number of B, KiB, MiB... (2 MiB, not 2.1e6 B)
  function niceBytes(v) {
    var k = 1;
    while (v / k >= 1024) k *= 1024;
    return niceMax(v / k) * k;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG_NS, tag);
    for (var k in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
    }
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderTimeline(box) {
    var tl = S.timeline, pts = tl.points, n = pts.length;
    var col = {};
    tl.columns.forEach(function (c, i) { col[c] = i; });
    function series(name) { return pts.map(function (p) { return +p[col[name]] || 0; }); }
    var T = series('t'), cpu = series('cpu_cores'), rss = series('rss_bytes');
    var rd = series('read_bytes_per_second'), wr = series('write_bytes_per_second');
    box.appendChild(el('p', {class: 'note'}, [fmtCount(n) + ' point' + (n === 1 ? '' : 's') +
      ', one per ' + fmtSeconds(tl.interval_seconds) +
      ' (rates over the interval ending at each point; RSS summed over the process tree). ' +
      'Hover the chart to read the values.']));
    if (!n) return;
    var W = 900, L = 78, R = 16, PH = 78, GAP = 30, TOP = 18;
    var tmax = Math.max(T[n - 1], tl.interval_seconds, 1e-9);
    var cores = S.cpu.cores_available || 1;
    var panels = [
      {title: 'CPU (cores used)', lines: [{v: cpu, cls: 'tl-cpu', id: 'tl-line-cpu'}],
        max: niceMax(Math.max(1, Math.max.apply(null, cpu))), fmt: function (x) { return x.toFixed(x < 10 ? 1 : 0); },
        ref: cores},
      {title: 'RSS', lines: [{v: rss, cls: 'tl-rss', id: 'tl-line-rss'}],
        max: niceBytes(Math.max.apply(null, rss)), fmt: fmtBytes},
      {title: 'IO (read, written per second)', lines: [{v: rd, cls: 'tl-read', id: 'tl-line-read'},
        {v: wr, cls: 'tl-write', id: 'tl-line-write'}],
        max: niceBytes(Math.max(Math.max.apply(null, rd), Math.max.apply(null, wr))),
        fmt: function (x) { return fmtBytes(x) + '/s'; }}
    ];
    var H = TOP + panels.length * (PH + GAP) + 10;
    var plotW = W - L - R;
    function X(t) { return L + plotW * t / tmax; }
    var chart = svg('svg', {id: 'timeline-chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img',
      'aria-label': 'timeline: CPU, RSS and IO over the run', 'data-points': n});
    panels.forEach(function (pn, k) {
      var y0 = TOP + k * (PH + GAP), yb = y0 + PH;
      function Y(x) { return yb - PH * Math.max(0, Math.min(1, x / pn.max)); }
      chart.appendChild(svg('text', {x: L, y: y0 - 5, class: 'tl-title'}, pn.title));
      chart.appendChild(svg('rect', {x: L, y: y0, width: plotW, height: PH, class: 'tl-frame'}));
      [0, 0.5, 1].forEach(function (f) {
        var y = yb - PH * f;
        if (f > 0) chart.appendChild(svg('line', {x1: L, x2: L + plotW, y1: y, y2: y, class: 'tl-grid'}));
        chart.appendChild(svg('text', {x: L - 6, y: y + 4, class: 'tl-ylab'}, pn.fmt(pn.max * f)));
      });
      if (pn.ref && pn.ref <= pn.max) {
        chart.appendChild(svg('line', {x1: L, x2: L + plotW, y1: Y(pn.ref), y2: Y(pn.ref), class: 'tl-ref'}));
        chart.appendChild(svg('text', {x: L + plotW - 4, y: Y(pn.ref) - 3, class: 'tl-reflab'},
          pn.ref + ' available'));
      }
      pn.lines.forEach(function (ln) {
        var d = ln.v.map(function (x, i) { return X(T[i]).toFixed(1) + ',' + Y(x).toFixed(1); }).join(' ');
        chart.appendChild(svg('polyline', {points: d, class: 'tl-line ' + ln.cls, id: ln.id}));
      });
      pn.y0 = y0;
    });
    // the time axis, under the last panel
    var yAxis = TOP + panels.length * (PH + GAP) - GAP + 16;
    var step = niceMax(tmax / 6);
    if (tmax / step > 8) step *= 2;
    for (var t = 0; t <= tmax + 1e-9; t += step) {
      chart.appendChild(svg('text', {x: X(t), y: yAxis, class: 'tl-xlab'}, fmtSeconds(t)));
      panels.forEach(function (pn) {
        chart.appendChild(svg('line', {x1: X(t), x2: X(t), y1: pn.y0 + PH, y2: pn.y0 + PH + 4, class: 'tl-tick'}));
      });
    }
    var cursor = svg('line', {x1: L, x2: L, y1: TOP, y2: yAxis - 14, class: 'tl-cursor', visibility: 'hidden'});
    chart.appendChild(cursor);
    var readout = el('div', {id: 'timeline-readout', class: 'note mono'}, ['\u00a0']);
    box.appendChild(el('div', {class: 'legend'}, [
      el('span', {class: 'key tl-cpu'}, ['CPU cores']), el('span', {class: 'key tl-rss'}, ['RSS']),
      el('span', {class: 'key tl-read'}, ['read/s']), el('span', {class: 'key tl-write'}, ['written/s'])]));
    box.appendChild(el('div', {class: 'chartbox'}, [chart]));
    box.appendChild(readout);
    chart.addEventListener('mousemove', function (ev) {
      var r = chart.getBoundingClientRect();
      var x = (ev.clientX - r.left) * W / (r.width || W);
      var t = (x - L) / plotW * tmax, best = 0;
      for (var i = 1; i < n; i++) if (Math.abs(T[i] - t) < Math.abs(T[best] - t)) best = i;
      cursor.setAttribute('x1', X(T[best]));
      cursor.setAttribute('x2', X(T[best]));
      cursor.setAttribute('visibility', 'visible');
      readout.textContent = 'at ' + fmtSeconds(T[best]) + ': CPU ' + cpu[best].toFixed(2) + ' cores, RSS ' +
        fmtBytes(rss[best]) + ', read ' + fmtBytes(rd[best]) + '/s, written ' + fmtBytes(wr[best]) + '/s';
    });
    chart.addEventListener('mouseleave', function () {
      cursor.setAttribute('visibility', 'hidden');
      readout.textContent = '\u00a0';
    });
  }

  /* --- function table ------------------------------------------------ */

  var COLS = [
    {key: 'name', label: 'Function', text: true, get: function (i) { return fname(i).toLowerCase(); }},
    {key: 'calls', label: 'Calls', get: function (i) { return F[i].calls; }},
    {key: 'self', label: 'Self', get: function (i) { return F[i].self; }},
    {key: 'selfpct', label: 'Self %', get: function (i) { return F[i].self; }},
    {key: 'cum', label: 'Total', get: function (i) { return F[i].cum; }},
    {key: 'cumpct', label: 'Total %', get: function (i) { return F[i].cum; }},
    {key: 'percall', label: 'Per call', get: function (i) { return F[i].calls ? F[i].cum / F[i].calls : 0; }},
    {key: 'where', label: 'Where', text: true, get: function (i) { return where(i).toLowerCase(); }}
  ];
  var table = {key: 'self', desc: true, filter: '', selected: -1};
  var rowsAll = [];

  function renderTable(box) {
    F.forEach(function (f, i) { if (f.calls || f.cum || f.self) rowsAll.push(i); });
    var search = el('input', {type: 'search', id: 'fn-filter',
      placeholder: 'filter functions (name or file)', 'aria-label': 'filter functions'});
    var count = el('span', {class: 'note', id: 'fn-count'});
    box.appendChild(el('div', {class: 'flamebar'}, [search, count]));
    var head = el('tr', null, COLS.map(function (c) {
      var th = el('th', {'data-key': c.key, class: c.text ? 'text' : '', scope: 'col'}, [c.label]);
      th.addEventListener('click', function () {
        if (table.key === c.key) table.desc = !table.desc;
        else { table.key = c.key; table.desc = !c.text; }
        fillTable();
      });
      return th;
    }));
    var tbody = el('tbody', {id: 'fn-rows'});
    box.appendChild(el('div', {class: 'tablebox'}, [el('table', {id: 'fn-table'},
      [el('thead', null, [head]), tbody])]));
    search.addEventListener('input', function () { table.filter = search.value.toLowerCase(); fillTable(); });
    tbody.addEventListener('click', function (ev) {
      var tr = ev.target.closest('tr');
      if (tr && tr.hasAttribute('data-f')) selectFunction(+tr.getAttribute('data-f'));
    });
    fillTable();
  }

  function fillTable() {
    var col = COLS.filter(function (c) { return c.key === table.key; })[0];
    var q = table.filter;
    var rows = q ? rowsAll.filter(function (i) {
      return fname(i).toLowerCase().indexOf(q) >= 0 || where(i).toLowerCase().indexOf(q) >= 0;
    }) : rowsAll.slice();
    var sign = table.desc ? -1 : 1;
    rows.sort(function (a, b) {
      var x = col.get(a), y = col.get(b);
      if (x < y) return -sign;
      if (x > y) return sign;
      return a - b;
    });
    document.querySelectorAll('#fn-table th').forEach(function (th) {
      if (th.getAttribute('data-key') === table.key) th.setAttribute('aria-sort', table.desc ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    });
    var tbody = document.getElementById('fn-rows');
    var frag = document.createDocumentFragment();
    rows.slice(0, ROW_LIMIT).forEach(function (i) {
      var f = F[i];
      var calls = f.calls === f.prim_calls ? fmtCount(f.calls) : fmtCount(f.calls) + '/' + fmtCount(f.prim_calls);
      var bar = el('span', {class: 'bar', style: 'width:' + Math.max(1, Math.round(share(f.self) * 0.6)) + 'px'});
      var tr = el('tr', {'data-f': String(i)}, [
        el('td', {class: 'fn'}, [fname(i)]),
        el('td', null, [calls]),
        el('td', null, [fmtTicks(f.self)]),
        el('td', null, [bar, fmtPct(f.self)]),
        el('td', null, [fmtTicks(f.cum)]),
        el('td', null, [fmtPct(f.cum)]),
        el('td', null, [f.calls ? fmtSeconds(f.cum * TICK / f.calls) : '']),
        el('td', {class: 'text mono'}, [where(i)])
      ]);
      if (i === table.selected) tr.className = 'sel';
      frag.appendChild(tr);
    });
    tbody.textContent = '';
    tbody.appendChild(frag);
    document.getElementById('fn-count').textContent = rows.length > ROW_LIMIT
      ? 'showing the first ' + ROW_LIMIT + ' of ' + fmtCount(rows.length) + ' functions: filter to narrow'
      : fmtCount(rows.length) + ' of ' + fmtCount(rowsAll.length) + ' functions';
  }

  /* --- call graph: Graphviz's drawing, and the caller/callee explorer - */

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var SVG_OK = {svg: 1, g: 1, title: 1, polygon: 1, polyline: 1, path: 1, ellipse: 1,
    text: 1, a: 1, defs: 1, lineargradient: 1, radialgradient: 1, stop: 1};

  // a copy of a Graphviz SVG with only drawing elements and attributes
  function cleanSvg(node) {
    var name = node.localName.toLowerCase();
    if (node.namespaceURI !== SVG_NS || !SVG_OK[name]) return null;
    var out = document.createElementNS(SVG_NS, node.localName);
    for (var i = 0; i < node.attributes.length; i++) {
      var at = node.attributes[i];
      var an = at.name.toLowerCase();
      if (an.indexOf('on') === 0 || an.indexOf('href') >= 0 || an === 'style') continue;
      out.setAttribute(at.name, at.value);
    }
    for (var c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3) out.appendChild(document.createTextNode(c.nodeValue));
      else if (c.nodeType === 1) {
        var k = cleanSvg(c);
        if (k) out.appendChild(k);
      }
    }
    return out;
  }

  var calleesOf = {}, callersOf = {};
  P.edges.forEach(function (e, j) {
    (calleesOf[e[0]] = calleesOf[e[0]] || []).push(j);
    (callersOf[e[1]] = callersOf[e[1]] || []).push(j);
  });

  function renderGraph(box) {
    var svg = null;
    if (DATA.graph && DATA.graph.svg) {
      var doc = new DOMParser().parseFromString(DATA.graph.svg, 'image/svg+xml');
      if (!doc.getElementsByTagName('parsererror').length) svg = cleanSvg(doc.documentElement);
    }
    if (svg) {
      box.appendChild(el('p', {class: 'note'}, ['Drawn by Graphviz: a box per function with its total and (self) share of the time and its calls; an arrow per caller \u2192 callee with the share of time in those calls. Blue is cold, red is hot. ' + DATA.graph.note]));
      box.appendChild(el('div', {class: 'graphbox', id: 'graph-svg'}, [svg]));
    } else {
      box.appendChild(el('p', {class: 'note'}, [DATA.graph && DATA.graph.note ? DATA.graph.note
        : 'No drawing of the graph in this report.']));
    }
    box.appendChild(el('h3', null, ['Callers and callees']));
    box.appendChild(el('p', {class: 'note'}, ['Pick a function in the table above, or here, to walk the graph.']));
    box.appendChild(el('div', {id: 'explorer'}));
    var start = -1;
    rowsAll.forEach(function (i) { if (start < 0 || F[i].cum > F[start].cum) start = i; });
    if (start >= 0) selectFunction(start);
  }

  function edgeTable(title, list, other) {
    var rows = (list || []).slice().sort(function (a, b) { return P.edges[b][5] - P.edges[a][5]; });
    var tb = el('tbody');
    rows.forEach(function (j) {
      var e = P.edges[j], f = e[other];
      var tr = el('tr', {'data-f': String(f)}, [
        el('td', {class: 'fn'}, [fname(f)]),
        el('td', null, [fmtCount(e[2])]),
        el('td', null, [fmtTicks(e[5])]),
        el('td', null, [fmtPct(e[5])])
      ]);
      tb.appendChild(tr);
    });
    tb.addEventListener('click', function (ev) {
      var tr = ev.target.closest('tr');
      if (tr) selectFunction(+tr.getAttribute('data-f'));
    });
    var head = el('tr', null, [el('th', {class: 'text'}, [title]), el('th', null, ['Calls']),
      el('th', null, ['Time in these calls']), el('th', null, ['%'])]);
    return el('div', null, [el('h3', null, [title + ' (' + rows.length + ')']),
      el('div', {class: 'tablebox'}, [el('table', null, [el('thead', null, [head]), tb])])]);
  }

  function selectFunction(i) {
    table.selected = i;
    document.querySelectorAll('#fn-rows tr').forEach(function (tr) {
      tr.className = +tr.getAttribute('data-f') === i ? 'sel' : '';
    });
    var box = document.getElementById('explorer');
    if (!box) return;
    var f = F[i];
    box.textContent = '';
    box.appendChild(el('p', null, [el('b', {class: 'mono', id: 'explorer-fn'}, [fname(i)]),
      ' \u2014 ' + fmtPct(f.cum) + ' total, ' + fmtPct(f.self) + ' self, ' + fmtCount(f.calls) + ' calls']));
    box.appendChild(el('div', {class: 'explorer'}, [
      edgeTable('Called by', callersOf[i], 0),
      edgeTable('Calls', calleesOf[i], 1)
    ]));
  }

  /* --- flame graph --------------------------------------------------- */

  var ROW = 18;
  var MAX_DEPTH = 1000;
  var flame = null;

  // The calling-context trees as one tree: a root, then one node per
  // thread when there are several, then the call paths; children sorted
  // by time, widest first.  x and w in ticks.
  function buildFlame() {
    var root = {name: 'all', func: -1, total: 0, self: 0, calls: 0, kids: [], depth: 0, parent: null};
    var maxDepth = 0, truncated = false, count = 0;
    P.threads.forEach(function (t) {
      var top = root;
      if (P.threads.length > 1) {
        top = {name: 'thread ' + (t.name || t.ident), func: -1, total: 0, self: 0, calls: 0,
          kids: [], depth: 1, parent: root};
        root.kids.push(top);
      }
      var nodes = new Array(t.nodes.length);
      nodes[0] = top;
      for (var j = 1; j < t.nodes.length; j++) {
        var n = t.nodes[j], parent = nodes[n[0]];
        if (!parent) { nodes[j] = null; continue; }
        if (parent.depth + 1 > MAX_DEPTH) { truncated = true; nodes[j] = null; continue; }
        var node = {name: fname(n[1]), func: n[1], total: Math.max(0, n[3]), self: n[4],
          calls: n[2], kids: [], depth: parent.depth + 1, parent: parent};
        parent.kids.push(node);
        nodes[j] = node;
        count++;
        if (node.depth > maxDepth) maxDepth = node.depth;
        if (n[0] === 0) top.total += node.total;
      }
      if (top !== root) root.total += top.total;
    });
    // lay out: each child inside its parent, from the parent's left edge
    var stack = [root];
    root.x = 0;
    while (stack.length) {
      var p = stack.pop(), x = p.x;
      p.kids.sort(function (a, b) { return b.total - a.total; });
      for (var k = 0; k < p.kids.length; k++) {
        var c = p.kids[k];
        c.x = x;
        c.w = Math.min(c.total, Math.max(0, p.x + p.total - x));
        x += c.w;
        stack.push(c);
      }
    }
    root.w = root.total;
    return {root: root, depth: maxDepth, truncated: truncated, count: count,
      zoom: root, query: '', canvas: null};
  }

  function renderFlame(box) {
    flame = buildFlame();
    var search = el('input', {type: 'search', id: 'flame-search', placeholder: 'search frames',
      'aria-label': 'search frames'});
    var reset = el('button', {type: 'button', id: 'flame-reset'}, ['Reset zoom']);
    var found = el('span', {class: 'note', id: 'flame-found'});
    box.appendChild(el('div', {class: 'flamebar'}, [search, reset, found]));
    box.appendChild(el('div', {class: 'crumbs', id: 'flame-zoom'}));
    box.appendChild(el('p', {class: 'note'}, ['Each bar is one call path; its width is the time spent in it and all it calls, over the whole run (widths are real, left-to-right order is by size, not by time). Click a bar to zoom in, the top bar to zoom out.' +
      (flame.truncated ? ' Paths deeper than ' + MAX_DEPTH + ' calls are cut.' : '')]));
    var canvas = el('canvas', {id: 'flame-canvas', role: 'img', 'aria-label': 'flame graph'});
    box.appendChild(canvas);
    document.body.appendChild(el('div', {id: 'flame-tip'}));
    flame.canvas = canvas;
    canvas.addEventListener('click', function (ev) {
      var n = flameHit(ev);
      if (n) zoomTo(n === flame.zoom && n.parent ? n.parent : n);
    });
    canvas.addEventListener('mousemove', flameTip);
    canvas.addEventListener('mouseleave', function () { document.getElementById('flame-tip').style.display = 'none'; });
    reset.addEventListener('click', function () { zoomTo(flame.root); });
    search.addEventListener('input', function () { flame.query = search.value.toLowerCase(); drawFlame(); });
    window.addEventListener('resize', drawFlame);
    zoomTo(flame.root);
  }

  function zoomTo(n) {
    flame.zoom = n;
    var names = [];
    for (var p = n; p; p = p.parent) names.unshift(p.name);
    document.getElementById('flame-zoom').textContent = 'zoom: ' + names.join(' \u203a ');
    drawFlame();
  }

  // warm colours from the name, so a function keeps its colour everywhere
  function colour(name, dim) {
    var h = 0;
    for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
    var r = 205 + (h & 31), g = 80 + ((h >> 5) & 127), b = 40 + ((h >> 12) & 47);
    return dim ? 'rgb(' + (r + 255 * 2) / 3 + ',' + (g + 255 * 2) / 3 + ',' + (b + 255 * 2) / 3 + ')'
      : 'rgb(' + r + ',' + g + ',' + b + ')';
  }

  function view() {
    var z = flame.zoom;
    return {x0: z.x, w: z.w > 0 ? z.w : 1};
  }

  function drawFlame() {
    var c = flame.canvas;
    var width = c.clientWidth || 800;
    var rows = flame.depth + 1;
    var ratio = window.devicePixelRatio || 1;
    c.width = Math.round(width * ratio);
    c.height = Math.round(rows * ROW * ratio);
    c.style.height = rows * ROW + 'px';
    var g = c.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, rows * ROW);
    g.font = '11px ui-monospace, Menlo, Consolas, monospace';
    g.textBaseline = 'middle';
    var v = view(), scale = width / v.w, q = flame.query;
    var matched = 0, drawn = 0;
    var stack = [flame.root];
    while (stack.length) {
      var n = stack.pop();
      var x = (n.x - v.x0) * scale, w = n.w * scale;
      if (x + w < 0 || x > width || w < 0.5) continue;
      var hit = q && n.name.toLowerCase().indexOf(q) >= 0;
      var y = n.depth * ROW;
      g.fillStyle = hit ? 'rgb(190,60,210)' : n.func < 0 ? 'rgb(200,200,210)' : colour(n.name, !!q);
      var x0 = Math.max(x, 0), x1 = Math.min(x + w, width);
      g.fillRect(x0, y, Math.max(x1 - x0 - 0.5, 0.5), ROW - 1);
      drawn++;
      if (x1 - x0 > 30) {
        g.fillStyle = '#111';
        g.save();
        g.beginPath();
        g.rect(x0, y, x1 - x0 - 2, ROW);
        g.clip();
        g.fillText(n.name, x0 + 3, y + ROW / 2);
        g.restore();
      }
      for (var k = 0; k < n.kids.length; k++) stack.push(n.kids[k]);
    }
    if (q) {
      // time under matching frames, not counting a match inside a match
      var st = [flame.root];
      while (st.length) {
        var m = st.pop();
        if (m.func >= 0 && m.name.toLowerCase().indexOf(q) >= 0) { matched += m.w; continue; }
        for (var j = 0; j < m.kids.length; j++) st.push(m.kids[j]);
      }
      document.getElementById('flame-found').textContent = 'matches: ' + fmtPct(matched) + ' of the time';
    } else {
      document.getElementById('flame-found').textContent = '';
    }
    c.setAttribute('data-drawn', String(drawn));
  }

  function flameHit(ev) {
    var c = flame.canvas, r = c.getBoundingClientRect();
    var x = ev.clientX - r.left, depth = Math.floor((ev.clientY - r.top) / ROW);
    var v = view(), t = v.x0 + x * v.w / (c.clientWidth || 800);
    var n = flame.root;
    if (depth < 0) return null;
    while (n && n.depth < depth) {
      var next = null;
      for (var k = 0; k < n.kids.length; k++) {
        var kid = n.kids[k];
        if (t >= kid.x && t < kid.x + kid.w) { next = kid; break; }
      }
      n = next;
    }
    return n;
  }

  function flameTip(ev) {
    var tip = document.getElementById('flame-tip');
    var n = flameHit(ev);
    if (!n) { tip.style.display = 'none'; return; }
    tip.textContent = n.name + '\n' + fmtTicks(n.w) + ' (' + fmtPct(n.w) + ')' +
      (n.func >= 0 ? ', self ' + fmtTicks(n.self) + ', ' + fmtCount(n.calls) + ' calls' : '');
    tip.style.whiteSpace = 'pre-wrap';
    tip.style.display = 'block';
    tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 380) + 'px';
    tip.style.top = ev.clientY + 14 + 'px';
  }

  /* --- lines: each timed function's source, with heat (--lines) ------- */

  // DATA.lines: {mode, omitted, functions: [{file, name, first_line,
  // last_line, total (s), hits, source, lines: [[line, hits, seconds,
  // text], ...]}]} made by html.c, or null when the profile has no line
  // tables.  hits and seconds are null on lines never reached, text null
  // when the source was not read (see `source`).
  var LN = DATA.lines || null;
  var LINES_OPEN = 8;      // functions shown open; the others on a click
  var PROG = TOTAL * TICK; // the program's time, as `lento report --lines`

  // the heat of a share (0..1) of the function's time: red whose opacity
  // is proportional to the share (0.85 at 100%), none under 0.1%
  function heatColour(h) {
    if (!(h >= 0.001)) return '';
    return 'rgba(214,64,30,' + (0.85 * Math.min(1, h)).toFixed(3) + ')';
  }

  var SOURCE_NOTE = {
    unreadable: 'The source file could not be read when this report was made: line numbers and figures only.',
    too_long: 'Over 2,000 lines long: only the lines that ran are listed, without their source.',
    budget: 'The report already holds 4 MiB of source: only the lines that ran are listed, without their source.',
    none: 'No source: only the lines that ran are listed.'
  };

  function pct1(x) { return (100 * x).toFixed(1); }

  function lineTable(f, k) {
    var tb = el('tbody');
    var tot = +f.total || 0;
    f.lines.forEach(function (l) {
      var hits = l[1], t = l[2], text = l[3];
      var ran = hits !== null && hits !== undefined;
      var h = ran && tot > 0 ? Math.max(0, t) / tot : 0;
      var tr = el('tr', {'data-line': String(l[0]), 'data-hits': ran ? String(hits) : '',
        'data-heat': h.toFixed(6)}, [
        el('td', {class: 'ln'}, [String(l[0])]),
        el('td', null, [ran ? fmtCount(hits) : '']),
        el('td', null, [ran ? fmtSeconds(t) : '']),
        el('td', null, [ran && hits ? fmtSeconds(t / hits) : '']),
        el('td', null, [ran && tot > 0 ? pct1(h) : '']),
        el('td', null, [ran && PROG > 0 ? pct1(t / PROG) : '']),
        el('td', {class: 'src'}, [typeof text === 'string' ? text : ''])
      ]);
      var c = heatColour(h);
      if (c) tr.style.backgroundColor = c;
      tb.appendChild(tr);
    });
    var head = el('tr', null, ['Line #', 'Hits', 'Time', 'Per Hit', '% Time', '% Prog', 'Line Contents']
      .map(function (t, i) { return el('th', {class: i === 6 ? 'text' : '', scope: 'col'}, [t]); }));
    return el('div', {class: 'tablebox'}, [el('table', {class: 'lines-table', id: 'lines-table-' + k},
      [el('thead', null, [head]), tb])]);
  }

  function renderLines(box) {
    var fs = LN.functions.slice().sort(function (a, b) { return b.total - a.total; });
    var hdr = 'Line by line' + (LN.mode === 'auto' ? ' (--lines=auto: the functions with the most self time early in the run)'
      : LN.mode ? ' (the whole run)' : '') + ': ' + fmtCount(fs.length) + ' function' + (fs.length === 1 ? '' : 's') +
      ', most time first. A line\u2019s time runs from reaching it to leaving it, callees included; ' +
      '% Time is its share of the function\u2019s time, % Prog of the program\u2019s ' + fmtSeconds(PROG) + '.';
    box.appendChild(el('p', {class: 'note'}, [hdr]));
    var stops = [0, 0.25, 0.5, 0.75, 1];
    box.appendChild(el('div', {class: 'legend heat-legend', id: 'lines-legend'}, [
      el('span', null, ['heat: share of the function\u2019s time']),
      el('span', {class: 'heat-scale'}, stops.map(function (h) {
        var sw = el('span', {class: 'heat-swatch'}, [(100 * h).toFixed(0) + '%']);
        var c = heatColour(h);
        if (c) sw.style.backgroundColor = c;
        return sw;
      }))]));
    if (LN.omitted > 0)
      box.appendChild(el('p', {class: 'note', id: 'lines-omitted'}, [fmtCount(LN.omitted) +
        ' more function' + (LN.omitted === 1 ? '' : 's') + ' with less time are left out of this page; ' +
        '`lento report --lines FILE` prints them all.']));
    fs.forEach(function (f, k) {
      var d = el('details', {class: 'linefunc', id: 'lines-f' + k, 'data-name': f.name,
        'data-file': f.file, 'data-source': f.source});
      var shareProg = PROG > 0 ? ', ' + pct1(f.total / PROG) + '% of the program' : '';
      d.appendChild(el('summary', null, [el('b', {class: 'mono'}, [f.name]), ' \u2014 ' +
        fmtSeconds(f.total) + shareProg + ', ' + fmtCount(f.hits) + ' line hits']));
      d.appendChild(el('p', {class: 'note mono'}, [f.file + ':' + f.first_line + '\u2013' + f.last_line]));
      if (f.source !== 'ok') d.appendChild(el('p', {class: 'note source-note'}, [SOURCE_NOTE[f.source] || SOURCE_NOTE.none]));
      var drawn = false;
      function draw() {
        if (drawn || !d.open) return;
        drawn = true;
        d.appendChild(lineTable(f, k));
      }
      d.addEventListener('toggle', draw);
      if (k < LINES_OPEN) { d.open = true; draw(); }
      box.appendChild(d);
    });
  }

  /* --- the page ------------------------------------------------------ */

  var SECTIONS = [
    {id: 'summary', title: 'Summary', render: renderSummary},
    {id: 'verdict', title: 'Bottleneck', when: function () { return !!(S && S.verdict); },
      render: renderVerdict},
    {id: 'timeline', title: 'Timeline', when: function () { return !!(S && S.timeline); },
      render: renderTimeline},
    {id: 'functions', title: 'Functions', render: renderTable},
    {id: 'lines', title: 'Lines', when: function () { return !!(LN && LN.functions.length); },
      render: renderLines},
    {id: 'callgraph', title: 'Call graph', render: renderGraph},
    {id: 'flame', title: 'Flame graph', render: renderFlame}
  ];

  var cmd = meta('command');
  document.title = 'lento: ' + (cmd || 'profile');
  var app = document.getElementById('app');
  app.appendChild(el('header', null, [el('h1', null, ['lento profile']),
    el('div', {class: 'cmd', id: 'command'}, [cmd || ''])]));
  var shown = SECTIONS.filter(function (s) { return !s.when || s.when(); });
  app.appendChild(el('nav', null, shown.map(function (s) {
    return el('a', {href: '#' + s.id}, [s.title]);
  })));
  shown.forEach(function (s) {
    var box = el('section', {id: s.id}, [el('h2', null, [s.title])]);
    app.appendChild(box);
    s.render(box);
  });
  app.appendChild(el('footer', null, ['Made by ' + DATA.generator +
    '. One file, no network: it can be mailed, archived and opened offline.']));
  document.body.setAttribute('data-ready', '1');
})();
