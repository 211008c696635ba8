// Chorus front-end glue: ECharts from data-chart, CSRF header for htmx, data-confirm.
(function () {
  "use strict";

  function locale() {
    return /^zh/i.test(document.documentElement.lang || "") ? "ZH" : "EN";
  }

  // (a) <div class="chart" data-chart='{ECharts option JSON}'>
  function initCharts(root) {
    if (!window.echarts || !root || !root.querySelectorAll) return;
    var els = [].slice.call(root.querySelectorAll(".chart[data-chart]"));
    if (root.matches && root.matches(".chart[data-chart]")) els.push(root);
    els.forEach(function (el) {
      if (echarts.getInstanceByDom(el)) return;
      var opt;
      try {
        opt = JSON.parse(el.getAttribute("data-chart"));
      } catch (e) {
        console.error("chorus: bad data-chart JSON", el, e);
        return;
      }
      echarts.init(el, null, { locale: locale() }).setOption(opt);
    });
  }

  function resizeCharts() {
    if (!window.echarts) return;
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var c = echarts.getInstanceByDom(el);
      if (c) c.resize();
    });
  }

  var timer;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(resizeCharts, 100);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initCharts(document); });
  } else {
    initCharts(document);
  }
  document.addEventListener("htmx:load", function (e) { initCharts(e.target); });
  document.addEventListener("htmx:afterSwap", function (e) {
    initCharts((e.detail && e.detail.target) || e.target);
  });
  // Free chart instances on elements htmx is about to remove.
  document.addEventListener("htmx:beforeCleanupElement", function (e) {
    var el = e.target;
    if (window.echarts && el && el.getAttribute && el.hasAttribute("data-chart")) {
      var c = echarts.getInstanceByDom(el);
      if (c) c.dispose();
    }
  });

  // (b) CSRF token on every htmx request.
  document.addEventListener("htmx:configRequest", function (e) {
    var m = document.querySelector('meta[name="csrf-token"]');
    if (m && m.content) e.detail.headers["X-CSRF-Token"] = m.content;
  });

  // (c) <button data-confirm="Really delete?">: ask first; runs in the capture
  // phase so it also stops htmx (hx-post etc.) and form submission.
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("button[data-confirm], a[data-confirm], input[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
})();

// Tracked links and conversions: <button data-copy="text" data-copied="Copied">
// copies its text; <select data-autosubmit> submits its form on change.
(function () {
  "use strict";
  function fallbackCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "absolute";
    ta.style.left = "-9999px";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(ta);
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("button[data-copy]");
    if (!btn) return;
    e.preventDefault();
    var text = btn.getAttribute("data-copy");
    var done = function () {
      var label = btn.getAttribute("data-copied");
      if (!label) return;
      var before = btn.textContent;
      btn.textContent = label;
      setTimeout(function () { btn.textContent = before; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
})();

// On a narrow screen the main navigation is a row that scrolls sideways:
// bring the current section's tab into it, so that the last sections'
// pages do not open with their own tab past the edge, and mark the sides
// that sections are hidden past (more-before, more-after), which the row
// fades: in English a phone shows four of the six, and nothing said the
// other two were there.
(function () {
  var fade = 40; // px, as .mainnav.more-* fade
  function markEdges(nav) {
    var end = nav.scrollWidth - nav.clientWidth;
    nav.classList.toggle("more-before", nav.scrollLeft > 1);
    nav.classList.toggle("more-after", nav.scrollLeft < end - 1);
  }
  function showCurrent() {
    var nav = document.querySelector(".mainnav");
    if (!nav) return;
    var cur = nav.querySelector('a[aria-current="page"]');
    if (cur && nav.scrollWidth > nav.clientWidth) {
      var n = nav.getBoundingClientRect(), c = cur.getBoundingClientRect();
      if (c.right > n.right - fade) nav.scrollLeft += c.right - n.right + fade;
      else if (c.left < n.left + fade) nav.scrollLeft -= n.left - c.left + fade;
    }
    markEdges(nav);
    nav.addEventListener("scroll", function () { markEdges(nav); }, { passive: true });
    window.addEventListener("resize", function () { markEdges(nav); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showCurrent);
  } else {
    showCurrent();
  }
})();

// The first-run setup's form, not yet sent (data-guess-zone), begins with
// the browser's time zone when the zone picker lists it; the server's
// default (Asia/Shanghai) stays otherwise.
(function () {
  function guessZone() {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    document.querySelectorAll("form[data-guess-zone] select[name=time_zone]").forEach(function (sel) {
      for (var i = 0; i < sel.options.length; i++) {
        if (sel.options[i].value === zone) {
          sel.value = zone;
          return;
        }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", guessZone);
  } else {
    guessZone();
  }
})();
