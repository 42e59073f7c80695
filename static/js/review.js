/* Review page: reviewing by keyboard, line-item rows (add / remove), a warning before leaving
   unsaved edits. The shortcuts are listed on the page (review.html, "Keyboard"):
   - Enter / Shift+Enter in a one-line field, Alt+Down / Alt+Up anywhere, J / K outside a
     field: next / previous flagged field (extractions.flags: low confidence, a failing rule,
     required and empty). Its text is selected, so typing replaces it. After the last one
     comes the Approve button. Enter never submits (the form's default button is disabled).
   - Ctrl+Enter (Cmd+Enter): Approve (the server then opens the next document of the queue).
   - Ctrl+Z (Cmd+Z): undo the last correction, a whole field at a time; with nothing left to
     undo, back to the document approved just before (in the queue).
   A corrected value loses its low-confidence styling and the header counts follow. */
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) return;
  var dirty = false;
  var undoButton = form.querySelector("[data-undo]");

  function editable(el) {
    return !!el && el.form === form && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.type !== "hidden";
  }

  function typing(el) {
    return !!el && (/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) || el.isContentEditable);
  }

  function original(el) {
    if (el.tagName === "SELECT") {
      for (var i = 0; i < el.options.length; i++) if (el.options[i].defaultSelected) return el.options[i].value;
      return el.options.length ? el.options[0].value : "";
    }
    return el.defaultValue;
  }

  // --- Flagged fields, in form order -----------------------------------------------------

  function flaggedTargets() {
    var seen = [];
    form.querySelectorAll("[data-flagged]").forEach(function (entry) {
      var target = entry.querySelector("input, select, textarea") || entry.querySelector("[data-add-item]");
      if (target && seen.indexOf(target) < 0) seen.push(target);
    });
    return seen;
  }
  var targets = flaggedTargets();

  function show(el) {
    var field = el.closest("[data-field-path]") || el;
    el.focus({ preventScroll: true });
    field.scrollIntoView({ block: "nearest" });
    if (el.select && el.tagName !== "SELECT") el.select();
  }

  function move(step) {
    var approve = form.querySelector("[data-approve]");
    var active = document.activeElement;
    // A removed line-item row takes its flagged cells with it.
    targets = targets.filter(function (t) { return document.contains(t); });
    var list = targets.concat(approve ? [approve] : []);
    var index = list.indexOf(active);
    if (index < 0) {
      // Not on a flagged field: the first flagged one after (or before) the focus.
      var after = list.filter(function (t) {
        return active && active !== document.body && (active.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
      });
      var next = step > 0 ? after[0] : list[list.length - after.length - 1];
      if (!active || active === document.body) next = list[step > 0 ? 0 : list.length - 1];
      if (next) show(next);
      return;
    }
    var to = list[index + step];
    if (to) show(to);
  }

  // --- Corrections: styling, header counts, undo -----------------------------------------

  var undoStack = [];
  var focusValue = new WeakMap();

  function refresh(el) {
    var field = el.closest("[data-field-path]");
    if (!field) return;
    var corrected = el.value !== original(el);
    field.classList.toggle("corrected", corrected);
    if (field.hasAttribute("data-low")) {
      field.classList.toggle("low", !corrected && field.tagName === "TD");
      el.classList.toggle("low", !corrected);
      var badge = field.querySelector(".conf");
      if (badge) badge.classList.toggle("low", !corrected);
      var viewer = document.querySelector("[data-boxes]");
      var box = viewer && viewer.querySelector('.box[data-path="' + (window.CSS && CSS.escape ? CSS.escape(field.getAttribute("data-field-path")) : field.getAttribute("data-field-path")) + '"]');
      if (box) box.classList.toggle("low", !corrected);
    }
    counts();
  }

  function stillFlagged(field) {
    if (!field.hasAttribute("data-flagged")) return false;
    // A failing rule is only re-checked when saved; low confidence and required-and-empty
    // are answered by a person's value.
    if (field.hasAttribute("data-fails")) return true;
    var input = field.querySelector("input, select, textarea");
    if (!input) return true;
    return input.value === original(input) || input.value.trim() === "";
  }

  function counts() {
    var low = 0, flagged = 0;
    form.querySelectorAll("[data-field-path][data-low]").forEach(function (field) {
      var input = field.querySelector("input, select, textarea");
      if (!input || input.value === original(input)) low += 1;
    });
    form.querySelectorAll("[data-flagged]").forEach(function (field) {
      if (field.hasAttribute("data-field-path") ? stillFlagged(field) : true) flagged += 1;
    });
    var lowCount = document.querySelector("[data-low-count]");
    if (lowCount) lowCount.textContent = "(" + low + " below " + lowCount.getAttribute("data-low-count") + ")";
    var flaggedCount = document.querySelector("[data-flagged-count]");
    if (flaggedCount) flaggedCount.textContent = flagged + " flagged";
  }

  function record(el) {
    var before = focusValue.get(el);
    if (before !== undefined && before !== el.value) {
      undoStack.push({ el: el, before: before });
      focusValue.set(el, el.value);
    }
    if (undoButton) undoButton.disabled = undoStack.length === 0 && !pending();
  }

  function pending() {
    var el = document.activeElement;
    return editable(el) && focusValue.has(el) && focusValue.get(el) !== el.value;
  }

  function undo() {
    var el = document.activeElement;
    if (pending()) {
      el.value = focusValue.get(el);
    } else {
      var last;
      do { last = undoStack.pop(); } while (last && !document.contains(last.el));
      if (!last) {
        // Nothing left to undo here: back to the document approved just before (queue).
        var back = document.querySelector("[data-back-to-approved]");
        if (back && !dirty) window.location.assign(back.href);
        return;
      }
      el = last.el;
      el.value = last.before;
      focusValue.set(el, last.before);
      show(el);
    }
    refresh(el);
    if (undoButton) undoButton.disabled = undoStack.length === 0;
  }

  form.addEventListener("focusin", function (event) {
    if (editable(event.target) && !focusValue.has(event.target)) focusValue.set(event.target, event.target.value);
  });
  form.addEventListener("focusout", function (event) {
    if (editable(event.target)) record(event.target);
  });
  form.addEventListener("change", function (event) {
    if (editable(event.target)) record(event.target);
  });
  form.addEventListener("input", function (event) {
    dirty = true;
    if (editable(event.target)) refresh(event.target);
    if (undoButton) undoButton.disabled = false;
  });
  form.addEventListener("submit", function () { dirty = false; });
  if (undoButton) {
    undoButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
    undoButton.addEventListener("click", undo);
  }

  // --- Keys ----------------------------------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    if (event.isComposing || event.defaultPrevented) return;
    var el = event.target;
    var mod = event.ctrlKey || event.metaKey;
    if (event.key === "Enter" && mod) {
      var approve = form.querySelector("[data-approve]");
      if (!approve) return;
      event.preventDefault();
      form.requestSubmit(approve);
      return;
    }
    if (mod && !event.altKey && !event.shiftKey && (event.key === "z" || event.key === "Z")) {
      if (!typing(el) || editable(el)) {
        event.preventDefault();
        undo();
      }
      return;
    }
    if (event.altKey && !mod && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (event.key === "Enter" && !event.altKey && editable(el) && (el.tagName !== "TEXTAREA" || el.hasAttribute("data-oneline"))) {
      event.preventDefault();
      record(el);
      move(event.shiftKey ? -1 : 1);
      return;
    }
    if (!typing(el) && !mod && !event.altKey && (event.key === "j" || event.key === "k")) {
      event.preventDefault();
      move(event.key === "j" ? 1 : -1);
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  // The first flagged value gets the focus, which also shows its box on the page (boxes.js,
  // bound before this; review_viewer.js brings it into view at a readable size).
  document.addEventListener("DOMContentLoaded", function () {
    if (targets.length) show(targets[0]);
  });

  // --- Line-item rows --------------------------------------------------------------------

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
