// Issue 6: send an image report in place (the form works without this file).
(function () {
  "use strict";
  function show(control, message) {
    var status = control.querySelector(".report-status");
    var form = control.querySelector("form");
    if (form) { form.hidden = true; }
    if (status) { status.textContent = message; status.hidden = false; }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var control = form.closest && form.closest("[data-report-control]");
    if (!control || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      body: new URLSearchParams(new FormData(form))
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      var fallback = control.querySelector(".report-status").getAttribute("data-thanks");
      show(control, (result.data && result.data.message) || fallback);
      if (result.ok) { control.setAttribute("data-reported", "1"); }
    }).catch(function () {
      form.submit();  // no luck in place: the ordinary form still works
    });
  });
})();
