// Upload progress for large import files: sends the form with XMLHttpRequest so the
// bar can follow the bytes, then shows the server's answer (the check report) as the page.
(function () {
  "use strict";
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    var box = document.getElementById(form.getAttribute("data-progress"));
    if (!box) { return; }
    var bar = box.querySelector("progress");
    var label = box.querySelector("span");
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("formaction")) { return; }  // the error report download
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action") || window.location.href);
      box.hidden = false;
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.round(100 * e.loaded / e.total);
        bar.value = percent;
        label.textContent = label.getAttribute("data-sending") + " " + percent + "%";
      });
      request.upload.addEventListener("load", function () {
        bar.removeAttribute("value");  // indeterminate while the server checks the rows
        label.textContent = label.getAttribute("data-checking");
      });
      request.addEventListener("load", function () {
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener("error", function () { form.submit(); });
      request.send(new FormData(form));
    });
  });
}());
