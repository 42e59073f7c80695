/* Review page: opens on the first flagged field, line-item rows (add / remove), a warning
   before leaving unsaved edits, and the approve shortcut. Enter in a field submits nothing
   (the form's default button is disabled); Ctrl+Enter (Cmd+Enter) presses Approve. */
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) return;
  var dirty = false;

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing || !(event.ctrlKey || event.metaKey)) return;
    var approve = form.querySelector("[data-approve]");
    if (!approve) return;
    event.preventDefault();
    form.requestSubmit(approve);
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  // The first flagged value (extractions.flags: low confidence, a failing rule, required and
  // empty) gets the focus, which also shows its box on the page (boxes.js, bound before this).
  document.addEventListener("DOMContentLoaded", function () {
    var first = form.querySelector("[data-flagged]");
    if (!first) return;
    var input = first.querySelector("input, select, textarea");
    first.scrollIntoView({ block: "center" });
    if (input) input.focus({ preventScroll: true });
  });

  function nextIndex(table) {
    var max = -1;
    table.querySelectorAll("[data-field-path]").forEach(function (cell) {
      var m = cell.getAttribute("data-field-path").match(/\[(\d+)\](?!.*\[\d+\])/);
      if (m) max = Math.max(max, Number(m[1]));
    });
    return max + 1;
  }

  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-item]");
    if (add) {
      var group = add.closest("[data-table]");
      var table = group.querySelector("table");
      var template = group.querySelector("template[data-row-template]");
      var index = String(nextIndex(table));
      var html = template.innerHTML.split("__i__").join(index);
      var body = table.querySelector("tbody");
      body.insertAdjacentHTML("beforeend", html);
      var first = body.lastElementChild.querySelector("input, select");
      if (first) first.focus();
      dirty = true;
      return;
    }
    var remove = event.target.closest("[data-remove-item]");
    if (remove) {
      remove.closest("tr").remove();
      dirty = true;
    }
  });
})();
