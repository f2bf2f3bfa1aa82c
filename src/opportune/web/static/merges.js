// The merge page: "Take all values" checks every field's radio in that record's column,
// and choosing the record to keep highlights its column.
(function () {
  "use strict";

  function column(form, recordId) {
    return form.querySelectorAll('input[type="radio"][data-column="' + recordId + '"]');
  }

  function highlight(form) {
    var checked = form.querySelector("input[data-master-radio]:checked");
    form.querySelectorAll("th[data-record]").forEach(function (th) {
      th.classList.toggle("is-master", !!checked && th.dataset.record === checked.value);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-column]");
    if (!button) return;
    var form = button.closest("[data-merge-form]");
    if (!form) return;
    column(form, button.dataset.pickColumn).forEach(function (radio) { radio.checked = true; });
  });

  document.addEventListener("change", function (event) {
    if (!event.target.matches("input[data-master-radio]")) return;
    var form = event.target.closest("[data-merge-form]");
    if (form) highlight(form);
  });
})();
