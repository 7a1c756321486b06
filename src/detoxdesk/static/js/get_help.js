// "Yes" to a safety question shows the "Do this right now" box (the stylesheet does that, with or
// without this script). On a phone the box can open below the fold, where nothing visible changes,
// so this brings it into view and moves focus to it: a screen reader reads it out at once.
(function () {
  "use strict";
  var box = document.getElementById("right-now");
  var safety = box && box.closest(".safety");
  if (!safety) { return; }
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  safety.addEventListener("change", function (event) {
    var answer = event.target;
    if (answer.type !== "radio" || answer.value !== "yes" || !answer.checked) { return; }
    box.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
    box.focus({ preventScroll: true });
  });
})();
