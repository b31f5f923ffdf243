// Show times in the visitor's own zone: when the page was not told a zone (no ?tz=, no cookie yet),
// remember the browser's zone in a cookie and reload with it. Without JavaScript the page uses the
// service's default zone and the zone selector still works.
(function () {
  "use strict";
  var form = document.getElementById("zone-form");
  if (!form || !window.Intl || !window.URLSearchParams) { return; }
  var params = new URLSearchParams(window.location.search);
  var remembered = document.cookie.split(";").some(function (part) {
    return part.trim().indexOf("tz=") === 0;
  });
  if (params.has("tz") || remembered) { return; }
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) { return; }
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  if (zone !== form.getAttribute("data-zone")) {
    params.set("tz", zone);
    window.location.replace(window.location.pathname + "?" + params.toString());
  }
})();
