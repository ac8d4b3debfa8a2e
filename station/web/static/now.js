// The coach page's live parts: Now asks /api/now every few seconds (data-poll on #now) and
// redraws the station's state and today's table; Gym asks /api/gym (#gym) and redraws every
// station on the broker; Settings asks /api/requests while a request waits for the kiosk.
// No framework: a page a phone keeps open.
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function set(id, text) {
    var e = document.getElementById(id);
    if (e && e.textContent !== String(text)) { e.textContent = text; }
  }
  function fill(list, items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) { list.appendChild(item); });
  }
  function faults(names) { return names.join(", ").replace(/_/g, " "); }

  function drawNow(data) {
    var now = data.now;
    var screen = document.getElementById("screen");
    screen.className = "screen screen-" + now.screen;
    set("screen", now.running ? now.screen : "not running");
    set("athlete", now.athlete || "");
    set("reps", now.reps);
    set("passed", now.passed);
    set("buzzer", now.muted ? "muted" : "on");
    set("classmode", now.class_mode_s ? (now.class_mode_s / 60) + " min" : "off");
    set("updated", now.updated || "never");
    // A stopped station's figures are its last word: said so, and its health greyed.
    set("seen", now.seen);
    document.getElementById("seen").className = "seen-line" + (now.seen ? "" : " hidden");
    document.getElementById("now").classList.toggle("last-seen", !!now.seen);
    document.getElementById("settings").className = now.running ? "" : "hidden";
    fill(document.getElementById("verdicts"), now.verdicts.map(function (v) {
      if (!v.judged) {  // counted without a verdict
        return el("li", "unjudged", "Rep " + v.rep + ": NO VERDICT");
      }
      return el("li", v.passed ? "pass" : "fail",
                "Rep " + v.rep + ": " + (v.passed ? "PASS" : "FAIL " + faults(v.faults)));
    }));
    fill(document.getElementById("badges"), now.badges.map(function (b) {
      return el("li", !now.running ? "seen" : b.ok ? "ok" : "down",
                b.name + (b.ok ? "" : ": " + b.reason));
    }));
    var body = document.querySelector("#today tbody");
    fill(body, data.today.map(function (r) {
      var tr = el("tr");
      var who = el("td");
      if (r.athlete_id) {
        var a = el("a", "", r.athlete);
        a.href = "/athletes/" + r.athlete_id;
        who.appendChild(a);
      } else {
        who.textContent = r.athlete;
      }
      tr.appendChild(who);
      [r.sets, r.reps, r.passed, (r.main_fault || "").replace(/_/g, " ")].forEach(
        function (v) { tr.appendChild(el("td", "", v)); });
      return tr;
    }));
    var gym = data.gym, line = document.getElementById("gym-line");
    if (gym && line) {
      line.className = "broker broker-" + gym.broker;
      set("gym-line", gym.line);
      set("gym-count", gym.broker === "off" ? "" :
          gym.stations + (gym.stations === 1 ? " station, " : " stations, ") +
          gym.online + " online");
    }
  }

  // -- the gym: one card per station on the broker ----------------------------------------
  function card(s) {
    var li = el("li", "station state-" + s.state + (s.here ? " here" : ""));
    li.setAttribute("data-station", s.station);
    var head = el("div", "station-head");
    var id = el("span", "station-id", s.station);
    if (s.here) {  // the page's own station, named as well as outlined
      id.appendChild(document.createTextNode(" "));
      id.appendChild(el("span", "this-station", "this station"));
    }
    head.appendChild(id);
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

  function drawGym(data) {
    var line = document.getElementById("gym-line");
    line.className = "broker broker-" + data.broker;
    set("gym-line", data.line);
    document.getElementById("gym-docs").className = "small" + (data.broker === "off" ? "" : " hidden");
    document.getElementById("gym-empty").className =
      "small" + (data.broker !== "off" && !data.stations.length ? "" : " hidden");
    var list = document.getElementById("stations");
    list.className = "stations" + (data.stale ? " stale" : "");
    fill(list, data.stations.map(card));
  }

  function clock(d) {
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) {
      return ("0" + n).slice(-2);
    }).join(":");
  }

  // Asks `url` every data-poll seconds of `box` and hands each answer to `draw`. While the
  // answers fail the box greys and a line above it says since when the figures are old
  // (the last good answer, or the page's loading); the next good answer takes both away.
  function live(box, url, draw) {
    var every = Math.max(200, 1000 * parseFloat(box.getAttribute("data-poll") || "1"));
    var lost = el("p", "lost hidden");
    lost.id = box.id + "-lost";
    box.parentNode.insertBefore(lost, box);
    var heard = new Date();
    function fail(why) {
      box.classList.add("stale");
      lost.textContent = why + " since " + clock(heard) + ": what is below is from then";
      lost.className = "lost";
      setTimeout(poll, every);
    }
    function poll() {
      var req = new XMLHttpRequest();
      req.open("GET", url);
      req.timeout = every * 3;
      req.onload = function () {
        if (req.status !== 200) {
          fail("The station's page server fails to answer (HTTP " + req.status + ")");
          return;
        }
        draw(JSON.parse(req.responseText));
        heard = new Date();
        box.classList.remove("stale");
        lost.className = "lost hidden";
        setTimeout(poll, every);
      };
      req.onerror = req.ontimeout = function () {
        fail("Lost contact with the station's page server");
      };
      req.send();
    }
    setTimeout(poll, every);
  }

  // Settings: while a request waits for the kiosk, asks /api/requests every few seconds
  // and redraws the list, so "waiting" turns into the kiosk's answer or "expired".
  function watchRequests(list) {
    function poll() {
      if (list.getAttribute("data-waiting") !== "1") { return; }
      var req = new XMLHttpRequest();
      req.open("GET", "/api/requests");
      req.timeout = 5000;
      req.onload = function () {
        if (req.status === 200) {
          var data = JSON.parse(req.responseText);
          fill(list, data.requests.map(function (line) { return el("li", "", line); }));
          list.setAttribute("data-waiting", data.waiting ? "1" : "0");
        }
        setTimeout(poll, 2000);
      };
      req.onerror = req.ontimeout = function () { setTimeout(poll, 2000); };
      req.send();
    }
    setTimeout(poll, 2000);
  }

  var now = document.getElementById("now");
  if (now) { live(now, "/api/now", drawNow); }
  var gym = document.getElementById("gym");
  if (gym) { live(gym, "/api/gym", drawGym); }
  var asked = document.getElementById("requests");
  if (asked) { watchRequests(asked); }
}());
