// Duplicates pages: confirm before deleting a rule, and show that a scan is running.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-dup-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var busy = form.getAttribute("data-dup-busy");
    if (busy) {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        // Disabled after the submit is dispatched, so the browser still sends the form.
        window.setTimeout(function () {
          button.disabled = true;
          button.textContent = busy;
        }, 0);
      }
    }
  });
})();
