// The join page's countdown: shows the time left until the call opens (in its last day), then reloads
// the page, which sends the person into the call. The server says how many seconds are left, so a
// wrong clock on the phone does not matter. The page works without this script ("Check again").
(function () {
  "use strict";
  var el = document.querySelector("[data-seconds-left]");
  if (!el) { return; }
  var total = parseInt(el.getAttribute("data-seconds-left"), 10);
  if (isNaN(total)) { return; }
  var started = Date.now();
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, total - Math.floor((Date.now() - started) / 1000));
    if (left === 0) {
      window.location.reload();
      return;
    }
    if (left < 86400) {
      el.textContent = two(Math.floor(left / 3600)) + ":" + two(Math.floor(left % 3600 / 60)) + ":" + two(left % 60);
    }
    window.setTimeout(tick, 1000);
  }
  tick();
}());
