/* Duban dashboard: draws each [data-chart] element with Apache ECharts from the JSON block
   #dashboard-data; clicking a bar, slice or point opens the list behind it. No inline script and no
   inline style (CSP): the tooltips are built as elements styled by dashboard.css's classes, never as
   HTML text with style attributes, which the policy refuses. */
(function () {
  "use strict";
  var block = document.getElementById("dashboard-data");
  if (!block || typeof echarts === "undefined") { return; }
  var data = JSON.parse(block.textContent);
  var colours = { green: "#1e7b34", yellow: "#b7791f", red: "#b3261e" };
  var whole = new Intl.NumberFormat(data.locale, { maximumFractionDigits: 0 });
  var tenth = new Intl.NumberFormat(data.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function number(value, percent) {
    if (value === null || value === undefined || value === "-") { return "—"; }
    return percent ? tenth.format(value) + "%" : whole.format(value);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* The tooltip's content as elements: a title, then one row per series (marker, name, value). */
  function tooltip(percentSeries) {
    return function (params) {
      var items = Array.isArray(params) ? params : [params];
      var box = element("div", "chart-tip-body");
      var title = items[0].axisValueLabel || items[0].name;
      if (title) { box.appendChild(element("div", "chart-tip-title", title)); }
      items.forEach(function (item) {
        var row = element("div", "chart-tip-row");
        var marker = element("span", "chart-tip-marker");
        marker.style.backgroundColor = typeof item.color === "string" ? item.color : "";  // CSSOM: allowed
        row.appendChild(marker);
        var name = Array.isArray(params) ? item.seriesName : item.name;
        if (name && name.indexOf("series") !== 0) { row.appendChild(element("span", "chart-tip-name", name)); }
        var shown = number(item.value, percentSeries === item.seriesIndex);
        if (item.percent !== undefined) { shown += " (" + tenth.format(item.percent) + "%)"; }
        row.appendChild(element("span", "chart-tip-value", shown));
        box.appendChild(row);
      });
      return box;
    };
  }

  function tip(trigger, percentSeries) {
    return { trigger: trigger, className: "chart-tip", formatter: tooltip(percentSeries),
             borderWidth: 1, padding: 8 };
  }

  /* Category labels that never overlap: a bar chart's each shortened to its bar's share of the width (the
     tooltip and the list below give them in full); a time axis's thinned out, as many as fit. */
  function categoryLabels(count, horizontal, width) {
    if (horizontal) { return { interval: 0, width: 110, overflow: "truncate" }; }
    if (count > 8) { return { interval: "auto", hideOverlap: true }; }
    return { interval: 0, width: Math.max(24, Math.floor((width - 60) / count) - 6), overflow: "truncate" };
  }

  function option(kind, series, width) {
    if (kind === "pie") {
      return {
        tooltip: tip("item"),
        series: [{ type: "pie", radius: ["40%", "70%"], data: series.labels.map(function (label, i) {
          var key = ["green", "yellow", "red"][i];
          return { name: label, value: series.values[i], itemStyle: { color: colours[key] } };
        }) }]
      };
    }
    if (kind === "trend") {
      return {
        tooltip: tip("axis", 0),
        legend: { data: [data.names.on_time, data.names.due] },
        grid: { left: 10, right: 10, top: 40, bottom: 10, containLabel: true },
        xAxis: { type: "category", data: series.labels, axisLabel: categoryLabels(series.labels.length, false, width) },
        yAxis: [{ type: "value", max: 100, axisLabel: { formatter: function (v) { return number(v, true); } } },
                { type: "value", minInterval: 1, axisLabel: { formatter: function (v) { return number(v); } } }],
        series: [
          { name: data.names.on_time, type: "line", data: series.values, connectNulls: false },
          { name: data.names.due, type: "bar", yAxisIndex: 1, data: series.due, itemStyle: { color: "#c6d7ec" } }
        ]
      };
    }
    var horizontal = kind === "hbar";
    var category = { type: "category", data: series.labels,
                     axisLabel: categoryLabels(series.labels.length, horizontal, width) };
    var value = { type: "value", minInterval: 1, axisLabel: { formatter: function (v) { return number(v); } } };
    return {
      tooltip: tip("axis"),
      grid: { left: 10, right: 20, top: 20, bottom: 10, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({ inverse: true }, category) : value,
      series: [{ type: "bar", data: series.values, itemStyle: { color: "#b3261e" } }]
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var series = data[node.getAttribute("data-chart")];
    if (!series || !series.labels.length) { node.hidden = true; return; }
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option(node.getAttribute("data-type"), series, node.clientWidth));
    chart.on("click", function (params) {
      var link = series.links[params.dataIndex];
      if (link) { window.location.assign(link); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
