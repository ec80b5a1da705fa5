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

  // Flask-Admin's templates use href="javascript:void(0)" on tabs, pager items and dropdown toggles; the CSP
  // would report following one as a violation, so such a click never navigates.
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest ? ev.target.closest("a[href^='javascript:']") : null;
    if (link) { ev.preventDefault(); }
  }, true);

  // Bulk actions (templates/admin/actions.html): Flask-Admin's inline onclick= moved here for the CSP.
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest ? ev.target.closest("[data-bo-action]") : null;
    if (!link) { return; }
    ev.preventDefault();
    if (window.modelActions) { window.modelActions.execute(link.getAttribute("data-bo-action")); }
  });

  // Language switch: submit on change.
  // (delegated, so that a form swapped in by the live search submits too: the customers list's group filter)
  document.addEventListener("change", function (ev) {
    var sel = ev.target;
    if (sel && sel.tagName === "SELECT" && sel.form && sel.form.classList.contains("bo-autosubmit")) { sel.form.submit(); }
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

  // Flask-Admin loads two dropdown plugins (Bootstrap 4.6 and its own 4.3 copy) and, at page load,
  // binds every existing toggle directly so only one of them answers (its multi-level hack). A list
  // swapped in later needs the same binding, or each click opens and at once closes the menu.
  function wireDropdowns(root) {
    var $ = window.jQuery;
    if (!$ || !$.fn.dropdown) { return; }
    $(root).find('.dropdown [data-toggle="dropdown"]').on("click", function (ev) {
      $(this).dropdown("toggle");
      ev.stopPropagation();
    });
  }

  // Live search: fetch the list as you type and swap it in; the URL keeps ?search=.
  document.querySelectorAll("form[data-live-search]").forEach(function (form) {
    var input = form.querySelector("input[name=search]");
    var latest = 0;  // answers can arrive out of order: only the newest request's list is shown
    var run = debounce(function () {
      var mine = ++latest;
      var params = new URLSearchParams(new FormData(form));
      if (!input.value) { params.delete("search"); }
      var url = form.getAttribute("action") + (params.toString() ? "?" + params.toString() : "");
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        if (mine !== latest) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-list-container]");
        var current = document.querySelector("[data-list-container]");
        if (fresh && current) {
          current.replaceWith(fresh);
          history.replaceState(null, "", url);
          wireDropdowns(fresh);
          // Parts of the page outside the list whose links carry the search (marked data-live-sync, with
          // an id): the customers list's filters and its CSV menu.
          document.querySelectorAll("[data-live-sync][id]").forEach(function (old) {
            var replacement = doc.getElementById(old.id);
            if (replacement) { old.replaceWith(replacement); wireDropdowns(replacement); wireDialogs(replacement); }
          });
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
    if (window.backofficePickers) { window.backofficePickers.wire(body); }
    var form = body.querySelector("form");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        // Redirects are not followed here: following one would show (and so use up) the flashed
        // message in a page nobody sees. The dialog's redirect goes back where Cancel leads.
        fetch(form.getAttribute("action"), {
          method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual"
        })
          .then(function (r) {
            var target = r.headers.get("X-Redirect");
            if (target) { window.location.href = target; return null; }
            if (r.type === "opaqueredirect") {
              var back = form.querySelector("a[data-dismiss=modal][href]");
              window.location.href = back ? back.href : window.location.href;
              return null;
            }
            return r.text();
          })
          .then(function (text) { if (text !== null) { showDialog(text); } });
      });
    }
    window.jQuery("#bo-dialog").modal("show");
    var first = body.querySelector("input:not([type=hidden]):not([tabindex='-1']), select:not(.tomselected), button[type=submit]");
    if (first) { setTimeout(function () { first.focus(); }, 200); }
  }

  function wireDialogs(root) {
    root.querySelectorAll("a[data-dialog]").forEach(function (link) {
      link.addEventListener("click", function (ev) {
        if (!document.getElementById("bo-dialog") || !window.jQuery) { return; }
        ev.preventDefault();
        var url = link.getAttribute("href");
        url += (url.indexOf("?") >= 0 ? "&" : "?") + "modal=1";
        fetch(url, { credentials: "same-origin", redirect: "manual" }).then(function (r) {
          // Refused (e.g. already deleted): the server flashed why; show it on this page.
          if (r.type === "opaqueredirect") { window.location.reload(); return null; }
          return r.text();
        }).then(function (html) { if (html !== null) { showDialog(html); } });
      });
    });
  }
  wireDialogs(document);

  // For content loaded later (the history timeline's next entries).
  window.backoffice = { wireDialogs: wireDialogs };
})();
