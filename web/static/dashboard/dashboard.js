/* Duban dashboard: draws each [data-chart] element with Apache ECharts from the JSON block
   #dashboard-data; clicking a bar, slice or point opens the list behind it. No inline script (CSP). */
(function () {
  "use strict";
  var block = document.getElementById("dashboard-data");
  if (!block || typeof echarts === "undefined") { return; }
  var data = JSON.parse(block.textContent);
  var colours = { green: "#1e7b34", yellow: "#b7791f", red: "#b3261e" };

  function option(kind, series) {
    if (kind === "pie") {
      return {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["40%", "70%"], data: series.labels.map(function (label, i) {
          var key = ["green", "yellow", "red"][i];
          return { name: label, value: series.values[i], itemStyle: { color: colours[key] } };
        }) }]
      };
    }
    if (kind === "trend") {
      return {
        tooltip: { trigger: "axis" },
        legend: { data: [data.names.on_time, data.names.due] },
        xAxis: { type: "category", data: series.labels },
        yAxis: [{ type: "value", max: 100 }, { type: "value" }],
        series: [
          { name: data.names.on_time, type: "line", data: series.values, connectNulls: false },
          { name: data.names.due, type: "bar", yAxisIndex: 1, data: series.due, itemStyle: { color: "#c6d7ec" } }
        ]
      };
    }
    var horizontal = kind === "hbar";
    var category = { type: "category", data: series.labels, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
    var value = { type: "value", minInterval: 1 };
    return {
      tooltip: { trigger: "axis" },
      grid: { left: horizontal ? 120 : 40, right: 20, top: 20, bottom: 40 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({ inverse: true }, category) : value,
      series: [{ type: "bar", data: series.values, itemStyle: { color: "#b3261e" } }]
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var series = data[element.getAttribute("data-chart")];
    if (!series || !series.labels.length) { element.hidden = true; return; }
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option(element.getAttribute("data-type"), series));
    chart.on("click", function (params) {
      var link = series.links[params.dataIndex];
      if (link) { window.location.assign(link); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
