// The appraisal sheet: each item saves in place (fetch with the CSRF token; the server answers JSON) instead of
// reloading the whole long page; a refused save keeps what was typed and shows why next to the item; a conflict shows
// the value somebody else saved. «Đồng ý điểm tự chấm» works the same for an item, an area or the whole dossier.
// Without this script every form still posts normally and the server answers with the page.
(function () {
  "use strict";
  var token = (window.dvcq && window.dvcq.csrfToken) || "";
  var dirty = {};

  function post(url, body) {
    return fetch(url.split("#")[0], {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
      body: body
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    });
  }

  function setVersion(itemId, version) {
    var form = document.querySelector('form.appraise[data-item="' + itemId + '"]');
    if (form) form.querySelector('input[name="version"]').value = version;
    document.querySelectorAll('[data-item-version="' + itemId + '"]').forEach(function (el) {
      el.value = itemId + ":" + version;
    });
  }

  function state(form, text, bad) {
    var el = form.querySelector(".ap-state");
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("error", !!bad);
  }

  function showError(form, text) {
    var box = form.querySelector("[data-error]");
    box.textContent = text || "";
    box.hidden = !text;
    form.closest(".ap-item").classList.toggle("ap-has-error", !!text);
  }

  function showProgress(progress) {
    if (!progress) return;
    var total = document.querySelector("[data-testid=progress]");
    if (total) total.textContent = progress.done + "/" + progress.total;
    var status = document.querySelector("[data-testid=dossier-status]");
    if (status) status.textContent = progress.status;
    Object.keys(progress.areas || {}).forEach(function (code) {
      var area = progress.areas[code];
      document.querySelectorAll('[data-ai-total="' + code + '"]').forEach(function (el) { el.textContent = area.total; });
      document.querySelectorAll('[data-ai-done="' + code + '"]').forEach(function (el) { el.textContent = area.done; });
      document.querySelectorAll('[data-ai-progress="' + code + '"]').forEach(function (el) { el.value = area.done; });
    });
  }

  function showSaved(item) {
    var form = document.querySelector('form.appraise[data-item="' + item.id + '"]');
    if (!form) return;
    setVersion(item.id, item.version);
    form.querySelector('input[name="score"]').value = item.score;
    form.querySelectorAll('input[name="reasons"]').forEach(function (box) {
      box.checked = item.reasons.indexOf(box.value) >= 0;
    });
    form.querySelector('textarea[name="note"]').value = item.note;
    showError(form, "");
    form.querySelector("[data-conflict]").hidden = true;
    state(form, item.saved, false);
    var card = form.closest(".ap-item");
    card.setAttribute("data-unfinished", item.score === "" ? "1" : "0");
    var self = form.getAttribute("data-self");
    var deducted = item.score !== "" && self !== "" && parseFloat(item.score.replace(",", ".")) < parseFloat(self.replace(",", "."));
    card.setAttribute("data-deducted", deducted ? "1" : "0");
    delete dirty[item.id];
  }

  function showConflict(form, message, current) {
    var box = form.querySelector("[data-conflict]");
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = message;
    box.appendChild(p);
    var q = document.createElement("p");
    q.textContent = "Giá trị đang được lưu: điểm " + (current.score || "chưa chấm") +
      (current.note ? "; nhận xét «" + current.note + "»" : "") + " (" + current.saved + "). " +
      "Ô nhập vẫn giữ giá trị bạn vừa nhập; bấm «Lưu điểm thẩm định» để ghi đè, hoặc dùng giá trị đang được lưu.";
    box.appendChild(q);
    var use = document.createElement("button");
    use.type = "button";
    use.textContent = "Dùng giá trị đang được lưu";
    use.addEventListener("click", function () { showSaved(current); });
    box.appendChild(use);
    box.hidden = false;
    setVersion(current.id, current.version);
    state(form, "Chưa lưu — có xung đột", true);
  }

  function saveItem(form) {
    var id = form.getAttribute("data-item");
    state(form, "Đang lưu…", false);
    post(form.action, new FormData(form)).then(function (res) {
      if (res.status === 200 && res.data.ok) {
        showSaved(res.data.item);
        showProgress(res.data.progress);
      } else if (res.status === 409 && res.data.current) {
        showConflict(form, res.data.error, res.data.current);
      } else {
        showError(form, res.data.error || "Chưa lưu được. Vui lòng thử lại.");
        state(form, "Chưa lưu", true);
      }
    }).catch(function () {
      state(form, "Chưa lưu (mất kết nối?) — bấm «Lưu» để thử lại.", true);
      dirty[id] = true;
    });
  }

  function say(form, text, bad) {
    var out = form.querySelector("[data-agree-result]");
    if (!out) {
      out = document.createElement("p");
      out.setAttribute("data-agree-result", "");
      out.setAttribute("aria-live", "polite");
      form.appendChild(out);
    }
    out.textContent = text;
    out.className = bad ? "error" : "ok-text";
  }

  // One item (itemForm: its state shows the outcome) or an area / the whole dossier (outForm: a line under it).
  function agree(url, body, itemForm, outForm) {
    if (itemForm) state(itemForm, "Đang lưu…", false);
    post(url, body).then(function (res) {
      if (res.status === 200 && res.data.ok) {
        res.data.items.forEach(showSaved);
        showProgress(res.data.progress);
        if (itemForm) {
          var first = res.data.items[0];
          state(itemForm, first ? "Đã đồng ý điểm tự chấm · " + first.saved : res.data.message, false);
        }
        if (outForm) say(outForm, res.data.message, false);
      } else if (itemForm && res.status === 409 && res.data.current) {
        showConflict(itemForm, res.data.error, res.data.current);
      } else if (itemForm) {
        showError(itemForm, res.data.error || "Chưa lưu được.");
        state(itemForm, "Chưa lưu", true);
      } else {
        say(outForm, res.data.error || "Chưa lưu được.", true);
      }
    }).catch(function () {
      if (itemForm) state(itemForm, "Chưa lưu (mất kết nối?)", true);
      else say(outForm, "Chưa lưu được (mất kết nối?). Vui lòng thử lại.", true);
    });
  }

  document.querySelectorAll("form.appraise").forEach(function (form) {
    form.addEventListener("input", function () {
      dirty[form.getAttribute("data-item")] = true;
      state(form, "Chưa lưu", false);
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = ev.submitter;
      if (button && button.hasAttribute("data-agree-one")) {
        var body = new FormData();
        body.append("scope", "item");
        body.append("items", button.value);
        agree(button.getAttribute("formaction"), body, form, null);
      } else {
        saveItem(form);
      }
    });
  });

  document.querySelectorAll("form[data-agree]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      agree(form.getAttribute("action"), new FormData(form), null, form);
    });
  });

  window.addEventListener("beforeunload", function (ev) {
    if (Object.keys(dirty).length) { ev.preventDefault(); ev.returnValue = ""; }
  });
})();
