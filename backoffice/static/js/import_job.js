/* An import job's page while its dry run or its import is queued or running (admin/customer_import.py): ask the job's status
   every second, move the progress bar, and reload the page for its report when the job has ended. Without this
   file the page still shows where the job stood when it was opened (and a link to look again). */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-import-status");
  var bar = box.querySelector("[role=progressbar]");
  var text = box.querySelector(".bo-import-progress-text");
  var waiting = box.querySelector(".bo-import-waiting");
  var every = 1000;

  function show(status) {
    bar.setAttribute("aria-valuemax", String(status.total));
    bar.setAttribute("aria-valuenow", String(status.done));
    bar.setAttribute("aria-valuetext", status.label);
    bar.style.width = status.percent + "%";
    text.textContent = status.label;
    if (waiting) { waiting.hidden = !status.waiting; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
      if (r.status === 403 || r.status === 404 || r.redirected) { window.location.reload(); return null; }
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (status) {
      if (status === null) { return; }
      if (status.state !== "checking" && status.state !== "queued" && status.state !== "running") {
        window.location.reload();  // checked, done or failed: the page shows its report
        return;
      }
      show(status);
      window.setTimeout(poll, every);
    }).catch(function () {
      window.setTimeout(poll, every * 5);  // a hiccup (the server restarting): try again a little later
    });
  }
  window.setTimeout(poll, every);
})();
