// Trend charts (Chart.js, served by the node): each bar opens the search behind it.
(function () {
  "use strict";
  var root = document.getElementById("trends");
  if (!root || typeof Chart === "undefined") { return; }
  var palette = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#999999"];
  Chart.defaults.font.family = "system-ui, sans-serif";
  Chart.defaults.animation = false;
  fetch(root.dataset.url, { credentials: "same-origin" })
    .then(function (answer) { return answer.json(); })
    .then(function (data) {
      data.charts.forEach(function (chart) {
        var canvas = document.getElementById("chart-" + chart.id);
        if (!canvas) { return; }
        new Chart(canvas, {
          type: "bar",
          data: {
            labels: chart.labels,
            datasets: chart.series.map(function (series, i) {
              return { label: series.name, data: series.counts,
                backgroundColor: series.colour || palette[i % palette.length] };
            })
          },
          options: {
            responsive: true, maintainAspectRatio: false,
            scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
            plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
            onHover: function (event, found) {
              event.native.target.classList.toggle("clickable", found.length > 0);
            },
            onClick: function (event, found) {
              if (!found.length) { return; }
              var series = chart.series[found[0].datasetIndex];
              var month = chart.labels[found[0].index];
              window.location.assign(series.url + "&month=" + encodeURIComponent(month));
            }
          }
        });
      });
    });
}());
