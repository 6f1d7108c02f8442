// Progressive enhancement of the application form; the page works without it
// (行を追加 then posts the form and the server adds the row, 削除 is a checkbox).
(function () {
  "use strict";

  function setUpRegistrantRows(form) {
    const prefix = form.dataset.registrantPrefix;
    const rows = document.getElementById("registrant-rows");
    const template = document.getElementById("registrant-empty");
    const total = form.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const addButton = form.querySelector("button.add-row");
    if (!prefix || !rows || !template || !total || !addButton) return;
    const maxRows = parseInt(form.querySelector(`input[name="${prefix}-MAX_NUM_FORMS"]`).value, 10);

    function enhanceRemove(row) {
      const box = row.querySelector('input[type="checkbox"][name$="-DELETE"]');
      if (!box || row.querySelector("button.remove-row")) return;
      box.closest("label").hidden = true;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "remove-row";
      button.textContent = "削除";
      const name = row.querySelector('input[name$="-full_name"]');
      button.setAttribute("aria-label", "この行を削除");
      if (name && name.value) button.setAttribute("aria-label", `${name.value}さんの行を削除`);
      button.addEventListener("click", () => {
        box.checked = true;
        row.hidden = true;
        // The focus would be lost with the row: take it to the next row, else to 行を追加.
        let next = row.nextElementSibling;
        while (next && next.hidden) next = next.nextElementSibling;
        const target = next ? next.querySelector("input:not([type=hidden]), select") : addButton;
        (target || addButton).focus();
      });
      row.querySelector("td.remove").appendChild(button);
      if (box.checked) row.hidden = true;
    }

    rows.querySelectorAll("tr.registrant-row").forEach(enhanceRemove);
    addButton.addEventListener("click", (event) => {
      event.preventDefault();
      const index = parseInt(total.value, 10);
      if (index >= maxRows) return;
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      const holder = document.createElement("tbody");
      holder.innerHTML = html.trim();
      const row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      enhanceRemove(row);
      const first = row.querySelector("input, select");
      if (first) first.focus();
    });
  }

  function setUpPostalLookup(form) {
    const code = form.querySelector("input[data-postal-url]");
    const address = form.querySelector("[data-postal-target]");
    if (!code || !address) return;
    // A polite live region under the postal code, made now (empty) so that screen readers
    // announce what is later put in it.
    const status = document.createElement("p");
    status.className = "postal-status help";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    code.insertAdjacentElement("afterend", status);
    let filled = "";
    let asked = 0;
    // Only an empty address, or one we filled ourselves, may be filled: never what was typed.
    const fillable = () => !address.value || address.value === filled;
    code.addEventListener("change", async () => {
      status.textContent = "";
      const digits = code.value.normalize("NFKC").replace(/[^0-9]/g, "");
      if (digits.length !== 7 || !fillable()) return;
      const mine = ++asked;
      try {
        const response = await fetch(`${code.dataset.postalUrl}?code=${digits}`, { headers: { Accept: "application/json" } });
        if (mine !== asked) return; // a later code was typed meanwhile: its answer counts
        if (response.status === 404) {
          if (fillable()) status.textContent = "この郵便番号は見つかりませんでした。住所を入力してください。";
          return;
        }
        if (!response.ok) return;
        const found = await response.json();
        if (mine !== asked) return;
        code.value = found.postal_code;
        // Asked again now: the person may have typed the address while the answer was on its way.
        if (!fillable()) return;
        address.value = found.address;
        filled = found.address;
        // Into the address for the rest (番地・建物名) only if the person is still on the postal
        // code; whoever has moved on keeps their place.
        const here = document.activeElement;
        if (here === code || here === address || here === document.body || here === null) {
          address.focus();
          address.setSelectionRange(address.value.length, address.value.length);
        }
      } catch (error) {
        // Offline or blocked: the server fills the address when the form is sent.
      }
    });
  }

  document.querySelectorAll("form.application-form").forEach((form) => {
    setUpRegistrantRows(form);
    setUpPostalLookup(form);
  });
})();
