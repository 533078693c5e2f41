/* Filters for report.html. Without JS every test is shown and the filter bar stays hidden. */
(function () {
  "use strict";
  var root = document.documentElement;
  var form = document.getElementById("filters");
  var tests = Array.prototype.slice.call(document.querySelectorAll("details.test"));
  var texts = tests.map(function (el) {
    return el.querySelector("summary").textContent.toLowerCase() + " " + el.id;
  });
  // A test's outcome is its o-OUTCOME class and its resource the .tres cell (report.html
  // carries no separate data attributes: at 500 tests they were 20 KB).
  function outcomeOf(el) {
    var m = /(?:^| )o-([A-Z]+)(?: |$)/.exec(el.className);
    return m ? m[1] : "";
  }
  var outcomes = tests.map(outcomeOf);
  var resources = tests.map(function (el) {
    var cell = el.querySelector("summary .tres");
    return cell ? cell.textContent : "";
  });
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=outcome]"));
  var select = form.querySelector("select[name=resource]");
  var search = form.querySelector("input[name=q]");
  var label = form.querySelector("select[name=label]");
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
      var ok = outs[outcomes[i]] === 1 &&
        (!res || resources[i] === res) &&
        (!label.value || (" " + (el.getAttribute("data-labels") || "") + " ").indexOf(" " + label.value + " ") !== -1) &&
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
    setOutcomes(function () { return true; }); select.value = ""; label.value = ""; search.value = ""; apply();
  });
  document.getElementById("expand").addEventListener("click", function () {
    tests.forEach(function (el, i) {
      if (!el.hidden && FAILING[outcomes[i]] === 1) { el.open = true; }
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
  // Test details stored compressed (html.py): decompressed once, filled in when a test opens.
  var lazy = null;
  // A test whose details are stored compressed has no body in the page (each placeholder was
  // 17 KB of a failure-heavy report): its placeholder is made here, before anything fills it.
  tests.forEach(function (el) {
    if (!el.querySelector(".tbody")) {
      var body = document.createElement("div");
      body.className = "tbody";
      body.setAttribute("data-lazy", "");
      el.appendChild(body);
    }
  });
  function fill(el) {
    var body = el.open && lazy ? el.querySelector(".tbody[data-lazy]") : null;
    if (body && Object.prototype.hasOwnProperty.call(lazy, el.id)) {
      body.innerHTML = lazy[el.id];  // escaped when report.html was rendered
      body.removeAttribute("data-lazy");
    }
  }
  var lazyHolders = tests.concat(Array.prototype.slice.call(document.querySelectorAll("details.overlay")));
  lazyHolders.forEach(function (el) { el.addEventListener("toggle", function () { fill(el); }); });
  var blob = document.getElementById("lazy-bodies");
  if (blob && typeof DecompressionStream === "function") {
    var bin = atob(blob.textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    new Response(stream).text().then(function (text) {
      lazy = JSON.parse(text);
      lazyHolders.forEach(fill);
      root.setAttribute("data-lazy-ready", "1");
    }).catch(function () {
      root.setAttribute("data-lazy-ready", "error");
    });
  } else if (blob) {
    root.setAttribute("data-lazy-ready", "unsupported");
  }
  form.hidden = false;
  apply();
  openTarget();
  root.setAttribute("data-ready", "1");
})();
