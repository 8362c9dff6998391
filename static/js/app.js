// The page's only script besides htmx: toasts for messages that arrive with a
// fragment (web.py sends them in an HX-Trigger event), and closing the phone
// menu after a boosted navigation. No inline script anywhere (CSP).
(function () {
  "use strict";

  function showToasts(messages) {
    var box = document.getElementById("toasts");
    if (!box || !Array.isArray(messages)) return;
    messages.forEach(function (m) {
      var item = document.createElement("p");
      item.className = "message message-" + (m.category || "info");
      item.textContent = m.text;  // text, never HTML
      box.appendChild(item);
      setTimeout(function () { item.remove(); }, 6000);
    });
  }

  document.addEventListener("incubator:messages", function (event) {
    showToasts(event.detail && event.detail.value !== undefined ? event.detail.value : event.detail);
  });

  // The menu is a <details>: folded on phones, always open on wide screens.
  function fitMenu() {
    var menu = document.querySelector("details.menu");
    if (menu) menu.open = window.matchMedia("(min-width: 900px)").matches;
  }
  document.addEventListener("DOMContentLoaded", fitMenu);
  document.addEventListener("htmx:afterSettle", fitMenu);
})();
