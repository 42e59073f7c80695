/* The review page's image viewer: zoom (Ctrl + wheel, the + / − buttons and keys, fit width),
   pan (drag, or the scroll bars), rotate a quarter turn; and the selected field's box brought
   into view at a readable size (boxes.js asks with a cancelable "pp:show-box" event).

   Zoom is relative to "fit width" (1 = the page as wide as the viewer). Pages are laid out in
   pixels here rather than scaled with a CSS transform, so the boxes (placed in % of their page)
   follow, the scroll bars are right, and the image is drawn at its real resolution. */
(function () {
  "use strict";
  var MIN_ZOOM = 0.25;
  var MAX_ZOOM = 6;
  var STEP = 1.25;
  // A box around a line of print this tall on screen reads comfortably (about 14 px text).
  var READABLE_PX = 20;
  var DEFAULT_RATIO = 297 / 210; // A4, until the image tells its own

  var viewer = document.querySelector("[data-viewer]");
  if (!viewer) return;
  var level = document.querySelector("[data-zoom-level]");
  var state = { zoom: 1, rotation: 0 };

  function ratioOf(page) {
    var w = parseFloat(page.getAttribute("data-w"));
    var h = parseFloat(page.getAttribute("data-h"));
    if (w > 0 && h > 0) return h / w;
    var img = page.querySelector("img");
    if (img && img.naturalWidth) return img.naturalHeight / img.naturalWidth;
    return DEFAULT_RATIO;
  }

  function innerWidth() {
    var style = getComputedStyle(viewer);
    return viewer.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  }

  function layout() {
    var width = Math.max(60, innerWidth() * state.zoom);
    var quarter = state.rotation % 180 !== 0;
    viewer.querySelectorAll("[data-slot]").forEach(function (slot) {
      var page = slot.querySelector(".page");
      var ratio = ratioOf(page);
      // Turned a quarter, the page's height is what spans the width.
      var pageW = quarter ? width / ratio : width;
      var pageH = pageW * ratio;
      var slotH = quarter ? pageW : pageH;
      slot.style.width = width + "px";
      slot.style.height = slotH + "px";
      page.style.width = pageW + "px";
      page.style.height = pageH + "px";
      page.style.left = (width - pageW) / 2 + "px";
      page.style.top = (slotH - pageH) / 2 + "px";
      page.style.transform = state.rotation ? "rotate(" + state.rotation + "deg)" : "";
    });
    if (level) level.textContent = Math.round(state.zoom * 100) + "%";
    viewer.setAttribute("data-zoom", state.zoom.toFixed(3));
    viewer.setAttribute("data-rotation", String(state.rotation));
  }

  // Zoom keeping the point under (clientX, clientY) — the viewer's centre by default — in place.
  function zoomTo(zoom, clientX, clientY) {
    zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
    var rect = viewer.getBoundingClientRect();
    var x = (clientX === undefined ? rect.left + viewer.clientWidth / 2 : clientX) - rect.left;
    var y = (clientY === undefined ? rect.top + viewer.clientHeight / 2 : clientY) - rect.top;
    var factor = zoom / state.zoom;
    var contentX = viewer.scrollLeft + x;
    var contentY = viewer.scrollTop + y;
    state.zoom = zoom;
    layout();
    viewer.scrollLeft = contentX * factor - x;
    viewer.scrollTop = contentY * factor - y;
  }

  function fit() {
    state.zoom = 1;
    layout();
    viewer.scrollLeft = 0;
  }

  function rotate() {
    var top = viewer.scrollTop / Math.max(1, viewer.scrollHeight);
    state.rotation = (state.rotation + 90) % 360;
    layout();
    viewer.scrollTop = top * viewer.scrollHeight;
  }

  // The selected field's box: zoomed until it reads (never zoomed out), then centred.
  function showBox(box) {
    var tall = box.offsetHeight;
    if (tall > 0 && tall < READABLE_PX && state.zoom < MAX_ZOOM) {
      state.zoom = Math.min(MAX_ZOOM, state.zoom * (READABLE_PX / tall));
      layout();
    }
    var rect = viewer.getBoundingClientRect();
    var b = box.getBoundingClientRect();
    viewer.scrollLeft += b.left + b.width / 2 - (rect.left + viewer.clientWidth / 2);
    viewer.scrollTop += b.top + b.height / 2 - (rect.top + viewer.clientHeight / 2);
  }

  document.addEventListener("pp:show-box", function (event) {
    if (!viewer.contains(event.target)) return;
    event.preventDefault();
    showBox(event.target);
  });

  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var how = button.getAttribute("data-zoom");
      if (how === "fit") fit();
      else zoomTo(how === "in" ? state.zoom * STEP : state.zoom / STEP);
    });
  });
  document.querySelectorAll("[data-rotate]").forEach(function (button) {
    button.addEventListener("click", rotate);
  });

  viewer.addEventListener("wheel", function (event) {
    if (!event.ctrlKey && !event.metaKey) return; // a plain wheel scrolls
    event.preventDefault();
    zoomTo(state.zoom * (event.deltaY < 0 ? STEP : 1 / STEP), event.clientX, event.clientY);
  }, { passive: false });

  // Pan by dragging; a click without a move still selects a box.
  var drag = null;
  viewer.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, left: viewer.scrollLeft, top: viewer.scrollTop, moved: false };
  });
  window.addEventListener("pointermove", function (event) {
    if (!drag) return;
    var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    viewer.classList.add("panning");
    viewer.scrollLeft = drag.left - dx;
    viewer.scrollTop = drag.top - dy;
  });
  var panned = 0;
  window.addEventListener("pointerup", function () {
    if (drag && drag.moved) {
      panned = Date.now();
      viewer.classList.remove("panning");
    }
    drag = null;
  });
  // Swallow the click that ends a drag, so a pan never selects a box.
  viewer.addEventListener("click", function (event) {
    if (Date.now() - panned < 300) { event.stopPropagation(); event.preventDefault(); }
  }, true);

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (el && (/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) || el.isContentEditable)) return;
    if (event.key === "+" || event.key === "=") zoomTo(state.zoom * STEP);
    else if (event.key === "-" || event.key === "−") zoomTo(state.zoom / STEP);
    else if (event.key === "0") fit();
    else if (event.key === "r" || event.key === "R") rotate();
    else return;
    event.preventDefault();
  });

  viewer.querySelectorAll("img").forEach(function (img) {
    img.addEventListener("load", function () {
      if (!img.closest(".page").hasAttribute("data-w")) layout();
    });
  });
  window.addEventListener("resize", layout);
  layout();
})();
