// The gym page's live part: asks /api/gym every few seconds (data-poll on #gym) and redraws
// the broker's line and every station's card. No framework, as now.js.
(function () {
  "use strict";
  var box = document.getElementById("gym");
  if (!box) { return; }
  var every = Math.max(200, 1000 * parseFloat(box.getAttribute("data-poll") || "1"));

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function card(s) {
    var li = el("li", "station state-" + s.state + (s.here ? " here" : ""));
    li.setAttribute("data-station", s.station);
    var head = el("div", "station-head");
    head.appendChild(el("span", "station-id", s.station));
    head.appendChild(el("span", "state", s.state + (s.since ? " since " + s.since : "")));
    li.appendChild(head);
    if (s.unreadable) {
      var bad = el("p", "unreadable", s.unreadable);
      bad.title = s.unreadable_detail;
      li.appendChild(bad);
    }
    if (s.screen) {
      var doing = el("p", "doing");
      doing.appendChild(el("span", "screen screen-" + s.screen, s.screen));
      doing.appendChild(document.createTextNode(" "));
      doing.appendChild(el("span", "athlete", s.athlete));
      li.appendChild(doing);
    }
    if (s.reps !== null) {
      var fig = el("p", "figures");
      fig.appendChild(el("span", "reps", String(s.reps)));
      fig.appendChild(document.createTextNode(" reps · "));
      fig.appendChild(el("span", "passed", String(s.passed)));
      fig.appendChild(document.createTextNode(" passed"));
      li.appendChild(fig);
    }
    var badges = el("ul", "badges");
    s.badges.forEach(function (b) {
      badges.appendChild(el("li", b.ok ? "ok" : "down", b.name + (b.ok ? "" : ": " + b.reason)));
    });
    li.appendChild(badges);
    li.appendChild(el("p", "last small", s.last || "no result seen yet"));
    return li;
  }

  function draw(data) {
    var line = document.getElementById("gym-line");
    line.className = "broker broker-" + data.broker;
    if (line.textContent !== data.line) { line.textContent = data.line; }
    document.getElementById("gym-docs").className = "small" + (data.broker === "off" ? "" : " hidden");
    document.getElementById("gym-empty").className =
      "small" + (data.broker !== "off" && !data.stations.length ? "" : " hidden");
    var list = document.getElementById("stations");
    list.className = "stations" + (data.stale ? " stale" : "");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    data.stations.forEach(function (s) { list.appendChild(card(s)); });
    box.classList.remove("stale");
  }

  function poll() {
    var req = new XMLHttpRequest();
    req.open("GET", "/api/gym");
    req.timeout = every * 3;
    req.onload = function () {
      if (req.status === 200) { draw(JSON.parse(req.responseText)); }
      else { box.classList.add("stale"); }
      setTimeout(poll, every);
    };
    req.onerror = req.ontimeout = function () {
      box.classList.add("stale");
      setTimeout(poll, every);
    };
    req.send();
  }
  setTimeout(poll, every);
}());
