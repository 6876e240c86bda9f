// The reviewer's score sheet: a running total while typing, a hint when the total needs a
// written note, and a confirmation before the (final) submit. Loaded only on that page.
(function () {
  var sheet = document.getElementById("score-sheet");
  if (!sheet) { return; }
  var totalEl = document.getElementById("running-total");
  var lowNote = document.getElementById("low-note");
  var low = parseFloat(totalEl.getAttribute("data-low"));
  var inputs = sheet.querySelectorAll("input.js-score");

  // full-width digits and the ideographic full stop, as typed with a Chinese IME
  function normalise(text) {
    return text.replace(/[\uFF10-\uFF19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[\uFF0E\u3002]/g, ".").trim();
  }

  function parse(input) {
    var text = normalise(input.value);
    if (text === "") { return { value: null, ok: true }; }
    var max = parseFloat(input.getAttribute("data-max"));
    var ok = /^\d{1,6}(\.\d?)?$/.test(text);
    var value = ok ? parseFloat(text) : NaN;
    return { value: value, ok: ok && value >= 0 && value <= max };
  }

  function update() {
    var tenths = 0, any = false;
    inputs.forEach(function (input) {
      var p = parse(input);
      if (p.ok && p.value !== null) { tenths += Math.round(p.value * 10); any = true; }
    });
    var total = tenths / 10;
    totalEl.textContent = total.toFixed(1);
    if (lowNote) { lowNote.hidden = !(any && total < low); }
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      input.classList.toggle("is-invalid", !parse(input).ok);
      update();
    });
  });
  sheet.addEventListener("submit", function (ev) {
    var button = ev.submitter;
    if (button && button.hasAttribute("data-confirm") && !window.confirm(button.getAttribute("data-confirm"))) {
      ev.preventDefault();
    }
  });
  update();
})();
