/* Side panel (right-hand drawer) for add/edit forms, and selects searched on the server.
   Without JavaScript the same links open normal pages and the selects show their first options. */
(function () {
  "use strict";

  // The panel's markup may come after this script (lists include it last): look it up when needed.
  var panel = null;
  var backdrop = null;
  function find() {
    panel = document.getElementById("bo-panel");
    backdrop = document.getElementById("bo-panel-backdrop");
    return panel;
  }
  var dirty = false;
  var lastFocus = null;
  var REOPEN = "bo-reopen-panel";

  function withPanelParam(url) {
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "panel=1";
  }

  function body() { return panel && panel.querySelector("[data-panel-body]"); }

  function render(html) {
    body().innerHTML = html;
    dirty = false;
    var form = body().querySelector("form[data-panel-form]");
    if (form) { wireForm(form); }
    wireSearchSelects(body());
    var first = body().querySelector(".is-invalid") ||
      body().querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  }

  function show() {
    panel.hidden = false;
    if (backdrop) { backdrop.hidden = false; }
    document.body.classList.add("bo-panel-open");
  }

  function close(force) {
    if (!force && dirty) {
      var form = body().querySelector("form");
      var question = (form && form.getAttribute("data-unsaved")) || "Discard your unsaved changes?";
      if (!window.confirm(question)) { return; }
    }
    panel.hidden = true;
    if (backdrop) { backdrop.hidden = true; }
    body().innerHTML = "";
    dirty = false;
    document.body.classList.remove("bo-panel-open");
    if (lastFocus) { lastFocus.focus(); }
  }

  function open(url) {
    if (!find()) { window.location.href = url; return; }
    lastFocus = document.activeElement;
    fetch(withPanelParam(url), { credentials: "same-origin" }).then(function (r) {
      if (r.redirected) { window.location.href = r.url; return null; }
      return r.text();
    }).then(function (html) {
      if (html === null) { return; }
      show();  // shown first: a hidden panel's field can't take the focus
      render(html);
    });
  }

  function wireForm(form) {
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.querySelectorAll("[data-panel-close]").forEach(function (el) {
      el.addEventListener("click", function (ev) { ev.preventDefault(); close(false); });
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData(form);
      if (ev.submitter && ev.submitter.name) { data.append(ev.submitter.name, ev.submitter.value); }
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (r) {
          var next = r.headers.get("X-Redirect") || (r.redirected ? r.url : null);
          if (next) {
            var target = new URL(next, window.location.href);
            if (/\/new\/$/.test(target.pathname)) {
              // "Create and add another": back to the list, then the panel opens again.
              sessionStorage.setItem(REOPEN, target.pathname + target.search);
              var cancel = form.querySelector("a[data-panel-close]");
              window.location.href = cancel ? cancel.getAttribute("href") : target.href;
            } else {
              window.location.href = target.href;
            }
            return null;
          }
          return r.text();
        })
        .then(function (html) { if (html !== null) { render(html); dirty = true; } })
        .catch(function () { buttons.forEach(function (b) { b.disabled = false; }); });
    });
  }

  // The live search changes the address without reloading: come back to the list as it is now.
  function withCurrentReturn(href) {
    var url = new URL(href, window.location.href);
    if (url.searchParams.has("url")) {
      url.searchParams.set("url", window.location.pathname + window.location.search);
    }
    return url.pathname + url.search;
  }

  function wirePanelLinks(root) {
    root.querySelectorAll("a[data-panel]").forEach(function (link) {
      if (link.dataset.panelWired) { return; }
      link.dataset.panelWired = "1";
      link.addEventListener("click", function (ev) {
        if (!find()) { return; }
        ev.preventDefault();
        open(withCurrentReturn(link.getAttribute("href")));
      });
    });
  }

  // --- selects searched on the server -----------------------------------------------------------
  function debounce(fn, ms) {
    var t;
    return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); };
  }

  function wireSearchSelects(root) {
    root.querySelectorAll("select[data-search-url]").forEach(function (select) {
      if (select.dataset.searchWired) { return; }
      select.dataset.searchWired = "1";
      var input = document.createElement("input");
      input.type = "search";
      input.className = "form-control form-control-sm mb-1 bo-select-search";
      input.setAttribute("aria-label", select.getAttribute("data-search-label") || "Search");
      input.placeholder = select.getAttribute("data-search-label") || "";
      input.autocomplete = "off";
      select.parentNode.insertBefore(input, select);
      var run = debounce(function () {
        var url = select.getAttribute("data-search-url");
        url += (url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(input.value);
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
          var keep = {};
          Array.prototype.slice.call(select.options).forEach(function (opt) {
            if (opt.value === "" || opt.selected) { keep[opt.value] = true; } else { opt.remove(); }
          });
          (data.results || []).forEach(function (item) {
            var value = String(item.id);
            if (keep[value]) { return; }
            var opt = document.createElement("option");
            opt.value = value;
            opt.textContent = item.text;
            select.appendChild(opt);
          });
        });
      }, 250);
      input.addEventListener("input", run);
      input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); } });
    });
  }

  document.addEventListener("click", function (ev) {
    if (ev.target && ev.target.id === "bo-panel-backdrop") { close(false); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && panel && !panel.hidden) { close(false); }
  });

  wirePanelLinks(document);
  wireSearchSelects(document);
  // Lists re-rendered by the live search, and dialogs, bring new links and selects.
  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      m.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) { wirePanelLinks(node); wireSearchSelects(node); }
      });
    });
  }).observe(document.body, { childList: true, subtree: true });

  function reopenAfterLoad() {
    var reopen = sessionStorage.getItem(REOPEN);
    if (reopen && find()) {
      sessionStorage.removeItem(REOPEN);
      open(reopen);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reopenAfterLoad);
  } else {
    setTimeout(reopenAfterLoad, 0);
  }
})();
