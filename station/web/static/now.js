// The coach page's live part: asks /api/now every few seconds (data-poll on #now) and
// redraws the station's state and today's table. No framework: a page a phone keeps open.
(function () {
  "use strict";
  var box = document.getElementById("now");
  if (!box) { return; }
  var every = Math.max(200, 1000 * parseFloat(box.getAttribute("data-poll") || "1"));

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

  function draw(data) {
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
    document.getElementById("settings").className = now.running ? "" : "hidden";
    fill(document.getElementById("verdicts"), now.verdicts.map(function (v) {
      return el("li", v.passed ? "pass" : "fail",
                "Rep " + v.rep + ": " + (v.passed ? "PASS" : "FAIL " + faults(v.faults)));
    }));
    fill(document.getElementById("badges"), now.badges.map(function (b) {
      return el("li", b.ok ? "ok" : "down", b.name + (b.ok ? "" : ": " + b.reason));
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
    box.classList.remove("stale");
  }

  function poll() {
    var req = new XMLHttpRequest();
    req.open("GET", "/api/now");
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
