/* Timeline: load the next entries when "Load more" scrolls into view (the link works without this file). */
(function () {
  "use strict";
  var list = document.querySelector("[data-timeline]");
  if (!list) { return; }
  var loading = false;

  function load(item) {
    if (loading) { return; }
    var link = item.querySelector("a");
    if (!link) { return; }
    loading = true;
    var url = link.getAttribute("href");
    url += (url.indexOf("?") >= 0 ? "&" : "?") + "fragment=1";
    link.textContent = link.getAttribute("data-loading") || link.textContent;
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.text();
    }).then(function (html) {
      var box = document.createElement("template");
      box.innerHTML = html;
      item.remove();
      list.appendChild(box.content);
      if (window.backoffice && window.backoffice.wireDialogs) { window.backoffice.wireDialogs(list); }
      loading = false;
      watch();
    }).catch(function () { loading = false; window.location.href = link.getAttribute("href"); });
  }

  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (seen) {
    seen.forEach(function (e) { if (e.isIntersecting) { observer.unobserve(e.target); load(e.target); } });
  }, { rootMargin: "200px" }) : null;

  function watch() {
    var more = list.querySelector("[data-timeline-more]");
    if (!more) { return; }
    if (observer) { observer.observe(more); }
    more.querySelector("a").addEventListener("click", function (ev) { ev.preventDefault(); load(more); });
  }
  watch();
})();
