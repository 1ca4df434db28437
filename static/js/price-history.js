// Pasar Sentra: the price-history charts of the harga acuan page, drawn with the vendored Chart.js.
// Each <canvas data-price-history='{"labels": [...], "datasets": [{"key", "label", "data"}]}'>
// gets a stepped line chart; the server gives the formatted dates and the translated legends.
(function () {
  "use strict";
  // Amounts in the page's number style, as the server's idr filter writes them: Rp 86.000 on an
  // Indonesian page, Rp 86,000 on an English one (the page's lang is "id" or "en").
  var rupiah = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-US" : "id-ID", {
    maximumFractionDigits: 0,
  });
  var COLOURS = { reference: "#198754", floor: "#6c757d", ceiling: "#fd7e14" };

  function formatIdr(value) {
    return (value < 0 ? "-" : "") + "Rp " + rupiah.format(Math.abs(value));
  }

  function draw(canvas) {
    var series;
    try {
      series = JSON.parse(canvas.getAttribute("data-price-history"));
    } catch (error) {
      return; // the text history below the chart still tells everything
    }
    var options = {
      maintainAspectRatio: true,
      aspectRatio: 1.6,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: 8 } },
        tooltip: {
          callbacks: {
            label: function (context) {
              return context.dataset.label + ": " + formatIdr(context.parsed.y);
            },
          },
        },
      },
      scales: { y: { ticks: { callback: formatIdr } } },
    };
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      options.animation = false;
    }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: series.labels,
        datasets: series.datasets.map(function (dataset) {
          var colour = COLOURS[dataset.key] || "#0d6efd";
          return {
            label: dataset.label,
            data: dataset.data,
            // A price holds from its effective date until the next one.
            stepped: "before",
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: dataset.key === "reference" ? 3 : 2,
            borderDash: dataset.key === "reference" ? [] : [6, 4],
            pointRadius: 3,
          };
        }),
      },
      options: options,
    });
  }

  function drawAll() {
    if (!window.Chart) {
      return;
    }
    document.querySelectorAll("canvas[data-price-history]").forEach(draw);
  }

  // Loaded with `defer` after Chart.js (also deferred): both run in order once the page is parsed, so the
  // canvases and window.Chart are there and it draws at once; loaded while the page is still being parsed, it
  // waits for the end of parsing.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
