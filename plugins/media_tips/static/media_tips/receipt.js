// The tip receipt: copy the query code, print the page. Loaded as a file (the CSP allows no inline script).
(function () {
  "use strict";
  var copy = document.getElementById("copy-code");
  var code = document.getElementById("receipt-code");
  if (copy && code && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent.trim()).then(function () {
        copy.textContent = copy.getAttribute("data-copied");
      });
    });
  }
  var print = document.getElementById("print-receipt");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
