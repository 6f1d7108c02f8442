// Progressive enhancement for the groups pages; without JavaScript every field is simply shown.
document.addEventListener("DOMContentLoaded", () => {
  // Group form: a free group has a name and no patient; a patient group the other way round.
  const form = document.getElementById("group-form");
  if (form) {
    const field = (name) => form.querySelector(`[name="${name}"]`)?.closest(".field");
    const update = () => {
      const kind = form.querySelector('[name="kind"]:checked')?.value;
      const free = kind === "free";
      field("patient")?.classList.toggle("is-hidden", free);
      field("title")?.classList.toggle("is-hidden", !free && !field("title").querySelector(".error"));
    };
    form.querySelectorAll('[name="kind"]').forEach((radio) => radio.addEventListener("change", update));
    update();
  }
});
