// The reading edition: give the saved slider panels' plots (drawn by the widget manager) a text description.
(function () {
  function describe() {
    const alts = window.NN_ALT || {};
    for (const [cellId, alt] of Object.entries(alts)) {
      const cell = document.getElementById('cell-id=' + cellId);
      if (!cell) continue;
      cell.querySelectorAll('img:not([alt])').forEach(img => img.setAttribute('alt', alt));
    }
  }
  new MutationObserver(describe).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('DOMContentLoaded', describe);
}());
