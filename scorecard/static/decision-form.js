// Do Better: the decision form without round trips. Without this file the same buttons
// reach the server, which answers with the form one line longer or shorter.
(function () {
  "use strict";

  // The impact selects take the colour of their value, from harm to benefit.
  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("impact-select")) {
      event.target.setAttribute("data-value", event.target.value);
    }
  });

  var form = document.getElementById("decision-form");
  if (!form) {
    return;
  }
  var lines = form.querySelector("[data-waste-lines]");
  var template = document.getElementById("waste-line-template");
  var addButton = form.querySelector("[data-add-line]");
  var emptyNote = form.querySelector("[data-waste-empty]");
  var units = lines ? JSON.parse(lines.getAttribute("data-units") || "{}") : {};
  var maxLines = lines ? parseInt(lines.getAttribute("data-max") || "30", 10) : 30;

  function wasteLines() {
    return lines.querySelectorAll("[data-waste-line]");
  }

  function nextIndex() {
    // Indices only need to be unique: the server reads them in order, gaps and all.
    var highest = -1;
    lines.querySelectorAll("[name$='-category_id']").forEach(function (select) {
      var match = /^waste-(\d+)-/.exec(select.name);
      if (match) {
        highest = Math.max(highest, parseInt(match[1], 10));
      }
    });
    return highest + 1;
  }

  function refresh() {
    var rows = wasteLines();
    rows.forEach(function (row, i) {
      var number = row.querySelector("[data-line-number]");
      if (number) {
        number.textContent = String(i + 1);
      }
    });
    emptyNote.classList.toggle("d-none", rows.length > 0);
    addButton.disabled = rows.length >= maxLines;
  }

  function showUnit(select) {
    var row = select.closest("[data-waste-line]");
    var unit = units[select.value] || "";
    row.querySelectorAll("[data-unit]").forEach(function (label) {
      label.textContent = unit;
    });
  }

  if (lines && template && addButton) {
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      if (wasteLines().length >= maxLines) {
        return;
      }
      var index = String(nextIndex());
      var html = template.innerHTML.replace(/__index__/g, index);
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      lines.appendChild(row);
      refresh();
      var select = row.querySelector("select");
      showUnit(select);
      select.focus();
    });

    lines.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-line]");
      if (!button) {
        return;
      }
      event.preventDefault();
      button.closest("[data-waste-line]").remove();
      refresh();
      addButton.focus();
    });

    lines.addEventListener("change", function (event) {
      if (event.target.matches("select[name$='-category_id']")) {
        showUnit(event.target);
      }
    });
  }

  // The review date follows the decision date (90 days later) until someone sets it.
  var decided = form.querySelector("[data-decided-on]");
  var due = form.querySelector("[data-review-due]");
  if (decided && due) {
    var days = parseInt(due.getAttribute("data-days") || "90", 10);
    var plus = function (value) {
      var parts = value.split("-").map(Number);
      if (parts.length !== 3 || parts.some(isNaN)) {
        return "";
      }
      var day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2] + days));
      return day.toISOString().slice(0, 10);
    };
    var following = !due.value || due.value === plus(decided.value);
    due.addEventListener("input", function () {
      following = false;
    });
    decided.addEventListener("change", function () {
      if (following && decided.value) {
        due.value = plus(decided.value);
      }
    });
  }
})();
