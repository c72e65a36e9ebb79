// Consent screen: a category the person unticks is greyed, so what they keep sharing stands out.
(function () {
  "use strict";
  function mark(box) {
    var row = box.closest(".scope-choice");
    if (row) { row.classList.toggle("is-off", !box.checked); }
  }
  document.querySelectorAll(".scope-choice input[type=checkbox]").forEach(function (box) {
    mark(box);
    box.addEventListener("change", function () { mark(box); });
  });
})();
