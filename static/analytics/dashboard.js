/* The dashboards' charts: ECharts (static/vendor/echarts) drawn from the JSON blocks the page
   carries (Django's json_script), one per <div data-chart="<block id>">. Every figure is also on
   the page as HTML, so without this script only the pictures are missing. Animation follows the
   div's data-animation (settings.JIEDU_CHART_ANIMATION; tests turn it off). */
(function () {
  "use strict";

  var PALETTE = ["#1b5e9e", "#c0392b", "#2e8b57", "#e0a100", "#6c5ce7", "#00838f", "#8d6e63"];

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function base(spec) {
    return {
      color: PALETTE,
      backgroundColor: "transparent",
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 16, right: 16, top: 40, bottom: 16, containLabel: true },
    };
  }

  function valueAxis(spec) {
    var axis = { type: "value" };
    if (spec.percent) {
      axis.max = 100;
      axis.axisLabel = { formatter: "{value}%" };
    }
    return axis;
  }

  function categoryAxis(spec) {
    var many = spec.categories.length > 6;
    return { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: many ? 30 : 0 } };
  }

  var builders = {
    line: function (spec) {
      var option = base(spec);
      option.xAxis = categoryAxis(spec);
      option.yAxis = valueAxis(spec);
      option.series = spec.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, symbolSize: 7 };
      });
      return option;
    },

    bar: function (spec) {
      var option = base(spec);
      option.tooltip = { trigger: "axis", axisPointer: { type: "shadow" } };
      option.xAxis = categoryAxis(spec);
      option.yAxis = valueAxis(spec);
      option.series = spec.series.map(function (s) {
        var series = { name: s.name, type: "bar", data: s.data, barMaxWidth: 36 };
        if (spec.stack) series.stack = "total";
        return series;
      });
      return option;
    },

    pie: function (spec) {
      var data = spec.categories
        .map(function (name, i) { return { name: name, value: spec.series[0].data[i] }; })
        .filter(function (item) { return item.value > 0; });
      return {
        color: PALETTE,
        backgroundColor: "transparent",
        tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "62%"], data: data, label: { formatter: "{b}\n{c}" } }],
      };
    },

    // Kaplan–Meier: each curve as a step line, its 95% band as the area between the lower and
    // the upper bound (a transparent lower line with the difference stacked on it).
    survival: function (spec) {
      var option = base(spec);
      option.xAxis = {
        type: "category", data: spec.categories, boundaryGap: false, name: spec.labels.months,
        nameLocation: "middle", nameGap: 28,
      };
      option.yAxis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
      option.grid.bottom = 32;
      option.legend.data = spec.series.map(function (s) { return s.name; });
      option.tooltip = {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          var lines = [spec.labels.months + " " + spec.categories[i]];
          spec.series.forEach(function (s) {
            lines.push(s.name + "：" + s.survival[i] + "%（" + spec.labels.band + " " +
              s.lower[i] + "% – " + s.upper[i] + "%）");
          });
          return lines.join("<br>");
        },
      };
      option.series = [];
      spec.series.forEach(function (s, n) {
        var color = PALETTE[n % PALETTE.length];
        var stack = "band-" + n;
        var width = s.upper.map(function (u, i) {
          return u === null || s.lower[i] === null ? null : Math.round((u - s.lower[i]) * 10) / 10;
        });
        option.series.push({
          name: s.name + " lower", type: "line", step: "end", data: s.lower, stack: stack,
          symbol: "none", lineStyle: { opacity: 0 }, silent: true,
        });
        option.series.push({
          name: s.name + " band", type: "line", step: "end", data: width, stack: stack,
          symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: color, opacity: 0.18 },
          silent: true,
        });
        option.series.push({
          name: s.name, type: "line", step: "end", data: s.survival, symbol: "none",
          lineStyle: { width: 2, color: color }, itemStyle: { color: color },
        });
      });
      return option;
    },
  };

  function draw(el) {
    var spec = read(el.getAttribute("data-chart"));
    if (!spec || !builders[spec.kind] || !window.echarts) return;
    var dark = document.body.classList.contains("wall");
    var chart = window.echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
    var option = builders[spec.kind](spec);
    option.animation = el.getAttribute("data-animation") !== "false";
    chart.setOption(option);
    el.setAttribute("data-rendered", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
