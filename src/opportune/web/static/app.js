// Opportune: keyboard shortcuts, inline-edit keys and messages for htmx responses.
(function () {
  "use strict";

  function isTyping(target) {
    return target.closest("input, textarea, select, [contenteditable='true'], [contenteditable='']");
  }

  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var item = document.createElement("div");
    item.className = "toast" + (kind === "error" ? " toast-error" : "");
    item.setAttribute("role", kind === "error" ? "alert" : "status");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.classList.add("is-leaving"); }, 4000);
    setTimeout(function () { item.remove(); }, 4600);
  }

  function cancelInlineEdit(form) {
    var cancel = form.querySelector("[data-cancel]");
    if (!cancel) return;
    // A key pressed the moment the editor arrives can beat htmx to the new button; process it
    // first (htmx skips a node it has already set up) so the cancel always reaches the server.
    if (window.htmx) window.htmx.process(cancel);
    cancel.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey) return;
    var target = event.target;
    var inline = target.closest && target.closest(".inline-edit, .close-form");
    if (event.key === "Escape" && inline) {
      event.preventDefault();
      cancelInlineEdit(inline);
      return;
    }
    if (event.key === "Enter" && inline && target.matches("select, input[type=checkbox]")) {
      event.preventDefault();
      inline.requestSubmit();
      return;
    }
    if (event.key === "Enter" && inline && target.matches("textarea") && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      inline.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || isTyping(target)) return;
    if (event.key === "/") {
      var search = document.getElementById("search");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    } else if (event.key === "n") {
      var link = document.querySelector("[data-shortcut='n']");
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    }
  });

  // Errors htmx does not swap (403, 404, 409, 500) appear as a message instead of silently.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var node = doc.querySelector("[data-error-message]");
    toast(node ? node.textContent.trim() : "Something went wrong (" + xhr.status + ")", "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Cannot reach the server. Check your connection and try again.", "error");
  });
  document.addEventListener("opportune:toast", function (event) {
    toast(event.detail && event.detail.value, "info");
  });

  // Behaviour named by data attributes instead of inline handlers (the Content-Security-Policy
  // allows no inline script): data-clear-panel empties the panel it names, data-history-back
  // goes back a page.
  document.addEventListener("click", function (event) {
    var clear = event.target.closest && event.target.closest("[data-clear-panel]");
    if (clear) {
      var panel = clear.closest(clear.getAttribute("data-clear-panel"));
      if (panel) panel.replaceChildren();
      return;
    }
    var back = event.target.closest && event.target.closest("[data-history-back]");
    if (back) {
      event.preventDefault();
      window.history.back();
    }
  });

  // Parts of a record page that refresh after any successful save listen for
  // "opportune:saved" (a filter in hx-trigger would need eval, which the CSP forbids).
  document.addEventListener("htmx:afterRequest", function (event) {
    var config = event.detail.requestConfig;
    if (config && config.verb === "post" && event.detail.xhr && event.detail.xhr.status === 200) {
      document.body.dispatchEvent(new CustomEvent("opportune:saved", { bubbles: true }));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("form-errors");
    if (summary) summary.focus();
  });
})();
