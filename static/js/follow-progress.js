// Follows a long-running job on pages that mark a region with data-follow (a URL answering with the
// region's new content): polls it every two seconds and swaps it in until the region stops asking.
(function () {
  "use strict";
  function follow(region) {
    var url = region.getAttribute("data-follow");
    if (!url) { return; }
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").body.firstElementChild;
          if (fresh) { region.replaceWith(fresh); follow(fresh); }
        })
        .catch(function () { follow(region); });
    }, 2000);
  }
  document.querySelectorAll("[data-follow]").forEach(follow);
})();
