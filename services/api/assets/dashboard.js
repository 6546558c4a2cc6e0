// FlashMM dashboard: renders the snapshots of /ws/live-metrics and sends admin actions.
// No dependencies; every value is written with textContent.
(function () {
  "use strict";

  var TOKEN_KEY = "flashmm.viewer-token";
  var MAX_POINTS = 600;
  var state = { market: null, snapshot: null, series: {}, socket: null, retry: 0 };

  function $(id) { return document.getElementById(id); }
  function text(id, value) { var el = $(id); if (el) el.textContent = value == null || value === "" ? "–" : String(value); }

  function viewerToken() {
    var hash = window.location.hash.replace(/^#/, "");
    var match = /(?:^|&)token=([^&]+)/.exec(hash);
    if (match) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function time(ns) {
    if (!ns) return "–";
    var d = new Date(Number(ns) / 1e6);
    return d.toISOString().substring(11, 23);
  }

  function badge(id, label, cls) {
    var el = $(id);
    el.textContent = label;
    el.className = "badge" + (cls ? " " + cls : "");
  }

  function connect() {
    var token = viewerToken();
    if (!token) {
      badge("conn", "signed out", "warn");
      text("problems", "Sign in with a viewer token (flashmm token issue --role viewer).");
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + "/ws/live-metrics?token=" + encodeURIComponent(token);
    var socket = new WebSocket(url);
    state.socket = socket;
    socket.onopen = function () { state.retry = 0; badge("conn", "live", "ok"); };
    socket.onmessage = function (event) {
      try { render(JSON.parse(event.data)); } catch (e) { text("problems", "bad snapshot: " + e); }
    };
    socket.onclose = function (event) {
      if (state.socket !== socket) return;
      state.socket = null;
      if (event.code === 4401) {
        sessionStorage.removeItem(TOKEN_KEY);
        badge("conn", "token expired", "bad");
        return;
      }
      state.retry += 1;
      badge("conn", state.retry > 2 ? "offline (token refused?)" : "reconnecting", "bad");
      setTimeout(connect, Math.min(5000, 500 * state.retry));
    };
  }

  function render(s) {
    state.snapshot = s;
    text("updated", time(s.ts));
    if (s.error) { badge("conn", "state store unavailable", "bad"); return; }
    var st = s.status;
    var modeCls = st.mode === "quoting" ? "ok" : st.mode === "killed" ? "bad" : "warn";
    badge("mode", st.mode, modeCls);
    badge("venue", "venue: " + st.venue, /^hyperliquid MAINNET/.test(st.venue) ? "bad" : "ok");
    badge("killswitch", "kill switch: " + (st.killed ? "TRIPPED" : "armed"), st.killed ? "bad" : "ok");
    text("reason", st.reason);
    fillMarkets(st.markets);
    var m = st.markets.find(function (x) { return x.market === state.market; }) || st.markets[0];
    if (!m) return;
    var q = m.quotes || { bids: [], asks: [] };
    var bid = q.bids && q.bids[0], ask = q.asks && q.asks[0];
    text("mid", m.mid);
    text("bid", bid ? bid.price + " × " + bid.qty : null);
    text("ask", ask ? ask.price + " × " + ask.qty : null);
    text("spread", m.spread_bps);
    record(m.market, s.ts, m.mid, bid && bid.price, ask && ask.price);
    var p = m.prediction;
    ["down", "flat", "up"].forEach(function (k) {
      var v = p ? p["p_" + k] : null;
      text("p-" + k, v == null ? null : v.toFixed(3));
      $("p-" + k + "-bar").style.width = v == null ? "0" : (v * 100).toFixed(1) + "%";
    });
    text("p-move", p ? p.expected_move_bps.toFixed(2) + " bp / " + p.horizon_ms + " ms" : null);
    text("p-model", p ? p.model_version + " @ " + time(p.ts) : null);
    text("model-health", m.model.healthy ? "healthy (" + m.model.model_id + ")" : ("no model" + (m.model.error ? ": " + m.model.error : "")));
    var lat = st.latency;
    text("lat-p50", lat.tick_to_quote_p50_us == null ? null : lat.tick_to_quote_p50_us + " µs");
    text("lat-p99", lat.tick_to_quote_p99_us == null ? null : lat.tick_to_quote_p99_us + " µs");
    text("lat-dec", lat.decision_p99_us == null ? null : lat.decision_p99_us + " µs");
    text("open-orders", st.open_orders);
    var book = s.books.find(function (b) { return b.market === m.market; }) || {};
    var pos = book.position;
    text("inventory", pos ? pos.base_qty : null);
    text("notional", pos ? pos.notional : null);
    var pnl = s.pnl_total;
    text("pnl-net", pnl ? pnl.net : null);
    text("pnl-parts", pnl ? pnl.realized + " / " + pnl.unrealized + " / " + pnl.fees : null);
    services(s.health);
    rows("fills", (book.fills || []).map(function (f) {
      return [[time(f.ts)], [f.side, f.side], [f.price], [f.qty], [f.fee], [f.liquidity]];
    }));
    rows("audit", s.audit.map(function (a) {
      return [[time(a.ts)], [(a.actor || "?") + (a.role ? " (" + a.role + ")" : "")], [a.action], [a.outcome, a.outcome === "accepted" ? "up" : "down"], [a.detail]];
    }));
    rows("risk", s.risk.map(function (r) {
      return [[time(r.ts)], [r.market || "all"], [r.kind], [r.detail]];
    }));
    text("problems", st.invalid.length ? st.invalid.length + " state value(s) did not decode, e.g. " + st.invalid[0].source + " " + st.invalid[0].key + ": " + st.invalid[0].error : "");
    drawPrice(state.series[m.market] || []);
    drawPnl(s.pnl_history || []);
  }

  function fillMarkets(markets) {
    var select = $("market");
    if (select.options.length === markets.length) return;
    select.textContent = "";
    markets.forEach(function (m) {
      var o = document.createElement("option");
      o.value = m.market; o.textContent = m.market;
      select.appendChild(o);
    });
    state.market = state.market || (markets[0] && markets[0].market);
    select.value = state.market;
  }

  function record(market, ts, mid, bid, ask) {
    var series = state.series[market] = state.series[market] || [];
    if (mid == null) return;
    series.push({ t: Number(ts), mid: parseFloat(mid), bid: bid ? parseFloat(bid) : null, ask: ask ? parseFloat(ask) : null });
    if (series.length > MAX_POINTS) series.shift();
  }

  function services(health) {
    var ul = $("services");
    ul.textContent = "";
    health.services.forEach(function (svc) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = svc.name + (svc.required ? "" : " (optional)");
      var st = document.createElement("span");
      st.className = svc.up ? "up" : "down";
      st.textContent = svc.up ? "up " + svc.age_ms + " ms" : (svc.age_ms == null ? "never seen" : "down " + Math.round(svc.age_ms / 1000) + " s");
      li.appendChild(name); li.appendChild(st);
      ul.appendChild(li);
    });
  }

  function rows(id, data) {
    var body = $(id);
    body.textContent = "";
    data.forEach(function (cells) {
      var tr = document.createElement("tr");
      cells.forEach(function (cell) {
        var td = document.createElement("td");
        td.textContent = cell[0] == null ? "" : String(cell[0]);
        if (cell[1]) td.className = cell[1];
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function canvas(id) {
    var c = $(id);
    var ratio = window.devicePixelRatio || 1;
    var w = c.clientWidth || c.width, h = c.clientHeight || c.height;
    if (c.width !== w * ratio) { c.width = w * ratio; c.height = h * ratio; }
    var ctx = c.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return { ctx: ctx, w: w, h: h };
  }

  function plot(id, points, lines) {
    var g = canvas(id), ctx = g.ctx, pad = 40;
    if (points.length < 2) {
      ctx.fillStyle = "#7d8b99"; ctx.fillText("waiting for data…", pad, g.h / 2);
      return;
    }
    var t0 = points[0].t, t1 = points[points.length - 1].t;
    var lo = Infinity, hi = -Infinity;
    points.forEach(function (p) { lines.forEach(function (l) { var v = p[l.key]; if (v != null && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    if (!isFinite(lo)) return;
    if (hi - lo < 1e-9) { var pad = Math.max(Math.abs(hi) * 0.01, 1e-6); hi += pad; lo -= pad; }
    var x = function (t) { return pad + (g.w - pad - 8) * (t - t0) / Math.max(1, t1 - t0); };
    var y = function (v) { return 8 + (g.h - 24) * (1 - (v - lo) / (hi - lo)); };
    ctx.strokeStyle = "#2d3640"; ctx.fillStyle = "#7d8b99"; ctx.font = "11px system-ui";
    [lo, (lo + hi) / 2, hi].forEach(function (v) {
      ctx.beginPath(); ctx.moveTo(pad, y(v)); ctx.lineTo(g.w - 8, y(v)); ctx.stroke();
      ctx.fillText(v.toPrecision(6), 2, y(v) + 4);
    });
    lines.forEach(function (l) {
      ctx.strokeStyle = l.color; ctx.lineWidth = l.width || 1.5; ctx.beginPath();
      var started = false;
      points.forEach(function (p) {
        var v = p[l.key];
        if (v == null || !isFinite(v)) { started = false; return; }
        if (started) ctx.lineTo(x(p.t), y(v)); else { ctx.moveTo(x(p.t), y(v)); started = true; }
      });
      ctx.stroke();
    });
  }

  function drawPrice(series) {
    plot("chart-price", series, [
      { key: "bid", color: "#3fb950", width: 1 },
      { key: "ask", color: "#f85149", width: 1 },
      { key: "mid", color: "#58a6ff", width: 2 }
    ]);
  }

  function drawPnl(history) {
    plot("chart-pnl", history.map(function (p) { return { t: Number(p.ts), net: parseFloat(p.net) }; }), [
      { key: "net", color: "#d29922", width: 2 }
    ]);
  }

  function admin(path, label) {
    if (path === "flatten" && !window.confirm("Flatten: pause, cancel every order and close the position?")) return;
    var token = window.prompt("Admin token to " + label);
    if (!token) return;
    text("action-result", label + "…");
    fetch("/admin/" + path, {
      method: "POST",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify({ reason: label + " from the dashboard" })
    }).then(function (r) {
      return r.json().then(function (body) {
        text("action-result", r.ok ? label + ": accepted (" + body.command_id + ")" : label + ": " + r.status + " " + body.message);
      });
    }).catch(function (e) { text("action-result", label + ": " + e); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("btn-pause").addEventListener("click", function () { admin("pause", "pause"); });
    $("btn-resume").addEventListener("click", function () { admin("resume", "resume"); });
    $("btn-cancel").addEventListener("click", function () { admin("cancel-all", "cancel all"); });
    $("btn-flatten").addEventListener("click", function () { admin("flatten", "flatten"); });
    $("btn-signin").addEventListener("click", function () {
      var token = window.prompt("Viewer token (flashmm token issue --role viewer)");
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      if (state.socket) { var s = state.socket; state.socket = null; s.close(); }
      connect();
    });
    $("market").addEventListener("change", function (e) {
      state.market = e.target.value;
      if (state.snapshot) render(state.snapshot);
    });
    connect();
  });
})();
