// Keep a job's page up to date: ask for its progress every second until it ends.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || !box.dataset.poll) { return; }
  var bar = box.querySelector("[data-field=bar]");
  var fill = box.querySelector("[data-field=fill]");
  var label = box.querySelector("[data-field=status_label]");
  var stage = box.querySelector("[data-field=stage]");
  function show(state) {
    var percent = Math.round(state.progress * 100);
    fill.style.width = percent + "%";
    fill.textContent = percent + "%";
    bar.setAttribute("aria-valuenow", String(percent));
    if (label.textContent !== state.status_label) { label.textContent = state.status_label; }
    if (stage) { stage.textContent = state.stage || ""; }
  }
  function poll() {
    fetch(box.dataset.poll, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        show(state);
        if (state.status === "done" || state.status === "failed") {
          window.location.assign(box.dataset.doneUrl);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
