// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";

  // Forms with data-confirm ask before a state change; so does a submit button with its own
  // data-confirm (a form whose other button only previews).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const button = event.submitter;
    // A second click that came in while the first was being asked about: the form has gone
    // already, so neither ask again nor send again.
    if (form.dataset && form.dataset.sending) { event.preventDefault(); return; }
    const question = (button && button.dataset && button.dataset.confirm) || (form.dataset && form.dataset.confirm);
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // A second click on a submit button while the page is sending does nothing: the buttons are
  // disabled once the form has gone. Not at once: a disabled button would drop its own
  // name=value from what is sent. The server still treats a repeated POST as harmless.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || form.method.toLowerCase() !== "post") return;
    const buttons = form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
    form.dataset.sending = "1";
    window.setTimeout(() => buttons.forEach((button) => { button.disabled = true; }), 0);
    // A download answers without leaving the page: give the buttons back after a while.
    window.setTimeout(() => {
      buttons.forEach((button) => { button.disabled = false; });
      delete form.dataset.sending;
    }, 8000);
  });
  // Back to a page kept in the browser's cache: its buttons work again.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    document.querySelectorAll("form button:disabled, form input[type=submit]:disabled").forEach((button) => {
      button.disabled = false;
    });
    document.querySelectorAll("form[data-sending]").forEach((form) => { delete form.dataset.sending; });
  });

  document.addEventListener("DOMContentLoaded", () => {
    // After a failed submit the error summary takes the focus, so it is read out first and its
    // links lead to each field.
    const summary = document.getElementById("error-summary");
    if (summary) summary.focus();

    // Old browsers without ::details-content keep the menu folded on a wide screen: open it.
    const menu = document.querySelector("details.nav-menu");
    if (menu && !CSS.supports("selector(::details-content)") && window.matchMedia("(min-width: 700px)").matches) {
      menu.open = true;
    }

    // A table that scrolls sideways in its box can be scrolled from the keyboard: the box takes
    // the focus and is named after the table (its caption or the heading above it).
    const boxes = document.querySelectorAll(".table-scroll");
    const label = (box) => {
      const caption = box.querySelector("caption");
      if (caption) return caption.textContent.trim();
      let previous = box.previousElementSibling;
      while (previous && !/^H[1-6]$/.test(previous.tagName)) previous = previous.previousElementSibling;
      return previous ? previous.textContent.trim() : "表";
    };
    const update = () => boxes.forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", `${label(box)}（横にスクロールできます）`);
      } else if (!scrolls && box.hasAttribute("tabindex")) {
        ["tabindex", "role", "aria-label"].forEach((name) => box.removeAttribute(name));
      }
    });
    update();
    window.addEventListener("resize", update);
  });
})();
