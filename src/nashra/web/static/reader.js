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

  // «My news»: the choices live in localStorage and are mirrored in the nashra_my cookie
  // (the same token the server reads when script is off), never sent anywhere else.
  var MY = "nashra.my";
  function loadChoices() {
    try { var c = JSON.parse(store.get(MY) || "{}"); return { f: c.f || {}, m: c.m || {} }; }
    catch (e) { return { f: {}, m: {} }; }
  }
  function token(choices) {
    var json = JSON.stringify({ f: choices.f, m: choices.m });
    var b64 = btoa(unescape(encodeURIComponent(json)));
    return b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function saveChoices(choices) {
    store.set(MY, JSON.stringify(choices));
    document.cookie = "nashra_my=" + token(choices) + "; path=/; max-age=" + 400 * 86400 + "; samesite=lax";
  }
  function has(group, kind, value) { return (group[kind] || []).indexOf(value) >= 0; }
  function drop(group, kind, value) {
    group[kind] = (group[kind] || []).filter(function (v) { return v !== value; });
    if (!group[kind].length) delete group[kind];
  }
  function setupFollow() {
    var box = document.querySelector(".follow[data-follow-kind]");
    if (!box) return;
    var kind = box.getAttribute("data-follow-kind"), value = box.getAttribute("data-follow-value");
    var buttons = box.querySelectorAll("button[name=action]");
    function paint() {
      var choices = loadChoices();
      buttons.forEach(function (b) {
        var group = b.value === "follow" ? choices.f : choices.m;
        b.setAttribute("aria-pressed", String(has(group, kind, value)));
      });
    }
    buttons.forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var choices = loadChoices();
        var group = button.value === "follow" ? choices.f : choices.m;
        var other = button.value === "follow" ? choices.m : choices.f;
        if (has(group, kind, value)) drop(group, kind, value);
        else { drop(other, kind, value); (group[kind] = group[kind] || []).push(value); }
        saveChoices(choices);
        paint();
      });
    });
    paint();
  }

  function ready() {
    setupPrefs();
    setupFollow();
    countView();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
