// Small behaviours every page shares (issue 17). The pages work without them.
(function () {
  "use strict";

  // A form's error summary takes focus, so a screen reader reads it first and a
  // keyboard user starts from its links to the faulty fields.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // The name menu closes on Escape (focus back on its button) and on a click outside it.
  var menu = document.querySelector("details.user-menu");
  if (menu) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  }
})();
