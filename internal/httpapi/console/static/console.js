// The script of every console page: progressive enhancement, the pages
// work without it. Loaded from our origin (the CSP allows no inline script).
"use strict";
document.addEventListener("click", (ev) => {
  // Copy buttons: data-copy names the element whose text to copy.
  const copy = ev.target.closest("[data-copy]");
  if (copy) {
    const el = document.getElementById(copy.dataset.copy);
    if (el && navigator.clipboard) {
      navigator.clipboard.writeText(el.textContent.trim()).then(() => { copy.textContent = "Copied"; });
    }
    return;
  }
  // Buttons that destroy something ask first: data-confirm is the question.
  const confirmer = ev.target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.dataset.confirm)) {
    ev.preventDefault();
  }
});

// On a phone the menu starts folded, so the page's content comes first;
// without this script it stays open, as on wide screens.
if (window.matchMedia("(max-width: 768px)").matches) {
  document.querySelectorAll("details.menu[open]").forEach((menu) => menu.removeAttribute("open"));
}
