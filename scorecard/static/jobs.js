// Live progress of background jobs: polls each running job's status (JSON) and moves its bar;
// reloads the page once the job has finished, so the server shows the download or the errors.
// Without this script the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var POLL_MS = 1000;

  function field(panel, name) {
    return panel.querySelector('[data-job-field="' + name + '"]');
  }

  function show(panel, status) {
    var text = field(panel, "text");
    var left = field(panel, "time_left");
    var badge = field(panel, "status_text");
    if (text) { text.textContent = status.text; }
    if (left) { left.textContent = status.time_left || ""; }
    if (badge) {
      badge.textContent = status.status_text;
      badge.className = "badge job-badge job-badge-" + status.status;
    }
    var bar = panel.querySelector(".job-bar");
    if (!bar) { return; }
    var inner = bar.querySelector(".progress-bar");
    var known = status.percent !== null && status.percent !== undefined;
    inner.style.width = (known ? status.percent : 100) + "%";
    inner.classList.toggle("progress-bar-striped", !known);
    inner.classList.toggle("progress-bar-animated", !known);
    if (known) { bar.setAttribute("aria-valuenow", String(status.percent)); }
    else { bar.removeAttribute("aria-valuenow"); }
    bar.setAttribute("aria-valuetext", status.text);
  }

  function follow(panel) {
    var url = panel.getAttribute("data-job-status-url");
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (status) {
          show(panel, status);
          if (status.finished) { window.location.reload(); } else { window.setTimeout(poll, POLL_MS); }
        })
        .catch(function () { window.setTimeout(poll, POLL_MS * 5); });
    }
    window.setTimeout(poll, POLL_MS);
  }

  // A start button stays disabled while a job for the chosen quarter and teams runs.
  function guard(form) {
    var running = JSON.parse(form.getAttribute("data-running-jobs") || "[]");
    var button = form.querySelector('button[type="submit"]');
    var note = form.querySelector("[data-running-note]");
    function check() {
      var values = {};
      Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
        values[select.name] = select.value;
      });
      var busy = running.some(function (job) {
        return Object.keys(job).every(function (key) { return (values[key] || "") === (job[key] || ""); });
      });
      button.disabled = busy;
      if (note) { note.hidden = !busy; }
    }
    form.addEventListener("change", check);
    check();
  }

  document.querySelectorAll('[data-job-status-url][data-job-finished="false"]').forEach(follow);
  document.querySelectorAll("form[data-running-jobs]").forEach(guard);
})();
