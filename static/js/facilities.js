// Progressive enhancement for the ledger's forms; every page works without it.

// "全員を選ぶ": tick every checkbox of the named field (training attendees).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-select-all]");
  if (!button) return;
  const boxes = document.querySelectorAll(`input[type=checkbox][name="${button.dataset.selectAll}"]`);
  const tickAll = Array.from(boxes).some((box) => !box.checked);
  boxes.forEach((box) => { box.checked = tickAll; });
});

// Pledge form: the existing pledge's name only matters when the pledge is exempted.
function syncPledgeForm() {
  const form = document.getElementById("pledge-form");
  if (!form) return;
  const exempt = form.querySelector("input[name=kind][value=exempt]");
  const field = form.querySelector("#id_existing_pledge");
  if (!exempt || !field) return;
  field.closest(".field").hidden = !exempt.checked;
}
document.addEventListener("change", (event) => {
  if (event.target.name === "kind") syncPledgeForm();
});
document.addEventListener("DOMContentLoaded", syncPledgeForm);
