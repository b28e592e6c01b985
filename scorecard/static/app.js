// Do Better: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Buttons that ask before doing something hard to undo: <button data-confirm="…">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
