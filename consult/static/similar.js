// Similar published answers while someone types a question.
// Markup: <textarea data-similar-source="ID"> and <div id="ID" data-similar-target
// data-similar-heading="Maybe this answers it:" aria-live="polite"></div>. Without a value,
// data-similar-source uses the first [data-similar-target] in the same form. The page works without it.
(function () {
  "use strict";
  var MIN_LENGTH = 15, WAIT_MS = 400;

  function targetFor(source) {
    var id = source.getAttribute("data-similar-source");
    if (id) { return document.getElementById(id); }
    var scope = source.form || document;
    return scope.querySelector("[data-similar-target]");
  }

  function show(target, items) {
    while (target.firstChild) { target.removeChild(target.firstChild); }
    if (!items.length) { return; }
    var heading = document.createElement("p");
    heading.className = "hint";
    heading.textContent = target.getAttribute("data-similar-heading") || "";
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.lang = item.language;
      link.textContent = item.question;  // text only: never parsed as HTML
      li.appendChild(link);
      list.appendChild(li);
    });
    target.appendChild(heading);
    target.appendChild(list);
  }

  function watch(source) {
    var target = targetFor(source);
    if (!target || !window.fetch) { return; }
    var timer = null, last = "", controller = null;
    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = source.value.trim().slice(0, 2000);
        if (text === last) { return; }
        last = text;
        if (text.length < MIN_LENGTH) { show(target, []); return; }
        if (controller) { controller.abort(); }
        controller = window.AbortController ? new AbortController() : null;
        var url = "/api/v1/faq/similar?q=" + encodeURIComponent(text) +
          "&lang=" + encodeURIComponent(document.documentElement.lang || "ru");
        fetch(url, { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
          .then(function (response) { return response.ok ? response.json() : { items: [] }; })
          .then(function (body) { show(target, body.items || []); })
          .catch(function () { /* a helper: stay quiet when offline or aborted */ });
      }, WAIT_MS);
    });
  }

  document.querySelectorAll("[data-similar-source]").forEach(watch);
})();
