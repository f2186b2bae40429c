// Click-to-play: the provider's player is loaded only when the reader presses play, so no
// request leaves for a third party before that (the page itself shows our own poster).
(function () {
  "use strict";
  function play(figure, link) {
    var embed = figure.getAttribute("data-embed");
    var file = figure.getAttribute("data-file");
    var title = figure.getAttribute("data-title") || "";
    var node;
    if (embed) {
      node = document.createElement("iframe");
      node.src = embed;
      node.title = title;
      node.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
      node.allowFullscreen = true;
      node.referrerPolicy = "strict-origin-when-cross-origin";
    } else if (file) {
      node = document.createElement("video");
      node.src = file;
      node.controls = true;
      node.autoplay = true;
      node.setAttribute("aria-label", title);
    } else {
      return false;
    }
    node.className = "player-frame";
    link.replaceWith(node);
    node.focus();
    return true;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".player a.play");
    if (!link) return;
    if (play(link.closest(".player"), link)) event.preventDefault();
  });
})();
