// The reader's side of the portal (no cookie, nothing sent but the view beacon):
// theme and text size kept in this browser, and one view counted per article page.
(function () {
  "use strict";
  var root = document.documentElement;
  var store = {
    get: function (key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } },
    set: function (key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  };
  var SIZES = ["", "text-large", "text-larger"];

  function systemDark() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }
  function applyTheme(theme) {
    root.classList.remove("theme-dark", "theme-light");
    if (theme === "dark" || theme === "light") root.classList.add("theme-" + theme);
  }
  function isDark() {
    var theme = store.get("nashra.theme");
    return theme ? theme === "dark" : systemDark();
  }
  function applySize(size) {
    SIZES.forEach(function (name) { if (name) root.classList.remove(name); });
    if (size) root.classList.add(size);
  }
  applyTheme(store.get("nashra.theme"));
  applySize(store.get("nashra.text") || "");

  function setupPrefs() {
    var box = document.querySelector("[data-prefs]");
    if (!box) return;
    box.hidden = false;
    var theme = box.querySelector("[data-theme-toggle]");
    var size = box.querySelector("[data-text-size]");
    theme.setAttribute("aria-pressed", String(isDark()));
    theme.addEventListener("click", function () {
      var next = isDark() ? "light" : "dark";
      store.set("nashra.theme", next);
      applyTheme(next);
      theme.setAttribute("aria-pressed", String(next === "dark"));
    });
    var current = store.get("nashra.text") || "";
    size.setAttribute("aria-pressed", String(current !== ""));
    size.addEventListener("click", function () {
      var now = SIZES.indexOf(store.get("nashra.text") || "");
      var next = SIZES[(now + 1) % SIZES.length];
      store.set("nashra.text", next);
      applySize(next);
      size.setAttribute("aria-pressed", String(next !== ""));
    });
  }

  function countView() {
    var article = document.querySelector("article[data-view]");
    if (!article || !navigator.sendBeacon) return;
    navigator.sendBeacon(article.getAttribute("data-view"));
  }

  function ready() {
    setupPrefs();
    countView();
    if (window.NashraMyNews) window.NashraMyNews.setup(store);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
