// DVCQ insights — draws every plotly figure of the page from its JSON data block (no inline script: the CSP).
(function () {
  "use strict";
  if (!window.Plotly) return;
  var config = {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
    toImageButtonOptions: { format: "png", scale: 2 }
  };
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var block = document.getElementById(el.getAttribute("data-figure"));
    if (!block) return;
    var figure = JSON.parse(block.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, config);
  });
})();
