/* Links values and their boxes drawn over page images: clicking a value scrolls to and
 * highlights its box; clicking a box highlights its value. Used by "try it" and the review. */
(function () {
  "use strict";
  window.PP = window.PP || {};

  function cssEscape(text) {
    return window.CSS && CSS.escape ? CSS.escape(text) : text.replace(/["\\]/g, "\\$&");
  }

  function activate(container, path, from) {
    container.querySelectorAll(".box.active, [data-field-path].active, td.cell-active").forEach(function (n) {
      n.classList.remove("active");
      n.classList.remove("cell-active");
    });
    if (!path) return;
    var box = container.querySelector('.box[data-path="' + cssEscape(path) + '"]');
    var field = container.querySelector('[data-field-path="' + cssEscape(path) + '"]');
    if (box) {
      box.classList.add("active");
      // A page that zooms (the review's viewer) takes over by cancelling "pp:show-box".
      var show = new CustomEvent("pp:show-box", { bubbles: true, cancelable: true });
      if (from !== "box" && box.dispatchEvent(show)) {
        box.scrollIntoView({ behavior: "smooth", block: "center", inline: "nearest" });
      }
    }
    if (field) {
      field.classList.add(field.tagName === "TD" ? "cell-active" : "active");
      if (from === "box") {
        field.scrollIntoView({ behavior: "smooth", block: "center" });
        var input = field.querySelector("input, select, textarea");
        if (input) input.focus({ preventScroll: true });
      }
    }
  }

  window.PP.bindBoxes = function (container) {
    if (!container || container.dataset.boxesBound) return;
    container.dataset.boxesBound = "1";
    container.addEventListener("click", function (event) {
      var box = event.target.closest(".box[data-path]");
      if (box) { activate(container, box.getAttribute("data-path"), "box"); return; }
      var field = event.target.closest("[data-field-path]");
      if (field) activate(container, field.getAttribute("data-field-path"), "field");
    });
    container.addEventListener("focusin", function (event) {
      var field = event.target.closest("[data-field-path]");
      if (field) activate(container, field.getAttribute("data-field-path"), "field");
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-boxes]").forEach(window.PP.bindBoxes);
  });
})();
