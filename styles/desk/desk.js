// The desk's only script: search as you type, choose several, the personal form.
"use strict";

// Lower case without accents: "Oké" -> "oke" (the server folds the index the same way).
function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

function setUpSearch() {
  const input = document.getElementById("zoeken");
  if (!input) return;
  const entries = Array.from(document.querySelectorAll("[data-search]"));
  const groups = Array.from(document.querySelectorAll(".group"));
  const count = document.getElementById("aantal");
  const nothing = document.getElementById("niets");
  const form = input.form;
  form.addEventListener("submit", (event) => event.preventDefault());

  function apply() {
    const words = fold(input.value).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    let shown = 0;
    for (const entry of entries) {
      const text = entry.dataset.search;
      const match = words.every((word) => text.includes(word));
      entry.hidden = !match;
      if (match && !entry.classList.contains("booklet-banner")) shown += 1;
    }
    for (const group of groups) {
      group.hidden = !group.querySelector(".entry:not([hidden])");
    }
    count.textContent = words.length
      ? `${shown} ${shown === 1 ? "handout" : "handouts"} gevonden`
      : `${shown} handouts`;
    nothing.hidden = shown > 0 || !words.length;
  }
  input.addEventListener("input", apply);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { input.value = ""; apply(); }
  });
  apply();
}

function setUpSelection() {
  const button = document.getElementById("samen");
  if (!button) return;
  const label = document.getElementById("gekozen");
  const boxes = Array.from(document.querySelectorAll('input[name="item"][form="several"]'));
  function update() {
    const n = boxes.filter((box) => box.checked).length;
    button.disabled = n === 0;
    label.textContent = n === 0
      ? "Kies handouts om ze samen af te drukken."
      : `${n} ${n === 1 ? "handout" : "handouts"} gekozen.`;
  }
  boxes.forEach((box) => box.addEventListener("change", update));
  update();
}

function setUpPersonalForm(form) {
  const note = form.querySelector("#notitie");
  const counter = form.querySelector("[data-counter]");
  const result = form.parentElement.querySelector("[data-result]");
  const submit = form.querySelector('button[type="submit"]');
  let pdfUrl = null;

  function count() {
    const max = Number(counter.dataset.max);
    counter.textContent = `${note.value.length} van ${max} tekens`;
  }
  note.addEventListener("input", count);
  count();

  function showErrors(errors) {
    let first = null;
    form.querySelectorAll("[data-error]").forEach((el) => {
      const message = errors[el.dataset.error] || "";
      el.textContent = message;
      const field = form.querySelector(`#${el.dataset.error}`);
      if (field) field.setAttribute("aria-invalid", message ? "true" : "false");
      if (message && !first) first = field || el;
    });
    if (first) first.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showErrors({});
    result.hidden = true;
    submit.disabled = true;
    submit.textContent = "Even geduld…";
    try {
      const response = await fetch(form.action || window.location.href, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      const type = response.headers.get("Content-Type") || "";
      if (response.ok && type.startsWith("application/pdf")) {
        const blob = await response.blob();
        if (pdfUrl) URL.revokeObjectURL(pdfUrl);
        pdfUrl = URL.createObjectURL(blob);
        const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
        result.querySelector("[data-open]").href = pdfUrl;
        const save = result.querySelector("[data-save]");
        save.href = pdfUrl;
        save.download = name ? name[1] : "handout.pdf";
        result.querySelector("[data-record]").value = decodeURIComponent(response.headers.get("X-Meegegeven") || "");
        result.querySelector("[data-copied]").textContent = "";
        result.hidden = false;
        result.querySelector("[data-open]").focus();
      } else if (type.startsWith("application/json")) {
        const body = await response.json();
        showErrors(body.errors || { form: body.message || "Dit lukte niet." });
      } else {
        showErrors({ form: "Dit lukte niet. Laad de pagina opnieuw en probeer nog eens." });
      }
    } catch (error) {
      showErrors({ form: "De desk antwoordt niet. Draait het programma nog?" });
    } finally {
      submit.disabled = false;
      submit.textContent = "Maak PDF";
    }
  });

  const copy = result.querySelector("[data-copy]");
  copy.addEventListener("click", async () => {
    const field = result.querySelector("[data-record]");
    const said = result.querySelector("[data-copied]");
    try {
      await navigator.clipboard.writeText(field.value);
      said.textContent = "Gekopieerd.";
    } catch (error) {
      field.select();
      said.textContent = "Geselecteerd: druk Ctrl+C om te kopiëren.";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpSearch();
  setUpSelection();
  document.querySelectorAll("form[data-personal]").forEach(setUpPersonalForm);
});
