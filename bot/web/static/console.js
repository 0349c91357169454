// The live inbox: the server's event stream says when the visible cases change; htmx fetches the table again and
// the tab's title shows the count. No inline script anywhere (the CSP allows only files from this origin).
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("inbox");
    if (!box || !window.EventSource) { return; }
    var title = box.getAttribute("data-title");
    var source = new EventSource(box.getAttribute("data-events"));
    var seen = box.getAttribute("data-sig");
    source.addEventListener("inbox", function (event) {
      var data = JSON.parse(event.data);
      document.title = "(" + data.count + ") " + title;
      if (seen !== data.sig) {
        window.htmx.ajax("GET", box.getAttribute("data-table"), { target: "#inbox", swap: "innerHTML" });
      }
      seen = data.sig;
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
