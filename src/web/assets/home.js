// Live timeline: when the server says something new arrived, fetch the
// timeline and swap in its list. Without this script the page shows a
// "N new — show" link instead.
(function () {
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var source = new EventSource("/home/events");
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
