/* The quality dashboard's charts: one bar chart per department, drawn with the vendored ECharts.
 *
 * Each chart container carries data-quality-chart and data-source (the id of a json_script element holding
 * {categories, rows, noncompliant, late, labels}). The same figures are in the table below every chart, so
 * nothing is lost without JavaScript; the container's aria-label describes the chart in words.
 */
(function () {
  "use strict";

  var COLORS = { rows: "#2f6fb0", noncompliant: "#c0392b", late: "#b7770f" };

  function reducedMotion() {
    return Boolean(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-source"));
    if (!source || typeof window.echarts === "undefined") {
      return null;
    }
    var data = JSON.parse(source.textContent);
    var description = container.getAttribute("aria-label") || "";
    container.textContent = "";
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption({
      animation: !reducedMotion(),
      aria: { enabled: true, label: { description: description } },
      textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 16, right: 16, top: 48, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: data.categories,
        axisLabel: { interval: 0, width: 120, overflow: "break" }
      },
      yAxis: [
        { type: "value", name: data.labels.rows, minInterval: 1, nameTextStyle: { align: "left" } },
        {
          type: "value",
          name: "不合格 / 迟报",
          minInterval: 1,
          splitLine: { show: false },
          nameTextStyle: { align: "right" }
        }
      ],
      series: [
        {
          name: data.labels.rows,
          type: "bar",
          data: data.rows,
          itemStyle: { color: COLORS.rows },
          label: { show: true, position: "top" }
        },
        {
          name: data.labels.noncompliant,
          type: "bar",
          yAxisIndex: 1,
          data: data.noncompliant,
          itemStyle: { color: COLORS.noncompliant },
          label: { show: true, position: "top" }
        },
        {
          name: data.labels.late,
          type: "bar",
          yAxisIndex: 1,
          data: data.late,
          itemStyle: { color: COLORS.late, decal: { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [2, 3] } },
          label: { show: true, position: "top" }
        }
      ]
    });
    container.setAttribute("data-rendered", "true");
    return chart;
  }

  function start() {
    var charts = [];
    document.querySelectorAll("[data-quality-chart]").forEach(function (container) {
      var chart = draw(container);
      if (chart) {
        charts.push(chart);
      }
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) {
          chart.resize();
        });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
