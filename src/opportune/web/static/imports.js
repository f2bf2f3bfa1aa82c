// Import pages: confirm destructive forms, show progress on long submits.
(function () {
  "use strict";

  // <form data-import-confirm="Question?"> asks before it submits (revert an import).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-import-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Uploads can take a while: say so on the button and stop double submits.
    var button = form.querySelector("button[data-busy-text]");
    if (button && !form.hasAttribute("hx-post")) {
      button.textContent = button.getAttribute("data-busy-text");
      button.setAttribute("aria-disabled", "true");
      form.addEventListener("submit", function (again) { again.preventDefault(); }, { once: true });
    }
  });

  // A column mapped by hand or ignored: grey out ignored columns at once.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.classList.contains("map-select")) {
      select.classList.toggle("is-ignored", select.value === "");
    }
  });
})();
