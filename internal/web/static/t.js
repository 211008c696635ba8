/* Chorus conversion snippet: <script src="…/t.js" data-key="pk_…" async>.
   Keeps the cid first-party for 30 days, reports landing and engagement,
   offers chorus.track(event, {value, currency, …}). */
(function (w, d) {
  "use strict";
  try {
    var s = d.currentScript || d.querySelector("script[data-key]");
    if (!s || !s.src) return;
    var key = s.getAttribute("data-key") || "";
    var api = new URL("/api/v1/collect", s.src).href;
    var AGE = 2592000, RE = /^[\w-]{16,64}$/;
    var own = /^(value|currency|order_id|event_id|customer_id)$/;
    var stored = function (n) {
      var m = d.cookie.match(new RegExp("(?:^|; )" + n + "=([\\w-]+)"));
      if (m && RE.test(m[1])) return m[1];
      try {
        var v = JSON.parse(localStorage.getItem(n) || "null");
        if (v && v.e > Date.now() && RE.test(v.c)) return v.c;
      } catch (e) {}
      return "";
    };
    var keep = function (n, v) {
      d.cookie = n + "=" + v + ";max-age=" + AGE + ";path=/;SameSite=Lax" + (location.protocol == "https:" ? ";Secure" : "");
      try { localStorage.setItem(n, JSON.stringify({ c: v, e: Date.now() + AGE * 1000 })); } catch (e) {}
    };
    var q = new URLSearchParams(location.search).get("cid") || "";
    var fresh = RE.test(q);
    var cid = fresh ? q : stored("chorus_cid");
    if (fresh) keep("chorus_cid", q);
    // A random id of this browser ties its clicks of other days together
    // (first-touch and linear attribution); made on a tracked visit only.
    var bid = stored("chorus_bid");
    if (!bid && fresh) {
      var a = new Uint8Array(12);
      crypto.getRandomValues(a);
      bid = btoa(String.fromCharCode.apply(null, a)).replace(/\+/g, "-").replace(/\//g, "_");
    }
    if (bid) keep("chorus_bid", bid);
    var track = function (event, o) {
      try {
        var b = { key: key, event: String(event) }, p = {}, n = 0, k;
        if (cid) b.cid = cid;
        if (bid) b.bid = bid;
        o = o || {};
        for (k in o) {
          if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
          if (own.test(k)) b[k] = k == "value" ? Number(o[k]) : String(o[k]);
          else if (n < 20) { p[k] = o[k]; n++; }
        }
        if (n) b.props = p;
        var body = JSON.stringify(b);
        // A string body is text/plain: no preflight, and it outlives the page.
        if (navigator.sendBeacon && navigator.sendBeacon(api, body)) return true;
        if (w.fetch) fetch(api, { method: "POST", body: body, keepalive: true, credentials: "omit", mode: "cors" })["catch"](function () {});
        return true;
      } catch (e) { return false; }
    };
    // Calls made before the snippet loaded wait in chorus.q as [event, o].
    var early = (w.chorus && w.chorus.q) || [];
    w.chorus = { track: track, cid: function () { return cid; } };
    for (var i = 0; i < early.length; i++) track(early[i][0], early[i][1]);
    if (!cid) return;
    var visit = function () {
      if (fresh) track("landing");
      var done = false, timer;
      var engaged = function () {
        if (done) return;
        done = true;
        clearTimeout(timer);
        w.removeEventListener("scroll", onScroll);
        track("engaged");
      };
      var onScroll = function () {
        var h = d.documentElement.scrollHeight || 1;
        if ((w.scrollY + w.innerHeight) / h >= 0.5) engaged();
      };
      timer = setTimeout(engaged, 10000);
      w.addEventListener("scroll", onScroll, { passive: true });
    };
    // A prerendered page runs before anyone sees it, and may never be
    // seen: the visit, and its landing, begin when it is shown. A landing
    // is what makes a prefetched click a person's.
    if (d.prerendering) d.addEventListener("prerenderingchange", visit, { once: true });
    else visit();
  } catch (e) {}
})(window, document);
