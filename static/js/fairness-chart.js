// Pasar Sentra: the competition monitor's fairness chart, drawn with the vendored Chart.js.
// <canvas data-fairness='{"labels": [IKM names], "datasets": [{"key", "label", "data": [percent, ...]}]}'>
// gets a horizontal bar chart: each IKM's share of sentra-order volume beside its share of declared capacity.
// The table under the chart holds the same numbers for screen readers and for reading on a phone.
(function () {
  "use strict";
  var COLOURS = { sentra: "#198754", capacity: "#adb5bd" };
  var percent = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-US" : "id-ID", {
    maximumFractionDigits: 1,
  });

  function draw(canvas) {
    var series;
    try {
      series = JSON.parse(canvas.getAttribute("data-fairness"));
    } catch (error) {
      return; // the table still tells everything
    }
    // Room for two bars per IKM whatever the screen's width (set here: the page's policy allows no style attribute).
    canvas.parentNode.style.height = 120 + 44 * series.labels.length + "px";
    var options = {
      indexAxis: "y",
      maintainAspectRatio: false,
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (context) {
              return context.dataset.label + ": " + percent.format(context.parsed.x) + " %";
            },
          },
        },
      },
      scales: {
        y: {
          ticks: {
            // On a phone a long IKM name would be cut at the chart's edge: shorten it (the table has it whole).
            callback: function (value) {
              var label = this.getLabelForValue(value);
              return canvas.clientWidth < 500 && label.length > 18 ? label.slice(0, 17) + "…" : label;
            },
          },
        },
        x: {
          // Shares in percent of the whole: a half is drawn as a half, not as the widest bar.
          min: 0,
          max: 100,
          ticks: {
            callback: function (value) {
              return percent.format(value) + " %";
            },
          },
        },
      },
    };
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      options.animation = false;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: series.datasets.map(function (dataset) {
          var colour = COLOURS[dataset.key] || "#0d6efd";
          return { label: dataset.label, data: dataset.data, backgroundColor: colour, borderColor: colour };
        }),
      },
      options: options,
    });
  }

  function drawAll() {
    if (!window.Chart) {
      return;
    }
    document.querySelectorAll("canvas[data-fairness]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
