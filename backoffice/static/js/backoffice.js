/* backoffice: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var t;
    return function () {
      var args = arguments, self = this;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  // Language switch: submit on change.
  document.querySelectorAll("form.bo-autosubmit select").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });

  // Typed confirmation: the button stays disabled until the text matches exactly.
  function wireConfirm(root) {
    root.querySelectorAll("input[data-confirm-text]").forEach(function (input) {
      var form = input.form;
      var button = form.querySelector("[data-needs-confirm]");
      if (!button) { return; }
      var check = function () { button.disabled = input.value !== input.getAttribute("data-confirm-text"); };
      input.addEventListener("input", check);
      check();
    });
  }
  wireConfirm(document);

  // Live search: fetch the list as you type and swap it in; the URL keeps ?search=.
  document.querySelectorAll("form[data-live-search]").forEach(function (form) {
    var input = form.querySelector("input[name=search]");
    var run = debounce(function () {
      var params = new URLSearchParams(new FormData(form));
      if (!input.value) { params.delete("search"); }
      var url = form.getAttribute("action") + (params.toString() ? "?" + params.toString() : "");
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-list-container]");
        var current = document.querySelector("[data-list-container]");
        if (fresh && current) {
          current.replaceWith(fresh);
          history.replaceState(null, "", url);
          wireDialogs(fresh);
        }
      });
    }, 300);
    input.addEventListener("input", run);
  });

  // Dialogs: a link marked data-dialog loads its confirmation form into a modal.
  function showDialog(html) {
    var body = document.querySelector("#bo-dialog [data-dialog-body]");
    body.innerHTML = html;
    wireConfirm(body);
    var form = body.querySelector("form");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
          .then(function (r) {
            if (r.redirected) { window.location.href = r.url; return null; }
            return r.text();
          })
          .then(function (text) { if (text !== null) { showDialog(text); } });
      });
    }
    window.jQuery("#bo-dialog").modal("show");
    var first = body.querySelector("input:not([type=hidden]), select, button[type=submit]");
    if (first) { setTimeout(function () { first.focus(); }, 200); }
  }

  function wireDialogs(root) {
    root.querySelectorAll("a[data-dialog]").forEach(function (link) {
      link.addEventListener("click", function (ev) {
        if (!document.getElementById("bo-dialog") || !window.jQuery) { return; }
        ev.preventDefault();
        var url = link.getAttribute("href");
        url += (url.indexOf("?") >= 0 ? "&" : "?") + "modal=1";
        fetch(url, { credentials: "same-origin" }).then(function (r) {
          if (r.redirected) { window.location.href = r.url; return null; }
          return r.text();
        }).then(function (html) { if (html !== null) { showDialog(html); } });
      });
    });
  }
  wireDialogs(document);
  // For content loaded later (the history timeline's next entries).
  window.backoffice = { wireDialogs: wireDialogs };
})();
