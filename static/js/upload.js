/* Extract page: drag-and-drop, one upload per file (each is staged and its pages counted on
 * the server), then the quote is refreshed (htmx, "staged" event). */
(function () {
  "use strict";
  var form = document.getElementById("extract-form");
  if (!form) return;
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("file-input");
  var list = document.getElementById("file-list");
  var stageUrl = form.getAttribute("data-stage-url");
  var pending = 0;

  function refreshQuote() {
    if (window.htmx) window.htmx.trigger(document.body, "staged");
  }

  function row(name) {
    var li = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = name;
    var state = document.createElement("span");
    state.className = "muted";
    state.innerHTML = '<span class="spinner"></span> counting pages…';
    li.appendChild(label);
    li.appendChild(state);
    list.appendChild(li);
    return { li: li, state: state };
  }

  function removeButton(name) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm btn-ghost";
    b.setAttribute("data-remove-file", "");
    b.setAttribute("aria-label", "Remove " + name);
    b.textContent = "✕";
    return b;
  }

  function upload(file) {
    var r = row(file.name);
    var body = new FormData();
    body.append("file", file);
    pending++;
    setBusy();
    fetch(stageUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": window.PP.csrfToken() }
    }).then(function (res) {
      return res.json().then(function (json) { return [res.ok, json]; });
    }).then(function (result) {
      var ok = result[0], json = result[1];
      if (!ok) {
        r.li.classList.add("alert-error");
        r.li.setAttribute("data-error-code", json.error.code);
        r.state.className = "";
        r.state.textContent = json.error.message;
        r.state.appendChild(removeButton(file.name));
        return;
      }
      r.li.setAttribute("data-file-id", json.file_id);
      r.state.textContent = json.page_count + " page" + (json.page_count === 1 ? "" : "s") + " ";
      r.state.appendChild(removeButton(json.filename));
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "file_ids";
      hidden.value = json.file_id;
      r.li.appendChild(hidden);
    }).catch(function () {
      r.state.textContent = "Upload failed; try again.";
    }).then(function () {
      pending--;
      setBusy();
      refreshQuote();
    });
  }

  function setBusy() {
    form.classList.toggle("is-uploading", pending > 0);
    form.querySelectorAll("button[type=submit], [form=extract-form][type=submit]").forEach(function (b) {
      if (pending > 0) b.setAttribute("aria-busy", "true"); else b.removeAttribute("aria-busy");
    });
  }

  function addFiles(files) {
    Array.prototype.forEach.call(files, upload);
  }

  input.addEventListener("change", function () {
    addFiles(input.files);
    input.value = "";
  });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("is-over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.remove("is-over");
    });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files) addFiles(event.dataTransfer.files);
  });
  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-file]");
    if (!button) return;
    button.closest("li").remove();
    refreshQuote();
  });
  form.addEventListener("submit", function (event) {
    if (pending > 0) { event.preventDefault(); return; }
    var submit = document.querySelector("[data-testid=confirm-extract]");
    if (submit) { submit.disabled = true; submit.textContent = "Starting…"; }
  });
})();
