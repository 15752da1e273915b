// DVCQ — behaviour without inline scripts (the CSP forbids them).
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  window.dvcq = { csrfToken: csrf ? csrf.content : "" };

  // Job progress: poll the status URL until the job is done, then show its result or its error.
  function pollJob(el) {
    var url = el.getAttribute("data-job-url");
    var bar = el.querySelector("progress");
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          bar.value = j.progress;
          el.setAttribute("data-status", j.status);
          el.querySelector(".job-status").textContent = j.status_label;
          el.querySelector(".job-message").textContent = j.message || "";
          if (j.error) { var e = el.querySelector(".job-error"); e.hidden = false; e.textContent = j.error; }
          if (j.done) {
            if (j.result && j.result.download) {
              var a = document.createElement("a");
              a.className = "button"; a.href = j.result.download; a.textContent = j.result.label || "Tải về";
              var box = el.querySelector(".job-result"); box.innerHTML = ""; box.appendChild(a);
            }
            return;
          }
          setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    tick();
  }
  document.querySelectorAll(".job[data-job-url]").forEach(function (el) {
    var s = el.getAttribute("data-status");
    if (s !== "finished" && s !== "failed") pollJob(el);
  });

  // Confirm dangerous actions: <form data-confirm="…">.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (!window.confirm(f.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
})();
