// The menu's groups: one open at a time, closed by a click elsewhere or Escape. Without this file
// each group still opens and closes by itself (<details>).
(function () {
  "use strict";
  var groups = Array.prototype.slice.call(document.querySelectorAll("nav.menu details.menu-group"));
  function closeAll(except) {
    groups.forEach(function (group) { if (group !== except) { group.open = false; } });
  }
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () { if (group.open) { closeAll(group); } });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("nav.menu details.menu-group")) { closeAll(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeAll(null); }
  });
})();
