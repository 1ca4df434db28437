// Pasar Sentra: behaviour that the Content-Security-Policy lets us run (no inline script).
(function () {
  "use strict";
  // Destructive buttons ask first: <form data-confirm="Are you sure?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);
  // Decision forms: the reason box is required only for decisions that need one.
  document.querySelectorAll("[data-reason-required]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.form;
      var reason = form && form.querySelector("textarea[name=reason]");
      if (reason) {
        reason.required = button.getAttribute("data-reason-required") === "true";
      }
    });
  });
})();
