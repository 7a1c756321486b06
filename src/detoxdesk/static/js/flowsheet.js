// Running total and band while a withdrawal scale is filled in. The server scores again on save.
(function () {
  "use strict";
  var form = document.querySelector("form.flowsheet");
  var dataNode = document.getElementById("band-data");
  if (!form || !dataNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  var totalNode = document.getElementById("running-total");
  var bandNode = document.getElementById("running-band");
  var countNode = document.getElementById("running-count");

  function bandFor(total) {
    for (var i = 0; i < data.bands.length; i++) {
      var band = data.bands[i];
      if (total >= band.low && (band.high === null || total <= band.high)) { return band.label; }
    }
    return "";
  }

  function update() {
    var checked = form.querySelectorAll("fieldset.item input[type=radio]:checked");
    var total = 0;
    checked.forEach(function (input) { total += parseInt(input.value, 10); });
    var complete = checked.length === data.items;
    totalNode.textContent = checked.length ? String(total) : "–";
    bandNode.textContent = complete ? bandFor(total) : "";
    countNode.textContent = complete
      ? "All " + data.items + " items answered."
      : checked.length + " of " + data.items + " items answered; the band appears when every item is answered.";
  }

  form.addEventListener("change", update);
  update();
})();
