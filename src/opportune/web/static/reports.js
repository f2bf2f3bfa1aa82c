// Reports: draws each report's chart with Chart.js from the JSON block the page carries
// (<script type="application/json" data-chart-for="canvas id">), and opens the records
// behind a bar or point when it is clicked. The filter form submits by GET, so the
// filters stay in the address; a changed select submits at once, and empty fields are
// left out of the address.
(function () {
  "use strict";

  var PALETTE = ["#2f5bea", "#14b88a", "#f59e0b", "#e1497a", "#7c5cff", "#0ea5e9", "#64748b",
                 "#d92d3a"];
  var numbers = new Intl.NumberFormat("en-US");
  var compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
  var cents = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var oneDecimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

  // A value as the report's tables show it: money with its currency, % and days.
  function formatValue(kind, value, currency, short) {
    if (value === null || value === undefined) return "—";
    if (kind === "money") return currency + " " + (short ? compact : cents).format(value);
    if (kind === "percent") return oneDecimal.format(value) + "%";
    if (kind === "days") return oneDecimal.format(value) + (short ? " d" : " days");
    return (short ? compact : numbers).format(value);
  }

  // One value axis per kind of number (a count and an amount do not share a scale).
  function valueAxes(data, horizontal) {
    var axes = {};
    var kinds = [];
    data.datasets.forEach(function (set) {
      if (kinds.indexOf(set.kind) < 0) kinds.push(set.kind);
    });
    kinds.forEach(function (kind, index) {
      var first = index === 0;
      axes[kind] = {
        axis: horizontal ? "x" : "y",
        position: horizontal ? (first ? "bottom" : "top") : (first ? "left" : "right"),
        beginAtZero: true,
        stacked: data.kind === "stacked_bar",
        grid: { drawOnChartArea: first },
        ticks: {
          callback: function (value) { return formatValue(kind, value, data.currency, true); }
        }
      };
    });
    return axes;
  }

  function datasets(data) {
    var line = data.kind === "line";
    return data.datasets.map(function (set, index) {
      var colour = PALETTE[index % PALETTE.length];
      var axis = data.kind === "funnel" ? { xAxisID: set.kind } : { yAxisID: set.kind };
      return Object.assign({
        label: set.label,
        data: set.data,
        backgroundColor: line ? colour + "33" : colour,
        borderColor: colour,
        borderWidth: line ? 2 : 0,
        borderRadius: line ? 0 : 4,
        pointRadius: 4,
        pointHoverRadius: 6,
        tension: 0.25,
        spanGaps: true,
        maxBarThickness: 42
      }, axis);
    });
  }

  // The drill link of the bar or point under the pointer, if any.
  function drillAt(chart, data, event) {
    var hits = chart.getElementsAtEventForMode(event, "nearest", { intersect: true }, true);
    if (!hits.length) return null;
    var set = data.datasets[hits[0].datasetIndex];
    return set && set.drills ? set.drills[hits[0].index] : null;
  }

  function options(data) {
    var horizontal = data.kind === "funnel";
    var scales = valueAxes(data, horizontal);
    scales[horizontal ? "y" : "x"] = { stacked: data.kind === "stacked_bar", grid: { display: false } };
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return {
      indexAxis: horizontal ? "y" : "x",
      maintainAspectRatio: false,
      responsive: true,
      animation: still ? false : { duration: 300 },
      interaction: { mode: "nearest", intersect: true },
      scales: scales,
      plugins: {
        legend: { display: data.datasets.length > 1, position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (item) {
              var set = data.datasets[item.datasetIndex];
              return set.label + ": " + formatValue(set.kind, item.raw, data.currency, false);
            },
            footer: function (items) {
              var url = items.length && data.datasets[items[0].datasetIndex].drills[items[0].dataIndex];
              return url ? "Click to see these records" : "";
            }
          }
        }
      },
      onClick: function (event, elements, chart) {
        var url = drillAt(chart, data, event);
        if (url) window.location.assign(url);
      },
      onHover: function (event, elements, chart) {
        chart.canvas.style.cursor = drillAt(chart, data, event) ? "pointer" : "default";
      }
    };
  }

  function draw(block) {
    var canvas = document.getElementById(block.getAttribute("data-chart-for"));
    if (!canvas || !window.Chart || window.Chart.getChart(canvas)) return;
    var data = JSON.parse(block.textContent);
    new window.Chart(canvas, {
      type: data.kind === "line" ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets(data) },
      options: options(data)
    });
    canvas.setAttribute("data-chart-ready", "true");
  }

  function drawAll(root) {
    root.querySelectorAll("script.chart-data[data-chart-for]").forEach(draw);
  }

  // Leave empty fields (and choices left at their default) out of the address, so a
  // shared link shows only the filters used.
  function onSubmit(event) {
    var form = event.target.closest("[data-report-filters]");
    if (!form) return;
    Array.prototype.forEach.call(form.elements, function (field) {
      var unset = field.value === "" || field.value === field.getAttribute("data-default");
      if (field.name && unset) field.disabled = true;
    });
  }

  function onChange(event) {
    var form = event.target.closest("[data-report-filters]");
    if (form && event.target.tagName === "SELECT") form.requestSubmit();
  }

  // Coming back to the page from the browser cache: the emptied fields work again.
  function enableFields() {
    document.querySelectorAll("[data-report-filters] [disabled]").forEach(function (field) {
      field.disabled = false;
    });
  }

  document.addEventListener("submit", onSubmit);
  document.addEventListener("change", onChange);
  window.addEventListener("pageshow", enableFields);
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
