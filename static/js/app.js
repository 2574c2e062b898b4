// elearn's page glue: live-connection status and visible errors. No build step.
(function () {
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

  // Badge announcements pushed into #toasts fade away like error toasts.
  document.addEventListener("htmx:after:swap", function () {
    document.querySelectorAll("#toasts [data-badge]:not([data-timed])").forEach(function (item) {
      item.dataset.timed = "1";
      setTimeout(function () { item.remove(); }, 8000);
    });
  });

  document.addEventListener("htmx:ws:after:connection", function () { setLive("live", "Live"); });
  document.addEventListener("htmx:ws:close", function () { setLive("offline", "Reconnecting…"); });

  // A request that never got an answer (network down, server restarting).
  document.addEventListener("htmx:error", function (evt) {
    var detail = evt.detail || {};
    if (detail.connection) return; // WebSocket hiccups are shown by the live status
    toast("Could not reach elearn. Check your connection and try again.");
  });

  // Mark-complete and similar buttons show their own failures in place; anything else
  // that failed without a fragment of its own gets a toast.
  document.addEventListener("htmx:response:error", function (evt) {
    var ctx = (evt.detail || {}).ctx || {};
    var status = ctx.response && ctx.response.status;
    if (status === 401 || status === 403 || status >= 500) {
      toast(status >= 500 ? "Something went wrong on our side. Please try again." : "You are not allowed to do that.");
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
