/* Editable table rows: "add" clones the last row with empty inputs, "remove" deletes a row
 * (the last one is emptied instead, so there is always one to fill). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var body = document.querySelector(add.getAttribute("data-add-row"));
      var last = body && body.querySelector("[data-row]:last-of-type");
      if (!last) return;
      var copy = last.cloneNode(true);
      copy.querySelectorAll("input").forEach(function (i) { i.value = ""; });
      copy.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
      copy.querySelectorAll(".errorlist").forEach(function (e) { e.remove(); });
      body.appendChild(copy);
      var first = copy.querySelector("input");
      if (first) first.focus();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("[data-row]");
      if (row.parentNode.querySelectorAll("[data-row]").length > 1) row.remove();
      else row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    }
  });
})();
