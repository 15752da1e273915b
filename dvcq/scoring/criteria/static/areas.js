// The area index of the long criteria pages: open as a sidebar on a wide screen, and the filters «chỉ mục bị trừ
// điểm» / «chỉ mục chưa xong» (items carry data-deducted / data-unfinished). Without this script the index is a list
// of links to unfold and every item is shown.
(function () {
  "use strict";
  var box = document.querySelector("[data-ai-box]");
  if (!box) return;
  if (window.matchMedia("(min-width: 1000px)").matches) box.open = true;
  var filters = box.querySelector("[data-ai-filters]");
  var count = box.querySelector("[data-ai-count]");
  filters.hidden = false;

  function apply(kind) {
    var shown = 0;
    document.querySelectorAll("[data-ai-block]").forEach(function (block) {
      var inBlock = 0;
      block.querySelectorAll("[data-ai-item]").forEach(function (item) {
        var keep = kind === "all" || item.getAttribute(kind === "deducted" ? "data-deducted" : "data-unfinished") === "1";
        item.hidden = !keep;
        if (keep) inBlock += 1;
      });
      block.querySelectorAll("[data-ai-heading]").forEach(function (h) { h.hidden = kind !== "all"; });
      block.hidden = inBlock === 0 && kind !== "all";
      shown += inBlock;
    });
    count.textContent = kind === "all" ? "" : (shown ? "Đang hiện " + shown + " mục." : "Không có mục nào như vậy.");
  }

  filters.addEventListener("change", function (ev) {
    if (ev.target.name === "ai-filter") apply(ev.target.value);
  });
  // On a phone the list closes once an area is chosen, so the page shows that area instead of the list.
  box.querySelectorAll(".ai-list a").forEach(function (a) {
    a.addEventListener("click", function () {
      if (!window.matchMedia("(min-width: 1000px)").matches) box.open = false;
    });
  });
  window.dvcqAreas = { refilter: function () {
    var picked = filters.querySelector("input[name=ai-filter]:checked");
    if (picked && picked.value !== "all") apply(picked.value);
  } };
})();
