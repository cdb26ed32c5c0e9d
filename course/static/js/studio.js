// Live preview for the module editor: as the instructor types, the body is rendered by the server
// (the same renderer trainees' pages use) and shown beside the editor. Without JavaScript the
// "Check and preview" button does the same, with the checks.
(function () {
  "use strict";

  var editor = document.querySelector("form.editor[data-preview]");
  if (!editor) { return; }
  var text = editor.querySelector("textarea#body, textarea#source");
  var target = document.getElementById("live-preview");
  if (!text || !target) { return; }
  var timer = null;
  var sent = 0;

  function render() {
    var body = new FormData();
    body.append("csrf_token", editor.querySelector("input[name=csrf_token]").value);
    body.append("text", text.value);
    var mine = ++sent;
    fetch(editor.getAttribute("data-preview"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || mine !== sent) { return; }
        target.querySelector(".live-body").innerHTML = html;
        target.hidden = false;
      })
      .catch(function () { /* the server preview still works */ });
  }

  text.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(render, 600);
  });
})();
