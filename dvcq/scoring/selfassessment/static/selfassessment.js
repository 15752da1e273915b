// Self-assessment page: save each item as the user types (debounced), show the recomputed totals from the server,
// and never overwrite somebody else's save (409 shows their value instead). Without this script each item's form
// still posts normally.
(function () {
  "use strict";
  var DELAY = 800;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.content : "";
  var dirty = 0;

  function setState(form, text, cls) {
    var el = form.querySelector(".sa-state");
    if (!el) return;
    el.textContent = text;
    el.className = "sa-state" + (cls ? " " + cls : "");
  }

  function showTotals(totals) {
    if (!totals) return;
    ["total", "bonus", "penalty", "scored", "scorable"].forEach(function (key) {
      document.querySelectorAll('[data-total="' + key + '"]').forEach(function (el) {
        el.textContent = totals[key];
      });
    });
    Object.keys(totals.nodes || {}).forEach(function (code) {
      document.querySelectorAll('[data-total-for="' + code + '"]').forEach(function (el) {
        el.textContent = totals.nodes[code];
      });
    });
  }

  function setVersion(form, version) {
    form.setAttribute("data-version", version);
    var hidden = form.querySelector('input[name="version"]');
    if (hidden) hidden.value = version;
  }

  function showConflict(form, message, current) {
    var box = form.querySelector(".sa-conflict");
    box.hidden = false;
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = message;
    box.appendChild(p);
    var q = document.createElement("p");
    q.textContent = "Giá trị đang được lưu" + (current.by ? " (do " + current.by + " lưu lúc " + current.at + ")" : "") +
      ": điểm " + (current.score || "chưa chấm") + (current.note ? "; cách chấm: «" + current.note + "»" : "") + ".";
    box.appendChild(q);
    var use = document.createElement("button");
    use.type = "button";
    use.textContent = "Dùng giá trị đang được lưu";
    use.addEventListener("click", function () {
      form.querySelector('input[name="score"]').value = current.score;
      form.querySelector('textarea[name="note"]').value = current.note;
      setVersion(form, current.version);
      box.hidden = true;
      form._conflict = false;
      markClean(form);
      setState(form, "Đã tải giá trị đang được lưu", "");
    });
    box.appendChild(use);
    form._conflict = true;
    setState(form, "Chưa lưu — có xung đột", "error");
  }

  // The area index: the item's filter marks, and its area's count of scored items.
  function markItem(form, score) {
    var item = form.closest(".sa-item");
    var value = score === "" ? null : parseFloat(score.replace(",", "."));
    var max = parseFloat(item.getAttribute("data-max").replace(",", "."));
    var kind = item.getAttribute("data-kind");
    var lost = value !== null && ((kind === "penalty" && value > 0) || (kind === "normal" && value < max));
    item.setAttribute("data-unfinished", value === null ? "1" : "0");
    item.setAttribute("data-deducted", lost ? "1" : "0");
    var code = item.getAttribute("data-area");
    var done = document.querySelectorAll(
      '.sa-item[data-area="' + code + '"][data-unfinished="0"]:not([data-authority])').length;
    document.querySelectorAll('[data-ai-done="' + code + '"]').forEach(function (el) { el.textContent = done; });
    document.querySelectorAll('[data-ai-progress="' + code + '"]').forEach(function (el) { el.value = done; });
  }

  function markClean(form) {
    if (form._dirty) { form._dirty = false; dirty -= 1; }
  }

  function save(form) {
    clearTimeout(form._timer);
    if (form._conflict) return;
    if (form._inflight) { form._again = true; return; }
    form._inflight = true;
    form._again = false;
    var payload = {
      version: form.getAttribute("data-version"),
      score: form.querySelector('input[name="score"]').value,
      note: form.querySelector('textarea[name="note"]').value
    };
    setState(form, "Đang lưu…", "");
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      form._inflight = false;
      if (res.status === 200) {
        setVersion(form, res.body.item.version);
        showTotals(res.body.totals);
        form.querySelector(".sa-conflict").hidden = true;
        form.closest(".sa-item").classList.remove("sa-has-error");
        setState(form, "Đã lưu " + (res.body.item.at || ""), "ok");
        markItem(form, res.body.item.score);
        if (!form._again) markClean(form);
      } else if (res.status === 409 && res.body.current) {
        showConflict(form, res.body.error, res.body.current);
      } else {
        form.closest(".sa-item").classList.add("sa-has-error");
        setState(form, res.body.error || "Chưa lưu được.", "error");
        if (res.status === 409) {
          form.querySelectorAll("input, textarea, button").forEach(function (el) { el.disabled = true; });
          markClean(form);
        }
      }
      if (form._again) save(form);
    }).catch(function () {
      form._inflight = false;
      setState(form, "Chưa lưu được (mất kết nối?) — sẽ thử lại.", "error");
      form._timer = setTimeout(function () { save(form); }, 5000);
    });
  }

  function changed(form) {
    if (!form._dirty) { form._dirty = true; dirty += 1; }
    setState(form, "Chưa lưu…", "");
    clearTimeout(form._timer);
    form._timer = setTimeout(function () { save(form); }, DELAY);
  }

  document.querySelectorAll("form.sa-form").forEach(function (form) {
    form.addEventListener("input", function () { changed(form); });
    form.addEventListener("change", function () { if (form._dirty) save(form); });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); save(form); });
  });

  window.addEventListener("beforeunload", function (ev) {
    if (dirty > 0) { ev.preventDefault(); ev.returnValue = ""; }
  });
})();
