// Web-to-lead admin pages: copy the generated snippet, confirm deleting a form.
(function () {
  "use strict";

  function copyText(textarea) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(textarea.value);
    }
    // Plain http (a LAN install): the older API still copies a selected textarea.
    textarea.focus();
    textarea.select();
    var ok = document.execCommand && document.execCommand("copy");
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var textarea = document.querySelector(button.getAttribute("data-copy-target"));
    if (!textarea) return;
    var status = button.parentElement.querySelector(".wf-copy-status");
    copyText(textarea).then(function () {
      if (status) status.textContent = "Copied to the clipboard.";
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = "Copy HTML"; }, 2000);
    }, function () {
      textarea.focus();
      textarea.select();
      if (status) status.textContent = "Press Ctrl+C (⌘C on a Mac) to copy the selected HTML.";
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-wf-confirm]");
    if (form && !window.confirm(form.getAttribute("data-wf-confirm"))) {
      event.preventDefault();
    }
  });
})();
