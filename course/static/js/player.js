// Progressive enhancement for the scenario player: submit a step and show the next page in place.
// Without JavaScript the same forms post and redirect as usual; the server records every step.
(function () {
  "use strict";

  function swap(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var next = doc.querySelector("main");
    var main = document.querySelector("main");
    if (!next || !main) { window.location.assign(url); return; }
    main.innerHTML = next.innerHTML;
    document.title = doc.title;
    if (url !== window.location.href) { window.history.pushState({}, "", url); }
    var heading = main.querySelector("h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }

  function submit(event) {
    var form = event.target;
    if (!form.matches("form.player")) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) { swap(html, response.url); });
      })
      .catch(function () { form.submit(); });
  }

  function follow(event) {
    var link = event.target.closest("a.step-link");
    if (!link) { return; }
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) { swap(html, response.url); });
      })
      .catch(function () { window.location.assign(link.href); });
  }

  document.addEventListener("submit", submit);
  document.addEventListener("click", follow);
  window.addEventListener("popstate", function () { window.location.reload(); });
})();
