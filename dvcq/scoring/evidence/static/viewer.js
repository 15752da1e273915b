// In-page evidence viewer: a <details class="ev-viewer"> holds an <iframe> (PDF) or <img> (picture) whose address
// waits in data-src; it is loaded the first time the details is opened, so a long sheet loads no file up front.
(function () {
  "use strict";
  document.querySelectorAll("details.ev-viewer").forEach(function (box) {
    box.addEventListener("toggle", function () {
      if (!box.open) return;
      box.querySelectorAll("[data-src]").forEach(function (el) {
        if (!el.getAttribute("src")) el.setAttribute("src", el.getAttribute("data-src"));
      });
    });
  });
})();
