/* The customer card's fields (templates/admin/customers/_card_fields.html), in the side panel or on the
   form page: "+ Add visiting address" / "+ Add mail address" and their "Remove" act in the page (without
   JavaScript they are submit buttons that show the form again); the discount letters field becomes a Tom
   Select that suggests the codes in use (data-search-url) and takes new ones. */
(function () {
  "use strict";

  function toggle(box, present) {
    var form = box.closest("form");
    var flag = form && form.querySelector("input[name='" + box.getAttribute("data-flag") + "']");
    if (flag) { flag.value = present ? "1" : ""; }
    var fields = box.querySelector(".bo-address-fields");
    var add = box.querySelector("[data-address-add]");
    fields.hidden = !present;
    add.hidden = present;
    if (present) {
      var first = fields.querySelector("input:not([type=hidden])");
      if (first) { first.focus(); }
    } else {
      fields.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      add.focus();
    }
    if (form) { form.dispatchEvent(new Event("change", { bubbles: true })); }
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target && ev.target.closest && ev.target.closest("[data-address-add], [data-address-remove]");
    if (!button) { return; }
    var box = button.closest("[data-address]");
    if (!box) { return; }
    ev.preventDefault();
    toggle(box, button.hasAttribute("data-address-add"));
  });

  function enhance(input) {
    if (input.tomselect || !window.TomSelect) { return; }
    var url = input.getAttribute("data-search-url");
    input.classList.add("form-control");
    new window.TomSelect(input, {
      create: function (text) { return { id: text.trim().toUpperCase(), text: text.trim().toUpperCase() }; },
      createFilter: /^[A-Za-z0-9]{1,8}$/,
      delimiter: ",",
      persist: false,
      valueField: "id",
      labelField: "text",
      searchField: ["text"],
      openOnFocus: true,
      preload: "focus",
      plugins: ["remove_button"],
      render: {
        option_create: function (data, escape) {
          return "<div class='create'>" + escape(input.getAttribute("data-add") || "Add") + " <strong>" +
            escape(data.input.toUpperCase()) + "</strong></div>";
        },
        no_results: function () {
          var div = document.createElement("div");
          div.className = "no-results";
          div.textContent = input.getAttribute("data-no-results") || "";
          return div;
        }
      },
      load: function (query, callback) {
        if (!url) { callback(); return; }
        fetch(url + (url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(query),
              { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { callback(data.results || []); })
          .catch(function () { callback(); });
      }
    });
  }

  function wire(root) {
    if (root.querySelectorAll) { root.querySelectorAll("input[data-codes]").forEach(enhance); }
  }
  wire(document);
  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      m.addedNodes.forEach(function (node) { if (node.nodeType === 1) { wire(node); } });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
