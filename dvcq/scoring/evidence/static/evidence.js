// Evidence upload: say a file is too big before sending it over a slow line (the server checks again).
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      input.setCustomValidity(file && file.size > max ? input.getAttribute("data-too-large") : "");
      input.reportValidity();
    });
    var form = input.form;
    if (form) {
      form.addEventListener("submit", function (ev) {
        if (!input.checkValidity()) { ev.preventDefault(); input.reportValidity(); }
      });
    }
  });
})();
