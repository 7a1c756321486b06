// Running total and band while a withdrawal scale is filled in. The server scores again on save.
// The COWS pulse item follows a measured heart rate exactly as the server does: the table comes
// from the page (band-data, rendered from the knowledge the server scores with), never from here.
(function () {
  "use strict";
  var form = document.querySelector("form.flowsheet");
  var dataNode = document.getElementById("band-data");
  if (!form || !dataNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  var totalNode = document.getElementById("running-total");
  var bandNode = document.getElementById("running-band");
  var countNode = document.getElementById("running-count");
  var pulseNode = document.getElementById("running-pulse");
  var heartRate = form.querySelector("input[name=measured_heart_rate]");
  var PULSE_ITEM = "resting_pulse_rate";

  function bandFor(total) {
    for (var i = 0; i < data.bands.length; i++) {
      var band = data.bands[i];
      if (total >= band.low && (band.high === null || total <= band.high)) { return band.label; }
    }
    return "";
  }

  // The pulse item value for the heart rate typed in, or null when none (or not a whole number).
  function derivedPulse() {
    if (!heartRate || !data.pulse_item) { return null; }
    var text = heartRate.value.trim();
    if (!/^\d+$/.test(text)) { return null; }
    var rate = parseInt(text, 10);
    for (var i = 0; i < data.pulse_item.length; i++) {
      var row = data.pulse_item[i];
      if ((row.min === null || row.min <= rate) && (row.max === null || rate <= row.max)) {
        return row.value;
      }
    }
    return null;
  }

  function pulseNote(derived, chosen) {
    if (derived === null) { return ""; }
    if (chosen === null) { return "Pulse item from the measured heart rate: " + derived + "."; }
    if (chosen !== derived) {
      return "The measured heart rate scores " + derived + " on the pulse item, not " + chosen + ".";
    }
    return "";
  }

  function update() {
    var checked = form.querySelectorAll("fieldset.item input[type=radio]:checked");
    var total = 0;
    var answered = checked.length;
    var chosenPulse = null;
    checked.forEach(function (input) {
      total += parseInt(input.value, 10);
      if (input.name === PULSE_ITEM) { chosenPulse = parseInt(input.value, 10); }
    });
    var derived = derivedPulse();
    // As the server does: an unanswered pulse item takes the value of the measured heart rate.
    if (derived !== null && chosenPulse === null) {
      total += derived;
      answered += 1;
    }
    var complete = answered === data.items;
    totalNode.textContent = answered ? String(total) : "–";
    bandNode.textContent = complete ? bandFor(total) : "";
    countNode.textContent = complete
      ? "All " + data.items + " items answered."
      : answered + " of " + data.items + " items answered; the band appears when every item is answered.";
    if (pulseNode) { pulseNode.textContent = pulseNote(derived, chosenPulse); }
  }

  // Enter on a radio button would send the form with items still unanswered (the browser's
  // implicit submission). Only the Save button sends it; the server refuses a half-filled form too.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.type === "radio") { event.preventDefault(); }
  });

  // The keyboard starts at the work: the question about unusual vital signs when there is one,
  // else the first item with an error, else the first item (not nineteen Tabs away).
  function focusFirstItem() {
    if (document.activeElement !== document.body && document.activeElement !== null) { return; }
    var unusual = document.getElementById("unusual-values");
    if (unusual) { unusual.focus(); return; }
    var item = form.querySelector("fieldset.item.has-error") || form.querySelector("fieldset.item");
    var radio = item && (item.querySelector("input[type=radio]:checked") ||
      item.querySelector("input[type=radio]"));
    if (radio) { radio.focus(); }
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
  focusFirstItem();
})();
