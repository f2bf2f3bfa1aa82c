// Opportune: the convert dialog. htmx adds it to the page; this opens it as a modal,
// closes it, and removes it once closed so that the next one starts from fresh choices.
(function () {
  "use strict";

  document.addEventListener("htmx:load", function (event) {
    var dialog = event.detail.elt;
    if (!dialog.matches || !dialog.matches("dialog[data-convert-dialog]")) return;
    document.querySelectorAll("dialog[data-convert-dialog]").forEach(function (other) {
      if (other !== dialog) other.remove();
    });
    dialog.addEventListener("close", function () { dialog.remove(); });
    dialog.showModal();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-close-dialog]");
    var dialog = button && button.closest("dialog");
    if (dialog) dialog.close();
  });

  // Typing in a choice's own box (an account to search, an opportunity name) picks it.
  document.addEventListener("input", function (event) {
    var id = event.target.dataset && event.target.dataset.selects;
    var radio = id && document.getElementById(id);
    if (radio) radio.checked = true;
  });
})();
