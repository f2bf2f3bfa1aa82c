// Assignment pages (issue 5): the rule editor's rows, confirmations, re-running assignment.
// Plain JS attached by data-attributes; the pages work without it (blank rows are posted
// and ignored, the order comes from the entries' "Order" inputs).
(function () {
  "use strict";

  // Forms with data-confirm ask first (delete a rule, re-run assignment).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-reassign")) copyFilters(form);
    if (form.hasAttribute("data-rule-form")) renumber(form);
  }, true);

  // The lead list's filters change without reloading the page: post the current ones.
  function copyFilters(form) {
    var source = document.querySelector(form.getAttribute("data-filters"));
    if (!source) return;
    form.querySelectorAll("[data-filter-copy]").forEach(function (input) { input.remove(); });
    new FormData(source).forEach(function (value, name) {
      if (typeof value !== "string" || !value.trim() || name === "cursor") return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      input.setAttribute("data-filter-copy", "");
      form.appendChild(input);
    });
  }

  function entries(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-entries] > [data-entry]"));
  }

  // Give every entry and condition consecutive names in the order they are shown.
  function renumber(form) {
    entries(form).forEach(function (entry, i) {
      entry.querySelectorAll("[name]").forEach(function (field) {
        field.name = field.name.replace(/^e[^_]+_/, "e" + i + "_");
        field.id = field.name;
      });
      entry.querySelectorAll("[data-criterion]").forEach(function (row, j) {
        row.querySelectorAll("[name]").forEach(function (field) {
          field.name = field.name.replace(/^(e\d+_)c\d+_/, "$1c" + j + "_");
          field.id = field.name;
        });
        row.querySelectorAll("label[for]").forEach(function (label, k) {
          var target = row.querySelectorAll("[name]")[k];
          if (target) label.htmlFor = target.id;
        });
      });
      var number = entry.querySelector("[data-entry-number]");
      if (number) number.textContent = String(i + 1);
      var order = entry.querySelector("[data-order]");
      if (order) order.value = String(i + 1);
      entry.querySelectorAll(".asg-entry-tools label[for], .asg-assignee label[for]").forEach(function (label) {
        var field = label.parentElement.querySelector("[name]");
        if (field) label.htmlFor = field.id;
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button") : null;
    if (!button) return;
    var form = button.closest("[data-rule-form]");
    if (!form) return;
    var entry = button.closest("[data-entry]");
    if (button.hasAttribute("data-add-criterion") && entry) {
      var rows = entry.querySelectorAll("[data-criterion]");
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; input.removeAttribute("aria-invalid"); });
      copy.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; select.removeAttribute("aria-invalid"); });
      entry.querySelector("[data-criteria]").appendChild(copy);
      renumber(form);
      copy.querySelector("select").focus();
    } else if (button.hasAttribute("data-remove-criterion")) {
      var row = button.closest("[data-criterion]");
      var siblings = row.parentElement.querySelectorAll("[data-criterion]");
      if (siblings.length > 1) row.remove();
      else row.querySelectorAll("input, select").forEach(function (f) { if (f.tagName === "SELECT") f.selectedIndex = 0; else f.value = ""; });
      renumber(form);
    } else if (button.hasAttribute("data-add-entry")) {
      var template = form.querySelector("template[data-entry-template]");
      var fresh = template.content.firstElementChild.cloneNode(true);
      form.querySelector("[data-entries]").appendChild(fresh);
      renumber(form);
      fresh.querySelector("select").focus();
    } else if (button.hasAttribute("data-remove-entry") && entry) {
      entry.remove();
      renumber(form);
    } else if (button.hasAttribute("data-move") && entry) {
      var up = button.getAttribute("data-move") === "up";
      var other = up ? entry.previousElementSibling : entry.nextElementSibling;
      if (other && other.hasAttribute("data-entry")) {
        if (up) other.before(entry); else other.after(entry);
        renumber(form);
        button.focus();
      }
    }
  });
})();
