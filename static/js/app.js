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
  // The listing form: the band in force follows the chosen product type (data-bands on #price-band).
  var band = document.querySelector("[data-testid=price-band]");
  var productType = document.getElementById("product_type_id");
  if (band && productType) {
    var texts = JSON.parse(band.getAttribute("data-bands") || "{}");
    productType.addEventListener("change", function () {
      band.textContent = productType.value ? (texts[productType.value] || band.getAttribute("data-none")) : "";
    });
  }
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
  // A table wider than the screen scrolls sideways in its .table-responsive box: that box takes the keyboard
  // focus then, so the arrow keys scroll it too (WCAG 2.1.1). Wide screens keep one tab stop less.
  function focusableWhenScrolling() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }
  focusableWhenScrolling();
  window.addEventListener("load", focusableWhenScrolling);
  window.addEventListener("resize", focusableWhenScrolling);
})();
