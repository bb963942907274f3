// Live updates from /home/events. Timeline: when the server says something
// new arrived, fetch the timeline and swap in its list (without this script
// the page shows a "N new — show" link instead). Every page: the unread
// notifications count in the navigation follows the server's count.
(function () {
  var live = document.getElementById("live");
  var badge = document.getElementById("unread");
  if ((!live && !badge) || !window.EventSource) return;
  var source = new EventSource("/home/events");
  if (badge) {
    source.addEventListener("unread", function (e) {
      var n = parseInt(e.data, 10);
      if (isNaN(n)) return;
      document.getElementById("unread-n").textContent = String(n);
      badge.hidden = n === 0;
    });
  }
  if (!live) return;
  source.addEventListener("timeline", function () {
    fetch("/home/?show=new", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live");
        if (fresh) live.replaceChildren.apply(live, Array.from(fresh.childNodes));
      })
      .catch(function () {});
  });
})();
