/* A job's status page, kept up to date without reloading: progressive enhancement only.
   Without this script the page refreshes itself (a <meta http-equiv="refresh"> inside
   <noscript>) and shows the same progress, status and download (or open) link, rendered by the
   server. The status text is a live region, so its changes are announced. */
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || !job.hasAttribute("data-polling")) { return; }
  var url = job.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var status = document.getElementById("job-status");
  var result = document.getElementById("job-result");
  var EVERY_MS = 1500;

  function offer(id, href, text) {
    var p = document.createElement("p");
    var link = document.createElement("a");
    link.className = "button";
    link.id = id;
    link.href = href;
    link.textContent = text;
    p.appendChild(link);
    result.appendChild(p);
  }

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    percent.textContent = data.percent + "%";
    if (status.textContent !== data.status_text) { status.textContent = data.status_text; }
    if (!data.finished) { return false; }
    var note = document.getElementById("job-refresh-note");
    if (note) { note.parentNode.removeChild(note); }
    if (data.open_url) {
      offer("job-open", data.open_url, "Open " + data.result_name);
    } else if (data.download_url) {
      offer("job-download", data.download_url, "Download " + data.result_name);
    }
    return true;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) { if (!show(data)) { window.setTimeout(poll, EVERY_MS); } })
      .catch(function () { window.setTimeout(poll, EVERY_MS * 4); });
  }

  window.setTimeout(poll, EVERY_MS);
}());
