// Settings page: until the person chose a time zone, suggest the browser's own.
(function () {
  "use strict";
  var select = document.querySelector("select[data-browser-default]");
  if (!select || select.value || !window.Intl) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) {
    select.value = zone;
    var note = document.getElementById(select.dataset.browserDefault);
    if (note) { note.hidden = false; }
  }
})();
