/* PerfectParser dashboard: small behaviours shared by every page (no inline scripts: CSP). */
(function () {
  "use strict";

  function csrfToken() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (el) return el.value;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  window.PP = window.PP || {};
  window.PP.csrfToken = csrfToken;

  document.addEventListener("change", function (event) {
    var select = event.target.closest("form[data-autosubmit] select");
    if (!select) return;
    if (select.value === "__new__") {
      window.location.href = "/organizations/new/";
      return;
    }
    select.form.submit();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          copy.textContent = "Copied";
          setTimeout(function () { copy.textContent = "Copy"; }, 1500);
        });
      }
    }
    var back = event.target.closest("[data-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
