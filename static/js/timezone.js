// Tells the server the browser's time zone, used for dates until the person picks one in their settings.
(function () {
  "use strict";
  if (!window.Intl) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && document.cookie.indexOf("browser_tz=" + encodeURIComponent(zone)) === -1) {
    document.cookie = "browser_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
  }
})();
