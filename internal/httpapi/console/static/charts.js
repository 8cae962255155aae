// Draws the charts of the overview and statistics pages with uPlot from
// the JSON each page embeds ({"x": [unix seconds], "series": [{"label",
// "values"}]}); the table beside each chart says the same without script.
"use strict";
(() => {
  if (typeof uPlot === "undefined") return;
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"];
  const height = 240;
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const src = document.getElementById(el.dataset.chart);
    if (!src) return;
    const d = JSON.parse(src.textContent);
    if (!d.x || d.x.length === 0) return;
    const series = [{}].concat((d.series || []).map((s, i) => ({
      label: s.label, stroke: colours[i % colours.length], width: 2, points: { show: d.x.length <= 48 },
    })));
    const data = [d.x].concat((d.series || []).map((s) => s.values));
    const plot = new uPlot({
      width: el.clientWidth, height: height, series: series,
      scales: { x: { time: true } },
      axes: [{}, { values: (u, ticks) => ticks.map((v) => (Number.isInteger(v) ? v : "")) }],
    }, data, el);
    // Follow the page's width (the menu folds on phones).
    new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: height })).observe(el);
  });
})();
