// Ask before irreversible actions: any form with data-confirm.
document.addEventListener("submit", function (ev) {
  var form = ev.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.getAttribute("data-confirm"))) {
    ev.preventDefault();
  }
}, true);
// Auto-submit filter selects.
document.addEventListener("change", function (ev) {
  if (ev.target.matches("form.filters select")) { ev.target.form.submit(); }
});
