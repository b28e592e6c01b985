// Do Better dashboard: draws the charts described by the page's JSON with plotly.js, and
// follows a click on a point to the decisions behind it. The page's tables work without it.
(function () {
  "use strict";

  function openTables() {
    document.querySelectorAll("details").forEach(function (details) {
      details.open = true;
    });
  }
  // Printed pages show the tables, which keep every figure on paper.
  window.addEventListener("beforeprint", openTables);

  // The quarter picker needs no button when scripts run.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
  document.querySelectorAll(".js-hidden").forEach(function (element) {
    element.hidden = true;
  });

  var source = document.getElementById("dashboard-charts");
  if (!source || !window.Plotly) {
    return;
  }
  var figures = JSON.parse(source.textContent);
  var config = { displayModeBar: false, responsive: true, scrollZoom: false };

  function transpose(rows) {
    return rows[0].map(function (_, column) {
      return rows.map(function (row) {
        return row[column];
      });
    });
  }

  // At phone width a heatmap of groups by quarters is too wide: it turns into quarters by
  // groups, with its colour scale below.
  function fitToWidth(figure, width) {
    if (width >= 576) {
      return figure;
    }
    var layout = Object.assign({}, figure.layout, { font: Object.assign({}, figure.layout.font, { size: 12 }) });
    // The quarter labels turn at this width: the legend goes below them, clear of them.
    if (layout.showlegend && layout.legend && layout.legend.orientation === "h") {
      layout.legend = Object.assign({}, layout.legend, { y: -0.42 });
      layout.height = (layout.height || 320) + 70;
      layout.xaxis = Object.assign({}, layout.xaxis, { tickangle: -45 });
    }
    var data = figure.data.map(function (trace) {
      if (trace.type !== "heatmap") {
        return trace;
      }
      layout.height = 34 * trace.x.length + 150;
      layout.xaxis = Object.assign({}, layout.xaxis, { side: "top", tickangle: -30 });
      layout.yaxis = Object.assign({}, layout.yaxis, { autorange: "reversed" });
      return Object.assign({}, trace, {
        x: trace.y,
        y: trace.x,
        z: transpose(trace.z),
        text: transpose(trace.text),
        customdata: transpose(trace.customdata),
        hovertemplate: "<b>%{x}</b>, %{y}<br>mean impact %{z:+.2f} (−3 to +3)<extra></extra>",
        colorbar: Object.assign({}, trace.colorbar, {
          orientation: "h",
          x: 0.5,
          xanchor: "center",
          len: 0.8,
          y: -0.04,
          yanchor: "top",
          thickness: 10,
          title: { text: "Mean impact", side: "top" }
        })
      });
    });
    return { data: data, layout: layout };
  }

  function target(point) {
    var url = point && point.customdata;
    // Only addresses on this site: customdata is written by the server as a path.
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
  }

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var figure = figures[element.getAttribute("data-chart")];
    if (!figure) {
      return;
    }
    // By the window, not the chart: the same heatmap reads the same way on every page.
    figure = fitToWidth(figure, window.innerWidth);
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      element.setAttribute("data-drawn", "true");
    });
    element.on("plotly_click", function (event) {
      var url = target(event.points && event.points[0]);
      if (url) {
        window.location.assign(url);
      }
    });
  });
})();
