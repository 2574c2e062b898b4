// elearn's page glue: live-connection status and visible errors. No build step.
// Styles for pages with JavaScript (the phone menu) key on this class; without it the
// header's links simply wrap.
document.documentElement.classList.add("js");

(function () {
  // Words the page shows from here come translated in <body data-text-*> (base.html).
  function translated(key, fallback) {
    return (document.body && document.body.dataset[key]) || fallback;
  }

  function setLive(state, text) {
    var el = document.getElementById("live-status");
    // "ended": the server signed this page out and dropped its connection for good.
    if (!el || el.dataset.state === "ended") return;
    el.dataset.state = state;
    el.querySelector(".text").textContent = text;
  }

  function toast(message) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var item = document.createElement("div");
    item.className = "alert alert-error toast";
    item.setAttribute("role", "alert");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 8000);
  }

  // Other parts of this file show an error by sending "elearn:toast" with its text.
  document.addEventListener("elearn:toast", function (evt) { toast(evt.detail); });

  // Badge announcements pushed into #toasts fade away like error toasts.
  document.addEventListener("htmx:after:swap", function () {
    document.querySelectorAll("#toasts [data-badge]:not([data-timed])").forEach(function (item) {
      item.dataset.timed = "1";
      setTimeout(function () { item.remove(); }, 8000);
    });
  });

  // The live badge is for pages with JavaScript; without it there is no connection to show.
  var liveStatus = document.getElementById("live-status");
  if (liveStatus) liveStatus.hidden = false;

  document.addEventListener("htmx:ws:after:connection", function () { setLive("live", translated("textLive", "Live")); });
  document.addEventListener("htmx:ws:close", function () { setLive("offline", translated("textReconnecting", "Reconnecting…")); });

  // A request that never got an answer (network down, server restarting).
  document.addEventListener("htmx:error", function (evt) {
    var detail = evt.detail || {};
    if (detail.connection) return; // WebSocket hiccups are shown by the live status
    toast(translated("textUnreachable", "Could not reach elearn. Check your connection and try again."));
  });

  // Mark-complete and similar buttons show their own failures in place; anything else
  // that failed without a fragment of its own gets a toast.
  document.addEventListener("htmx:response:error", function (evt) {
    var ctx = (evt.detail || {}).ctx || {};
    var status = ctx.response && ctx.response.status;
    if (status === 401 || status === 403 || status >= 500) {
      toast(status >= 500 ? translated("textServerError", "Something went wrong on our side. Please try again.")
                        : translated("textNotAllowed", "You are not allowed to do that."));
    }
  });
})();

// Each live push also tells sections that refresh themselves (hx-trigger="elearn:live from:body")
// to re-fetch with their own filters, sort and page.
// The first message after the page loaded is the snapshot of what the page already shows;
// after a reconnect it is news (missed while offline), so sections refresh then too.
var liveMessages = 0;
document.addEventListener("htmx:ws:after:message:incoming", function () {
  if (liveMessages++ > 0) document.body.dispatchEvent(new CustomEvent("elearn:live"));
});

// Keyboard and screen-reader users stay where they are after Start, Mark complete or Undo.
// The module's row is replaced by the answer (and again by the live push that follows), which
// would drop focus to <body>: once the row shows its new state, focus goes to the next open
// module's button after a completion, or to the row's own button otherwise, and comes back
// there if a push replaces it within a few seconds.
(function () {
  var pending = null, wanted = null, wantedUntil = 0;

  document.addEventListener("htmx:before:request", function (evt) {
    var form = evt.target && evt.target.closest && evt.target.closest("form[data-module-action]");
    if (!form) return;
    var row = form.closest(".module");
    pending = {id: row.id, status: row.dataset.status, action: form.dataset.moduleAction};
    wanted = null;
  });

  function focusTarget(row, action) {
    if (action === "complete") {
      var rows = Array.prototype.slice.call(document.querySelectorAll(".module"));
      var at = rows.indexOf(row);
      var later = rows.slice(at + 1).concat(rows.slice(0, at));
      for (var i = 0; i < later.length; i++) {
        if (later[i].dataset.status === "completed") continue;
        var next = later[i].querySelector(".module-actions .button.primary");
        if (next) return next;
      }
    }
    return row.querySelector(".module-actions .button.primary") || row.querySelector(".module-actions button");
  }

  // The folded finished modules stay as the learner left them when a push re-renders them.
  var doneOpen = false;
  document.addEventListener("click", function (evt) {
    var summary = evt.target.closest && evt.target.closest("#done-modules > summary");
    if (summary) doneOpen = !summary.parentElement.open;
  });

  new MutationObserver(function () {
    var done = document.getElementById("done-modules");
    if (done && done.open !== doneOpen) done.open = doneOpen;
    if (pending) {
      var row = document.getElementById(pending.id);
      if (!row || row.dataset.status === pending.status) return;
      var button = focusTarget(row, pending.action);
      pending = null;
      if (!button) return;
      wanted = button.id;
      wantedUntil = Date.now() + 5000;
      button.focus();
    } else if (wanted && Date.now() < wantedUntil && document.activeElement === document.body) {
      var again = document.getElementById(wanted);
      if (again) again.focus();
    }
  }).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ["data-status", "open"]});
})();

// The header's menu on phones.
document.addEventListener("click", function (evt) {
  var toggle = evt.target.closest && evt.target.closest(".menu-toggle");
  if (!toggle) return;
  var header = toggle.closest(".site-header");
  var open = header.classList.toggle("menu-open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});

// A student's detail opens beside the list on wide screens and as a dialog on phones; focus
// moves to it, and back to the student's name when the dialog closes.
(function () {
  var opener = null, opening = false;
  var narrow = window.matchMedia("(max-width: 999px)");
  document.addEventListener("htmx:before:request", function (evt) {
    var link = evt.target && evt.target.closest && evt.target.closest("a.student-link");
    if (link) { opener = link; opening = true; }
  });
  document.addEventListener("htmx:after:swap", function () {
    var panel = document.getElementById("student-panel");
    var heading = document.getElementById("student-detail-title");
    if (!opening || !panel || !heading) return;
    opening = false;
    if (narrow.matches) {
      if (!panel.matches(":modal")) { panel.close(); panel.showModal(); }
    } else if (!panel.open) {
      panel.show();
    }
    heading.focus();
  });
  document.addEventListener("close", function (evt) {
    if (evt.target.id === "student-panel" && opener && opener.isConnected) opener.focus();
  }, true);
})();

// Active time: while the course page is visible and its learner has done something in the
// last beat (or a video or audio plays), tell the server every beat which module they work
// on: the one they last touched, else the first one in progress. An idle or hidden page
// sends nothing, so it adds nothing. (Tests shorten the beat with window.ELEARN_HEARTBEAT_MS.)
(function () {
  var beat = window.ELEARN_HEARTBEAT_MS || 30000;
  var lastInput = 0, current = null;
  function note(evt) {
    lastInput = Date.now();
    var row = evt.target && evt.target.closest && evt.target.closest(".module[data-heartbeat]");
    if (row) current = row.id;
  }
  ["pointerdown", "keydown", "scroll", "wheel", "touchstart", "play"].forEach(function (name) {
    document.addEventListener(name, note, {capture: true, passive: true});
  });
  function playing() {
    return Array.prototype.some.call(document.querySelectorAll("video, audio"), function (media) {
      return !media.paused && !media.ended;
    });
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers:inherited"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  setInterval(function () {
    if (document.visibilityState !== "visible") return;
    if (Date.now() - lastInput > beat && !playing()) return;
    var row = (current && document.getElementById(current)) || document.querySelector(".module.is-started[data-heartbeat]");
    if (!row) return;
    fetch(row.dataset.heartbeat, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrfToken()}})
      .catch(function () { /* a missed beat only loses these seconds */ });
  }, beat);
})();

// On a phone the admin sub-navigation scrolls sideways: show the current page's entry.
(function () {
  var current = document.querySelector(".subnav [aria-current='page']");
  var bar = current && current.parentElement;
  if (bar && bar.scrollWidth > bar.clientWidth) {
    var offset = current.getBoundingClientRect().left - bar.getBoundingClientRect().left + bar.scrollLeft;
    bar.scrollLeft = offset - (bar.clientWidth - current.offsetWidth) / 2;
  }
})();

// What the learner opens and plays (progress/content_views.py): a content's link clicked,
// a lesson or a module's images opened, and, while a video or audio plays, the ranges of it
// actually played (media.played: seeking ahead adds nothing), every few seconds and when it
// pauses or ends. The answer gives the share played, shown beside the player; a module its
// rule completes arrives like any completion, on the page's live updates. (Tests shorten
// the interval with window.ELEARN_PLAYED_MS.)
(function () {
  var every = window.ELEARN_PLAYED_MS || 5000;
  var sentCount = new WeakMap(), shownCount = new WeakMap();
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers:inherited"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function report(item, extra) {
    var enrollment = item.closest("[data-enrollment]");
    if (!item.dataset.viewUrl || !enrollment) return;
    var body = Object.assign({enrollmentId: Number(enrollment.dataset.enrollment)}, extra || {});
    var sent = (sentCount.get(item) || 0) + 1;
    sentCount.set(item, sent);
    fetch(item.dataset.viewUrl, {method: "POST", credentials: "same-origin", keepalive: true,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()}, body: JSON.stringify(body)})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (state) {
        var shown = item.querySelector("[data-played]");
        // Answers may arrive out of order: an older one must not replace a newer share.
        if (sent < (shownCount.get(item) || 0)) return;
        shownCount.set(item, sent);
        if (state && shown && state.watchedPercent !== null) {
          shown.textContent = shown.dataset.template.replace("%", String(Math.floor(state.watchedPercent)));
        }
      })
      .catch(function () { /* the next report carries the same ranges again */ });
  }
  function played(media) {
    var ranges = [];
    for (var i = 0; i < media.played.length; i++) ranges.push([media.played.start(i), media.played.end(i)]);
    return {playedRanges: ranges, duration: isFinite(media.duration) ? media.duration : undefined};
  }
  var last = new WeakMap();
  function mediaEvent(evt) {
    var media = evt.target, item = media.closest && media.closest("[data-view-url]");
    if (!item || !(media instanceof HTMLMediaElement)) return;
    var now = Date.now();
    if (evt.type === "timeupdate" && now - (last.get(media) || 0) < every) return;
    last.set(media, now);
    report(item, played(media));
  }
  ["play", "timeupdate", "pause", "ended"].forEach(function (name) {
    document.addEventListener(name, mediaEvent, true);
  });
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("a[data-view-link]");
    if (link) report(link.closest("[data-view-url]"));
  }, true);
  document.addEventListener("toggle", function (evt) {
    var box = evt.target;
    if (!box.open) return;
    if (box.matches(".lesson-box")) report(box.closest("[data-view-url]"));
    if (box.matches(".module-body")) {
      box.querySelectorAll("[data-view-url][data-seen-on-open]").forEach(function (item) { report(item); });
    }
  }, true);
})();

// Uploads with progress (forms marked data-upload): a file dropped on the drop zone fills
// its file input; on submit the form goes by XMLHttpRequest, whose upload progress fills
// the form's <progress>. The answer replaces data-upload-target (the module editor, as
// htmx would) or, for a redirect, the page moves there. Without script, the form posts.
(function () {
  document.addEventListener("dragover", function (evt) {
    var zone = evt.target.closest && evt.target.closest(".drop-zone");
    if (zone) { evt.preventDefault(); zone.classList.add("is-over"); }
  });
  document.addEventListener("dragleave", function (evt) {
    var zone = evt.target.closest && evt.target.closest(".drop-zone");
    if (zone) zone.classList.remove("is-over");
  });
  document.addEventListener("drop", function (evt) {
    var zone = evt.target.closest && evt.target.closest(".drop-zone");
    if (!zone || !evt.dataTransfer || !evt.dataTransfer.files.length) return;
    evt.preventDefault();
    zone.classList.remove("is-over");
    var input = zone.querySelector("input[type=file]");
    input.files = evt.dataTransfer.files;
    input.dispatchEvent(new Event("change", {bubbles: true}));
  });
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-upload]")) return;
    evt.preventDefault();
    var bar = form.querySelector(".upload-progress");
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("HX-Request", "true");
    if (bar) { bar.hidden = false; bar.value = 0; }
    request.upload.addEventListener("progress", function (progress) {
      if (bar && progress.lengthComputable) bar.value = Math.round(100 * progress.loaded / progress.total);
    });
    request.addEventListener("load", function () {
      var redirect = request.getResponseHeader("HX-Redirect");
      if (redirect) { window.location.assign(redirect); return; }
      if (bar) bar.hidden = true;
      var target = form.dataset.uploadTarget && document.querySelector(form.dataset.uploadTarget);
      var holder = document.createElement("div");
      holder.innerHTML = request.responseText;
      var replacement = holder.firstElementChild;
      if (target && replacement && replacement.id === target.id) {
        // The part of the page the form belongs to, saved or showing why not.
        target.replaceWith(replacement);
        if (window.htmx && htmx.process) htmx.process(replacement);
      } else if (!target && /^\s*<!doctype/i.test(request.responseText)) {
        document.open(); document.write(request.responseText); document.close();
      } else {
        // A refusal made before the form was read (too large, an expired page): the page stays.
        var message = holder.textContent.replace(/\s+/g, " ").trim() || document.body.dataset.textServerError ||
          "Something went wrong on our side. Please try again.";
        document.dispatchEvent(new CustomEvent("elearn:toast", {detail: message}));
      }
    });
    request.addEventListener("error", function () { if (bar) bar.hidden = true; form.submit(); });
    request.send(new FormData(form));
  });
})();
