// A time zone select marked data-suggest-browser-zone (the account still has the UTC it
// started with) preselects the browser's own zone, if listed; nothing is saved until the form is.
(function () {
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || zone === "UTC") return;
  document.querySelectorAll("select[data-suggest-browser-zone]").forEach(function (select) {
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
    if (!option) return;
    select.value = zone;
    var note = document.getElementById(select.id + "-suggested");
    if (note) note.hidden = false;
  });
})();
