// The book theme draws its own header buttons for the sidebar and the page's contents, but the base
// theme (pydata-sphinx-theme 0.20) opens its drawers only from the first button of each kind on the
// page, a hidden one: a tap on any other is passed on to that first one.
document.addEventListener("click", (event) => {
  for (const kind of [".primary-toggle", ".secondary-toggle"]) {
    const tapped = event.target.closest(kind), first = document.querySelector(kind);
    if (tapped && first && tapped !== first) {
      event.preventDefault();
      event.stopPropagation();
      first.click();
      return;
    }
  }
}, true);

// A display equation or table wider than its column scrolls sideways; mark it, so that it shows a
// shadow at the edge it continues past (site.css). Measured once MathJax has typeset, and on resize.
function markScrolling() {
  for (const box of document.querySelectorAll('mjx-container[display="true"], .bd-article table')) {
    box.classList.toggle("scrolls", box.scrollWidth > box.clientWidth + 1);
  }
}
window.addEventListener("resize", markScrolling);
window.addEventListener("load", () => {
  const typeset = window.MathJax && MathJax.startup && MathJax.startup.promise;
  (typeset || Promise.resolve()).then(markScrolling);
});
