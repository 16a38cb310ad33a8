/* The edit grid's totals, kept up to date while typing: progressive enhancement only.
   The server adds the same figures up on every page load, save and "Check totals"
   (proposals.forms.GridTotals); without this script the page works the same. Figures
   are read by the rules of proposals.money.parse_in, in whole £ thousands (integers,
   so no rounding), and shown as proposals.money.format_in shows them. */
(function () {
  "use strict";
  var grid = document.querySelector("table.line-grid[data-unit]");
  if (!grid) { return; }
  var unit = grid.getAttribute("data-unit");
  var NO_CHANGE = ["no change", "nil", "-", "\u2013", "\u2014"];
  var NUMBER = /^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$/;
  var UNREADABLE = "unreadable";

  // Whole £ thousands, null for a blank, UNREADABLE for what parse_in refuses.
  function parse(text) {
    var cleaned = text.trim().replace(/\u2212/g, "-").replace(/\u2013/g, "-");
    if (cleaned === "") { return null; }
    if (NO_CHANGE.indexOf(cleaned.toLowerCase()) !== -1) { return 0; }
    var negative = false;
    if (cleaned.charAt(0) === "(" && cleaned.charAt(cleaned.length - 1) === ")") {
      negative = true;
      cleaned = cleaned.slice(1, -1).trim();
    }
    cleaned = cleaned.replace(/£/g, "").replace(/ /g, "");
    var suffix = unit === "millions" ? "m" : "k";
    if (cleaned.toLowerCase().slice(-1) === suffix) { cleaned = cleaned.slice(0, -1); }
    if (!cleaned || !NUMBER.test(cleaned) || cleaned === "+" || cleaned === "-" || cleaned === ".") { return UNREADABLE; }
    if (negative && (cleaned.charAt(0) === "+" || cleaned.charAt(0) === "-")) { return UNREADABLE; }
    var sign = 1;
    if (cleaned.charAt(0) === "-") { sign = -1; }
    if (cleaned.charAt(0) === "+" || cleaned.charAt(0) === "-") { cleaned = cleaned.slice(1); }
    if (negative) { sign = -sign; }
    var parts = cleaned.replace(/,/g, "").split(".");
    var whole = parts[0] || "0";
    var decimals = parts.length > 1 ? parts[1] : "";
    var places = unit === "millions" ? 3 : 0;
    if (decimals.replace(/0+$/, "").length > places) { return UNREADABLE; }
    while (decimals.length < places) { decimals += "0"; }
    var k = parseInt(whole + decimals.slice(0, places), 10);
    if (!isFinite(k) || k > 10000000) { return UNREADABLE; }  // MAX_ABS_K: £10,000m
    return sign * k;
  }

  function format(k) {
    if (k === null) { return "\u2013"; }
    if (k === UNREADABLE) { return "check the figures"; }
    var size = Math.abs(k);
    var digits;
    if (unit === "millions") {
      var rest = String(size % 1000);
      while (rest.length < 3) { rest = "0" + rest; }
      digits = Math.floor(size / 1000) + "." + rest;
    } else {
      digits = String(size).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    }
    if (k < 0) { return "-" + digits; }
    return k > 0 ? "+" + digits : digits;
  }

  function update() {
    var period = null;
    var years = grid.querySelectorAll("output.grid-year-total");
    for (var i = 0; i < years.length; i++) {
      var year = years[i].getAttribute("data-year");
      var total = null;
      var inputs = grid.querySelectorAll("tbody input[data-year='" + year + "']");
      for (var j = 0; j < inputs.length; j++) {
        var row = inputs[j].closest("tr");
        var remove = row ? row.querySelector("input[type=checkbox][name$='-DELETE']") : null;
        if (remove && remove.checked) { continue; }
        var amount = parse(inputs[j].value);
        if (amount === UNREADABLE) { total = UNREADABLE; break; }
        if (amount !== null) { total = (total || 0) + amount; }
      }
      years[i].textContent = format(total);
      if (total === UNREADABLE || period === UNREADABLE) { period = UNREADABLE; }
      else if (total !== null) { period = (period || 0) + total; }
    }
    var cash = grid.querySelector("output.grid-period-total");
    if (cash) { cash.textContent = format(period); }
  }

  grid.addEventListener("input", update);
  grid.addEventListener("change", update);
}());
