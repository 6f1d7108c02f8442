// Progressive enhancement for the consent form: the proxy fields matter only when the
// patient did not sign; without JavaScript they are simply always shown.
document.addEventListener("DOMContentLoaded", () => {
  const signed = document.getElementById("id_patient_signed");
  const proxy = document.getElementById("id_proxy_name");
  if (!signed || !proxy) return;
  const row = proxy.closest(".family-row");
  const hasValue = () => proxy.value || document.getElementById("id_proxy_relationship").value;
  const update = () => row.classList.toggle("is-hidden", signed.checked && !hasValue() && !row.querySelector(".error"));
  signed.addEventListener("change", update);
  update();
});
