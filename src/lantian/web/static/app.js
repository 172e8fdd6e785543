// lantian charts: read JSON embedded in the page and draw it with ECharts (served from /static/vendor).
"use strict";
(function () {
  // HJ 633 AQI level colours (一级 … 六级)
  const PIECES = [
    { min: 0, max: 50, color: "#00e400", label: "优" },
    { min: 51, max: 100, color: "#ffff00", label: "良" },
    { min: 101, max: 150, color: "#ff7e00", label: "轻度" },
    { min: 151, max: 200, color: "#ff0000", label: "中度" },
    { min: 201, max: 300, color: "#99004c", label: "重度" },
    { min: 301, color: "#7e0023", label: "严重" },
  ];

  function data(el) {
    const source = document.getElementById(el.dataset.source);
    return source ? JSON.parse(source.textContent) : [];
  }

  const round1 = (x) => Math.round(x * 10) / 10;

  // every day from first to last (YYYY-MM-DD), as [day, 0]: the day numbers of a calendar
  function days(first, last) {
    const out = [];
    for (let t = Date.parse(first); t <= Date.parse(last); t += 864e5) {
      out.push([new Date(t).toISOString().slice(0, 10), 0]);
    }
    return out;
  }

  // 累计值 against the target: the value to date after each day, over the whole year
  function targetChart(el, t) {
    if (!t.series || !t.series.length) return null;
    const year = t.series[0][0].slice(0, 4);
    const word = t.target_word || "目标";
    const line = t.target === null ? [] : [{ yAxis: t.target, name: word }];
    return {
      title: { text: t.label, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      xAxis: { type: "time", min: `${year}-01-01`, max: `${year}-12-31` },
      yAxis: {
        type: "value", name: t.unit || "",  // the target line stays in view
        min: (v) => Math.floor(t.target === null ? v.min : Math.min(v.min, t.target) * 0.95),
        max: (v) => Math.min(t.unit === "%" ? 100 : Infinity,
          Math.ceil(t.target === null ? v.max : Math.max(v.max, t.target) * 1.05)),
      },
      series: [{
        name: t.label, type: "line", showSymbol: false, data: t.series,
        markLine: { symbol: "none", lineStyle: { color: "#c0392b", type: "dashed" },
          label: { formatter: `${word} ${t.comparator === ">=" || t.comparator === "increase_by" ? "≥" : "≤"} ${round1(t.target)}` },
          data: line },
      }],
    };
  }

  function byCity(rows) {
    const out = new Map();
    for (const r of rows) {
      if (!out.has(r.station)) out.set(r.station, []);
      out.get(r.station).push([r.day, r.aqi]);
    }
    return out;
  }

  const charts = {
    target: targetChart,
    trend(el, rows) {
      const series = [...byCity(rows)].map(([name, points]) => ({ name, type: "line", showSymbol: false, data: points }));
      return {
        tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 },
        xAxis: { type: "time" }, yAxis: { type: "value", name: "AQI" },
        dataZoom: [{ type: "inside" }, { type: "slider" }], series,
      };
    },
    "city-trend"(el, rows) {
      return {
        tooltip: { trigger: "axis" }, legend: { top: 0 },
        xAxis: { type: "time" }, yAxis: [{ type: "value", name: "AQI" }, { type: "value", name: "PM2.5 µg/m³" }],
        dataZoom: [{ type: "inside" }, { type: "slider" }],
        series: [
          { name: "AQI", type: "line", showSymbol: false, data: rows.map((r) => [r.day, r.aqi]) },
          { name: "PM2.5", type: "bar", yAxisIndex: 1, data: rows.map((r) => [r.day, r.pm25]) },
        ],
      };
    },
    calendar(el, rows) {
      if (!rows.length) return null;
      // a year (data-year) or the data's own span; square cells with the day of the month in each,
      // weeks across on a wide screen and down on a phone (seven cells fit 390 px)
      const first = el.dataset.year ? `${el.dataset.year}-01-01` : rows[0].day;
      const last = el.dataset.year ? `${el.dataset.year}-12-31` : rows[rows.length - 1].day;
      const weeks = Math.ceil((Date.parse(last) - Date.parse(first)) / 864e5 / 7) + 2;
      const width = el.clientWidth || 360;
      const narrow = width < 640;
      const margin = narrow ? { top: 90, left: 40, right: 6 } : { top: 64, left: 36, right: 12 };
      const across = narrow ? 7 : weeks;
      const cell = Math.max(10, Math.min(narrow ? 44 : 30, Math.floor((width - margin.left - margin.right) / across)));
      el.style.height = `${margin.top + (narrow ? weeks : 7) * cell + 24}px`;
      return {
        tooltip: { formatter: (p) => `${p.value[0]} AQI ${p.value[1]}` },
        visualMap: { type: "piecewise", pieces: PIECES, orient: "horizontal", left: "center", top: 0, seriesIndex: 0,
          itemWidth: 14, itemGap: 6, textStyle: { fontSize: 11 } },
        calendar: {
          range: [first, last], top: margin.top, left: margin.left,
          orient: narrow ? "vertical" : "horizontal", cellSize: [cell, cell],
          dayLabel: { firstDay: 1, nameMap: "ZH", fontSize: 10 }, monthLabel: { nameMap: "ZH", fontSize: 11 },
          yearLabel: { show: false }, itemStyle: { borderColor: "#fff", borderWidth: 1 },  // the year is in the heading
          splitLine: { lineStyle: { color: "#888", width: 1 } },
        },
        series: [
          { type: "heatmap", coordinateSystem: "calendar",
            data: rows.filter((r) => r.aqi !== null).map((r) => [r.day, r.aqi]) },
          { type: "scatter", coordinateSystem: "calendar", symbolSize: 0, silent: true, data: days(first, last),
            label: { show: cell >= 14, position: "inside", fontSize: Math.min(12, Math.floor(cell / 2)), color: "#222",
              formatter: (p) => String(Number(p.value[0].slice(8))) } },
        ],
      };
    },
  };

  function draw() {
    for (const el of document.querySelectorAll("[data-chart]")) {
      const make = charts[el.dataset.chart];
      if (!make || typeof echarts === "undefined") {
        el.classList.add("no-chart");
        continue;
      }
      const option = make(el, data(el));
      if (!option) continue;
      const chart = echarts.init(el);
      chart.setOption(option);
      el.dataset.drawn = "1";
      window.addEventListener("resize", () => chart.resize());
    }
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
