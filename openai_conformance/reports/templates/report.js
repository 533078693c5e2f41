/* Filters for report.html. Without JS every test is shown and the filter bar stays hidden. */
(function () {
  "use strict";
  var root = document.documentElement;
  var form = document.getElementById("filters");
  var tests = Array.prototype.slice.call(document.querySelectorAll("details.test"));
  var texts = tests.map(function (el) {
    return el.querySelector("summary").textContent.toLowerCase() + " " + el.id;
  });
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=outcome]"));
  var select = form.querySelector("select[name=resource]");
  var search = form.querySelector("input[name=q]");
  var shown = document.getElementById("shown");
  var none = document.getElementById("none-shown");
  var FAILING = { FAIL: 1, ERROR: 1, XPASS: 1 };

  function apply() {
    var outs = {};
    boxes.forEach(function (b) { if (b.checked) { outs[b.value] = 1; } });
    var res = select.value;
    var q = search.value.trim().toLowerCase();
    var n = 0;
    for (var i = 0; i < tests.length; i++) {
      var el = tests[i];
      var ok = outs[el.getAttribute("data-outcome")] === 1 &&
        (!res || el.getAttribute("data-resource") === res) &&
        (!q || texts[i].indexOf(q) !== -1);
      el.hidden = !ok;
      if (ok) { n++; }
    }
    shown.textContent = n + " of " + tests.length + " tests shown";
    none.hidden = n !== 0;
  }
  function setOutcomes(pred) { boxes.forEach(function (b) { b.checked = pred(b.value); }); }

  form.addEventListener("change", apply);
  search.addEventListener("input", apply);
  document.getElementById("only-failing").addEventListener("click", function () {
    setOutcomes(function (o) { return FAILING[o] === 1; }); apply();
  });
  document.getElementById("reset").addEventListener("click", function () {
    setOutcomes(function () { return true; }); select.value = ""; search.value = ""; apply();
  });
  document.getElementById("expand").addEventListener("click", function () {
    tests.forEach(function (el) {
      if (!el.hidden && FAILING[el.getAttribute("data-outcome")] === 1) { el.open = true; }
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-set-resource]"), function (a) {
    a.addEventListener("click", function () { select.value = a.getAttribute("data-set-resource"); apply(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-set-outcome]"), function (a) {
    a.addEventListener("click", function () {
      var o = a.getAttribute("data-set-outcome");
      setOutcomes(function (v) { return v === o; }); apply();
    });
  });
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.hidden = false; el.open = true; el.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openTarget);
  form.hidden = false;
  apply();
  openTarget();
  root.setAttribute("data-ready", "1");
})();
