/* Filters for the findings, copy buttons, details opened for printing. The page is complete
   without this script; it only hides and shows what is already there. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.querySelector("form.filters");
  var findings = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".sev-group"));
  var haystack = findings.map(function (f) { return f.textContent.toLowerCase(); });

  function applyFilters() {
    if (!form) { return; }
    var severities = Array.prototype.slice.call(form.querySelectorAll("input[name=severity]:checked"))
      .map(function (box) { return box.value; });
    var node = form.elements.node.value;
    var component = form.elements.component.value;
    var words = form.elements.q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    findings.forEach(function (f, i) {
      var ok = severities.indexOf(f.dataset.severity) >= 0 &&
        (!node || f.dataset.nodes.split(" ").indexOf(node) >= 0) &&
        (!component || f.dataset.component === component) &&
        words.every(function (w) { return haystack[i].indexOf(w) >= 0; });
      f.hidden = !ok;
      if (ok) { shown += 1; }
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector("article.finding:not([hidden])"); });
    var none = document.querySelector(".none-shown");
    if (none) { none.hidden = shown > 0 || findings.length === 0; }
    var out = form.querySelector("output.shown");
    if (out) { out.textContent = "Showing " + shown + " of " + findings.length + " findings"; }
  }

  if (form) {
    form.addEventListener("input", applyFilters);
    form.addEventListener("change", applyFilters);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    applyFilters();
  }

  function copyText(text, button) {
    function done() {
      button.textContent = "Copied";
      button.classList.add("done");
      setTimeout(function () { button.textContent = "Copy"; button.classList.remove("done"); }, 1500);
    }
    function fallback() {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (err) { button.textContent = "Select and copy"; }
      document.body.removeChild(area);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button.copy") : null;
    if (!button) { return; }
    var target = document.getElementById(button.dataset.copy);
    if (target) { copyText(target.textContent, button); }
  });

  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.setAttribute("open", "");
      d.dataset.openedForPrint = "1";
    });
  });
  window.addEventListener("afterprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-opened-for-print]"), function (d) {
      d.removeAttribute("open");
      delete d.dataset.openedForPrint;
    });
  });
}());
