// Bulk search progress: polls the job's status.json and updates the bar, the counts and
// the download link without reloading the page. Without JavaScript the page still shows
// the progress at the time it was loaded and a Refresh link.
(function () {
  "use strict";

  var panel = document.querySelector("[data-bulk-status-url]");
  if (!panel) {
    return;
  }
  var ACTIVE = ["queued", "running"];
  var POLL_MS = 1000;
  var RETRY_MS = 5000;
  var url = panel.getAttribute("data-bulk-status-url");

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    var element = byId(id);
    if (element) {
      element.textContent = text;
    }
  }

  function show(state) {
    var bar = byId("bulk-progress");
    bar.max = Math.max(state.total_rows, 1);
    bar.value = state.status === "done" ? bar.max : state.processed;
    bar.textContent = state.percent + " %";
    setText("bulk-percent", state.percent + " %");
    setText("bulk-processed", state.processed.toLocaleString("en-GB"));
    setText("bulk-matched", state.matched.toLocaleString("en-GB"));
    var status = byId("bulk-status");
    status.textContent = state.status_display;
    status.className = "status status-" + state.status;
    panel.setAttribute("data-status", state.status);

    if (ACTIVE.indexOf(state.status) !== -1) {
      return;
    }
    var active = byId("bulk-active");
    if (active) {
      active.hidden = true;
    }
    if (state.status === "done" && state.result_download_url) {
      var download = byId("bulk-download");
      download.querySelector("a").href = state.result_download_url;
      download.hidden = false;
      if (state.stopped_reason) {
        setText("bulk-stopped-reason", state.stopped_reason);
        byId("bulk-stopped").hidden = false;
      }
    } else if (state.status === "failed") {
      setText("bulk-failure-reason", state.failure_reason);
      byId("bulk-failure").hidden = false;
    } else if (state.status === "cancelled") {
      byId("bulk-cancelled").hidden = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (ACTIVE.indexOf(state.status) !== -1) {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(poll, RETRY_MS);
      });
  }

  if (ACTIVE.indexOf(panel.getAttribute("data-status")) !== -1) {
    window.setTimeout(poll, POLL_MS);
  }
})();
