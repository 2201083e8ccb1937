/* console.js - the opsgate console's script (docs/console.md). Pages work without it: it only
   adds charts drawn from the figures a page already shows as a table, and htmx (its own file)
   adds partial updates. Loaded from this origin with defer; nothing inline, no eval. */
(function () {
  "use strict";

  /* A bar chart (uPlot) of a table marked data-chart="ID": first column (or a row's data-label)
     labels, second column values.
     The table stays: it is the accessible form of the same figures. */
  function barChart(table) {
    var target = document.getElementById(table.getAttribute("data-chart"));
    if (!target || typeof uPlot === "undefined") return;
    var labels = [], xs = [], ys = [];
    table.querySelectorAll("tbody tr").forEach(function (tr, i) {
      var cells = tr.querySelectorAll("th, td");
      if (cells.length < 2) return;
      labels.push(tr.getAttribute("data-label") || cells[0].textContent.trim());
      xs.push(i);
      ys.push(Number(cells[1].textContent.trim()) || 0);
    });
    if (!xs.length) return;
    var width = Math.max(200, Math.min(640, target.clientWidth || 640));
    var opts = {
      width: width,
      height: 220,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, xs.length - 0.5] }, y: { range: [0, Math.max(1, Math.max.apply(null, ys))] } },
      axes: [
        { splits: function () { return xs; }, values: function (u, vals) { return vals.map(function (v) { return labels[v] || ""; }); }, size: 40 },
        { size: 40, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000] }
      ],
      series: [
        {},
        { label: "Certificates", stroke: "#1f3b5c", fill: "rgba(31, 59, 92, 0.55)", width: 1,
          points: { show: false }, paths: uPlot.paths.bars({ size: [0.6, 80] }) }
      ]
    };
    var plot = new uPlot(opts, [xs, ys], target);
    /* Follow the page's width (a phone held upright, a resized window). */
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () {
        var w = Math.max(200, Math.min(640, target.clientWidth));
        if (w !== plot.width) plot.setSize({ width: w, height: 220 });
      }).observe(target);
    }
  }

  /* A partial update (htmx) the server refused: htmx swaps nothing on an error status, so say
     why where the person acted, with the reason the console's error page gives (as text). */
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr, elt = e.detail.elt;
    var where = (elt && elt.closest && elt.closest(".card, form")) || document.getElementById("main");
    if (!where) return;
    var msg = "The request failed (" + xhr.status + ").";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var p = doc.querySelector("main .error");
      if (p && p.textContent) msg = p.textContent;
    } catch (err) { /* keep the status line */ }
    var box = where.querySelector(".hx-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "flash error hx-error";
      box.setAttribute("role", "alert");
      where.insertBefore(box, where.firstChild);
    }
    box.textContent = msg;
  });
  var palette = ["#1f3b5c", "#a4161a", "#b35900", "#1d5e2a", "#6a3d9a", "#0b57a4", "#7a4b00"];

  /* A time chart (uPlot) into a div marked data-source="TABLE-ID" data-columns="1,2": the
     table's rows carry their time (data-t, Unix seconds), the columns named are the series (their
     header cells the labels); data-bars="1" draws bars instead of lines. The table stays: it is
     the accessible form of the same figures, and the page reads without this. */
  function timeChart(target) {
    var table = document.getElementById(target.getAttribute("data-source"));
    if (!table || typeof uPlot === "undefined") return;
    var cols = (target.getAttribute("data-columns") || "1").split(",").map(Number);
    var heads = table.querySelectorAll("thead th");
    var bars = target.getAttribute("data-bars") === "1";
    var xs = [], ys = cols.map(function () { return []; });
    table.querySelectorAll("tbody tr[data-t]").forEach(function (tr) {
      var cells = tr.querySelectorAll("th, td");
      xs.push(Number(tr.getAttribute("data-t")));
      cols.forEach(function (c, k) { ys[k].push(cells[c] ? Number(cells[c].textContent.trim()) || 0 : 0); });
    });
    if (!xs.length) return;
    var max = 1;
    ys.forEach(function (s) { s.forEach(function (v) { if (v > max) max = v; }); });
    var series = [{}];
    cols.forEach(function (c, k) {
      var color = palette[k % palette.length];
      series.push({
        label: heads[c] ? heads[c].textContent.trim() : "",
        stroke: color, width: bars ? 1 : 2, fill: bars ? color : undefined,
        points: { show: false },
        paths: bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined
      });
    });
    var width = function () { return Math.max(200, Math.min(640, target.clientWidth || 640)); };
    var opts = {
      width: width(), height: 200,
      legend: { show: cols.length > 1, live: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: [0, max] } },
      axes: [{ size: 40 }, { size: 40, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] }],
      series: series
    };
    var plot = new uPlot(opts, [xs].concat(ys), target);
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () {
        var w = width();
        if (w !== plot.width) plot.setSize({ width: w, height: 200 });
      }).observe(target);
    }
  }

  function init() {
    document.querySelectorAll("table[data-chart]").forEach(barChart);
    document.querySelectorAll("div[data-source]").forEach(timeChart);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
