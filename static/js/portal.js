// Small behaviours every page shares (issue 17). The pages work without them.
(function () {
  "use strict";

  // A form's error summary takes focus, so a screen reader reads it first and a
  // keyboard user starts from its links to the faulty fields.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // The name menu closes on Escape (focus back on its button) and on a click outside it.
  var menu = document.querySelector("details.user-menu");
  if (menu) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  }
})();

// The idle-timeout warning: a dialog some minutes before the session would end, with
// "Stay logged in" (a POST the server counts as activity). Without JavaScript the
// session simply ends and the login page says why.
(function () {
  "use strict";

  var dialog = document.getElementById("timeout-dialog");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var idle = Number(dialog.getAttribute("data-idle-seconds"));
  var lead = Math.min(Number(dialog.getAttribute("data-warning-seconds")), idle / 2);
  var left = dialog.querySelector("[data-timeout-left]");
  var warnTimer, endTimer, tick, endsAt;

  function describe(seconds) {
    if (seconds >= 60) {
      var minutes = Math.round(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    clearInterval(tick);
    endsAt = Date.now() + idle * 1000;
    warnTimer = setTimeout(warn, (idle - lead) * 1000);
    // At the end the server has ended the session: reload, and the login page says so.
    endTimer = setTimeout(function () { window.location.reload(); }, idle * 1000 + 1000);
  }

  function warn() {
    left.textContent = describe(Math.round(lead));
    dialog.showModal();
    dialog.querySelector("[data-timeout-stay]").focus();
    // Update the words once a minute, then every 20 seconds, not every second: a screen
    // reader is not interrupted by a running clock.
    tick = setInterval(function () {
      var seconds = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      left.textContent = describe(seconds >= 60 ? seconds : Math.ceil(seconds / 20) * 20);
    }, 20000);
  }

  function stay() {
    var body = new FormData();
    if (csrf) {
      body.append("csrfmiddlewaretoken", csrf.value);
    }
    fetch(dialog.getAttribute("data-keep-alive-url"), {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual"
    }).then(function (response) {
      if (response.status === 204) {
        dialog.close();
        schedule();
      } else {
        window.location.reload();
      }
    }, function () { window.location.reload(); });
  }

  dialog.querySelector("[data-timeout-stay]").addEventListener("click", stay);
  // Escape closes a modal dialog; take that as "stay logged in" too.
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    stay();
  });
  schedule();
})();

// A pasted bulk list survives the session ending: the browser keeps a copy in this tab
// until a bulk search has been started from it.
(function () {
  "use strict";

  var KEY = "ecoes-bulk-list";
  if (document.querySelector("[data-bulk-status-url]")) {
    window.sessionStorage.removeItem(KEY);  // a job page: the list was sent
    return;
  }
  var list = document.querySelector("textarea[data-keep-draft]");
  if (!list) {
    return;
  }
  var kept = window.sessionStorage.getItem(KEY);
  if (kept && !list.value.trim()) {
    list.value = kept;
    var note = document.getElementById("draft-restored");
    if (note) {
      note.hidden = false;
    }
  }
  list.addEventListener("input", function () {
    window.sessionStorage.setItem(KEY, list.value);
  });
})();

// Copy buttons (the two-factor secret): copy the field's text, say so in a status line.
(function () {
  "use strict";

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      var text = source.value || source.textContent;
      if (button.hasAttribute("data-copy-strip-spaces")) {
        text = text.replace(/\s+/g, "");
      }
      var status = button.closest(".field").querySelector("[data-copy-status]");
      var done = function () { if (status) { status.textContent = "Copied."; } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () {
          source.select();
        });
      } else {
        source.select();  // the user copies the selection themselves
        if (status) { status.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy."; }
      }
    });
  });
})();
