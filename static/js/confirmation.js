// The yearly confirmation's page: choosing 退職・異動 opens that line's 「退職・異動した人だけ」
// details, so their questions are in view. Without JavaScript the details open after a submit
// that chose it (the template's `form.leaving`).
document.addEventListener("change", (event) => {
  const radio = event.target;
  if (radio.type !== "radio" || !radio.name.endsWith("-employed") || radio.value !== "left") return;
  const details = radio.closest("fieldset.confirmation-line")?.querySelector("details[data-leaver-details]");
  if (details) details.open = true;
});
