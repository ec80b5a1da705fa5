/* Pickers (backoffice/admin/pickers.py): every <select data-picker> becomes a Tom Select combobox that
   searches on the server as you type (data-search-url answers {"results": [{id, text}]}), picked with the
   arrow keys and Enter or the mouse. Texts come from data-* attributes (translated by the server).
   Without JavaScript the select stays a plain select of the first rows and the current choice. */
(function () {
  "use strict";

  function enhance(select) {
    if (select.tomselect || !window.TomSelect) { return; }
    var url = select.getAttribute("data-search-url");
    var limit = parseInt(select.getAttribute("data-limit") || "20", 10);
    var latest = 0;  // answers can arrive out of order: only the newest search fills the list
    // Bootstrap's custom-select styles a bare <select>; Tom Select's wrapper takes the select's classes.
    select.classList.remove("custom-select");
    select.classList.add("form-control");
    var settings = {
      valueField: "id",
      labelField: "text",
      searchField: ["text"],
      maxOptions: null,
      allowEmptyOption: false,
      placeholder: select.getAttribute("data-placeholder") || "",
      closeAfterSelect: true,
      // Focus alone (the side panel focusing a refused field) doesn't open the list over the message
      // beside the field; typing, the arrow keys or a click open it.
      openOnFocus: false,
      selectOnTab: false,
      render: {
        no_results: function () {
          return el("div", "no-results", select.getAttribute("data-no-results"));
        },
        loading: function () {
          return el("div", "spinner-border spinner-border-sm text-secondary m-2 bo-picker-loading",
                    select.getAttribute("data-loading"));
        },
        option: function (data, escape) {
          return "<div>" + escape(data.text) + "</div>";
        },
        item: function (data, escape) {
          return "<div>" + escape(data.text) + "</div>";
        }
      }
    };
    if (url) {
      // The server searches (name, e-mail, numbers with or without dashes): every answer is shown as it came,
      // in its order, so the local filter must not hide what the server matched on another column.
      settings.score = function () { return function () { return 1; }; };
      settings.shouldLoad = function () { return true; };
      settings.loadThrottle = 250;
      settings.preload = "focus";
      settings.load = function (query, callback) {
        var self = this;
        var mine = ++latest;
        var target = url + (url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(query);
        fetch(target, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            if (mine !== latest) { callback(); return; }
            var open = self.isOpen;
            self.clearOptions();  // keeps the chosen one; the list is now the answer to this search
            forgetUnlisted(self, select);
            var results = data.results || [];
            callback(results);
            // An answer that comes while the list is closed (the search emptied after a choice, a focus by
            // the keyboard) fills it for next time without opening it over the fields below.
            if (!open && self.isOpen) { self.close(false); }
            note(self, results.length >= limit);
          })
          .catch(function () { callback(); });
      };
    }
    var ts = new window.TomSelect(select, settings);
    var wasOpen = false;
    ts.control.addEventListener("mousedown", function () { wasOpen = ts.isOpen; });
    ts.control.addEventListener("click", function () {
      if (!wasOpen && !ts.isOpen && !ts.isDisabled) { ts.open(); }
    });
    // "Showing the first 20": said below the list when a search may have more matches.
    var more = el("div", "bo-picker-more small text-muted px-2 py-1", select.getAttribute("data-more"));
    more.hidden = true;
    ts.dropdown.appendChild(more);
    var form = select.form;
    if (form) {
      var fallback = form.parentNode.querySelectorAll("[data-picker-fallback]");
      fallback.forEach(function (node) { node.hidden = true; });
    }
  }

  // The select's own <option>s that the combobox no longer lists (it adds the chosen one back itself).
  function forgetUnlisted(ts, select) {
    Array.prototype.slice.call(select.options).forEach(function (option) {
      if (option.value !== "" && !Object.prototype.hasOwnProperty.call(ts.options, option.value)) { option.remove(); }
    });
  }

  function note(ts, show) {
    var more = ts.dropdown.querySelector(".bo-picker-more");
    if (more) { more.hidden = !show; }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text) { node.textContent = text; }
    if (/spinner/.test(className)) {
      node.setAttribute("role", "status");
      node.textContent = "";
      var label = document.createElement("span");
      label.className = "sr-only";
      label.textContent = text || "";
      node.appendChild(label);
    }
    return node;
  }

  function wire(root) {
    if (!root || !root.querySelectorAll) { return; }
    if (root.matches && root.matches("select[data-picker]")) { enhance(root); }
    root.querySelectorAll("select[data-picker]").forEach(enhance);
  }

  wire(document);
  // Side panels and dialogs are filled in later: they call wire() before they move the focus, and this
  // catches anything else added to the page.
  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      m.addedNodes.forEach(function (node) { if (node.nodeType === 1) { wire(node); } });
    });
  }).observe(document.body, { childList: true, subtree: true });

  window.backofficePickers = { wire: wire };
})();
