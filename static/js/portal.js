// Progressive enhancement only: every page works without JavaScript.
// Forms with data-confirm ask before a state change.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset && form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
