// Shanxin: progressive enhancement only. Every control also works without this file.
// Loaded in <head> without `defer` so the `js` class is set before the first paint (no flash of the
// mobile menu); everything that touches the page waits for DOMContentLoaded. No inline scripts or
// event-handler attributes anywhere, so a strict Content-Security-Policy can forbid them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // Mobile navigation: the hamburger shows and hides the header's panel.
  function initNavToggle() {
    var toggle = document.querySelector("[data-nav-toggle]");
    var nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!toggle || !nav) return;
    toggle.hidden = false;
    function setOpen(open) {
      nav.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // Language switch: submit as soon as another language is chosen; the button is then redundant.
  function initAutoSubmit() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var button = form.querySelector("[data-autosubmit-button]");
      if (button) button.hidden = true;
      form.querySelectorAll("select").forEach(function (select) {
        select.addEventListener("change", function () {
          if (typeof form.requestSubmit === "function") form.requestSubmit();
          else form.submit();
        });
      });
    });
  }

  // Disclosure menus (<details data-menu>): close on Escape and on a click elsewhere.
  function initMenus() {
    var menus = document.querySelectorAll("details[data-menu]");
    if (!menus.length) return;
    document.addEventListener("click", function (event) {
      menus.forEach(function (menu) {
        if (menu.open && !menu.contains(event.target)) menu.open = false;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      menus.forEach(function (menu) {
        if (menu.open) {
          menu.open = false;
          var summary = menu.querySelector("summary");
          if (summary) summary.focus();
        }
      });
    });
  }

  // Ask before destructive actions: <form data-confirm="Question?">.
  function initConfirm() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }

  // Forms: stop double submissions (a second click while the first request is on its way).
  function initSubmitOnce() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
      if (form.dataset.submitting === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "true";
      window.setTimeout(function () { delete form.dataset.submitting; }, 4000);
    });
  }

  // After a failed submission, bring the first invalid field into view and focus.
  function initFirstError() {
    var invalid = document.querySelector("main [aria-invalid='true']");
    if (invalid && !document.querySelector("main [autofocus]")) invalid.focus({ preventScroll: false });
  }

  // Print buttons (<button data-print>) on receipts and certificates.
  function initPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // A page waiting for background work (<div data-poll-status-url="...">) asks that URL for
  // {"solver_status": ...} and reloads itself once the status is no longer "pending".
  function initStatusPoll() {
    var box = document.querySelector("[data-poll-status-url]");
    if (!box) return;
    var url = box.getAttribute("data-poll-status-url");
    function poll() {
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.solver_status !== "pending") window.location.reload();
          else window.setTimeout(poll, 1500);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  }

  onReady(function () {
    initNavToggle();
    initAutoSubmit();
    initMenus();
    initConfirm();
    initSubmitOnce();
    initFirstError();
    initPrint();
    initStatusPoll();
  });
})();
