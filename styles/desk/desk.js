// The desk's only script: search as you type, favourites, choose several, the personal form.
"use strict";

// The words this script writes, from the page (<body data-words>, handouts/desk/words.py): the
// desk's gettext catalogue. say("chosen", {count: 3}) -> "3 handouts gekozen."; print.js uses it too.
const WORDS = (() => {
  try {
    return JSON.parse(document.body.dataset.words || "{}");
  } catch (error) {
    return {};
  }
})();

function say(name, values = {}) {
  let text = WORDS[name];
  if (text && typeof text === "object") {
    const form = new Intl.PluralRules(document.documentElement.lang || "nl").select(values.count);
    text = form === "one" ? text.one : text.other;
  }
  return String(text || name).replace(/%\((\w+)\)s/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

// What this browser remembers: handout keys only ("metaphors/glas"), never a patient's name.
const FAVOURITES = "desk.favorieten";
const RECENT = "desk.recent";
const MAX_RECENT = 6;
const KEY = /^[\w-]+(\/[\w.-]+)?$/;

function remembered(name) {
  try {
    const keys = JSON.parse(window.localStorage.getItem(name) || "[]");
    return Array.isArray(keys) ? keys.filter((key) => typeof key === "string" && KEY.test(key)) : [];
  } catch (error) {
    return [];
  }
}

function remember(name, keys) {
  try {
    window.localStorage.setItem(name, JSON.stringify(keys.filter((key) => KEY.test(key))));
  } catch (error) {
    // private window or storage full: the catalogue just has no top section
  }
}

function printed(keys) {
  const recent = remembered(RECENT).filter((key) => !keys.includes(key));
  remember(RECENT, [...keys, ...recent].slice(0, MAX_RECENT));
}

// Put (text, marked) runs from the server into an element, the marked ones in <mark>.
function paint(element, segments) {
  element.replaceChildren(...segments.map(([text, found]) => {
    if (!found) return document.createTextNode(text);
    const mark = document.createElement("mark");
    mark.textContent = text;
    return mark;
  }));
}

function unpaint(card) {
  card.querySelectorAll("[data-mark]").forEach((element) => {
    if (element.querySelector("mark")) element.textContent = element.textContent;
  });
  card.querySelector("[data-why]").hidden = true;
}

function showWhy(card, hit) {
  paint(card.querySelector('[data-mark="title"]'), hit.title);
  paint(card.querySelector('[data-mark="summary"]'), hit.summary);
  card.querySelectorAll('[data-mark="tag"]').forEach((tag, i) => paint(tag, hit.tags[i] || []));
  const why = card.querySelector("[data-why]");
  paint(why.querySelector('[data-mark="snippet"]'), hit.snippet);
  why.hidden = hit.snippet.length === 0;
}

// The catalogue: favourites and recent on top; while searching, the server's hits, best first.
function setUpCatalogue() {
  const input = document.getElementById("zoeken");
  if (!input) return;
  const cards = new Map(Array.from(document.querySelectorAll("li.entry[data-key]"), (li) => [li.dataset.key, li]));
  const homes = Array.from(document.querySelectorAll("[data-group] ul"));
  const top = document.querySelector("[data-top]");
  const results = document.querySelector("[data-results]");
  const booklet = document.querySelector(".booklet-banner[data-key]");
  const count = document.getElementById("aantal");
  const nothing = document.getElementById("niets");
  const form = input.form;
  let asked = 0;

  function topKeys() {
    return [...new Set([...remembered(FAVOURITES), ...remembered(RECENT)])].filter((key) => cards.has(key));
  }

  function layout(hits) {
    const focused = document.activeElement;
    const searching = hits !== null;
    const found = (hits || []).filter((hit) => cards.has(hit.key));
    const placed = new Set([...found.map((hit) => hit.key), ...(searching ? [] : topKeys())]);
    for (const [key, card] of cards) {
      unpaint(card);
      card.hidden = searching && !placed.has(key);
    }
    for (const home of homes) {
      const own = Array.from(cards.values()).filter((card) => card.dataset.home === home.id && !placed.has(card.dataset.key));
      home.replaceChildren(...own.sort((a, b) => a.dataset.order - b.dataset.order));
      home.closest("section").hidden = searching || own.length === 0;
    }
    top.querySelector("ul").replaceChildren(...(searching ? [] : topKeys()).map((key) => cards.get(key)));
    top.hidden = searching || placed.size === 0;
    results.querySelector("ul").replaceChildren(...found.map((hit) => cards.get(hit.key)));
    found.forEach((hit) => showWhy(cards.get(hit.key), hit));
    results.hidden = !searching;
    if (booklet) booklet.hidden = searching && !(hits || []).some((hit) => hit.key === "booklet");
    marks();
    const shown = searching ? found.length : cards.size;
    count.textContent = say(searching ? "found" : "listed", { count: shown });
    nothing.hidden = !searching || shown > 0;
    if (focused && focused !== document.activeElement && document.contains(focused)) focused.focus();
  }

  function marks() {
    const favourites = remembered(FAVOURITES);
    const recent = remembered(RECENT);
    for (const [key, card] of cards) {
      const star = card.querySelector("[data-star]");
      star.hidden = false;
      star.setAttribute("aria-pressed", String(favourites.includes(key)));
      card.querySelector("[data-recent-mark]").hidden = !recent.includes(key);
    }
  }

  async function find() {
    const query = input.value;
    const turn = ++asked;
    const url = new URL(form.action, window.location.href);
    if (query.trim()) url.searchParams.set("q", query);
    window.history.replaceState(null, "", url.pathname + url.search);
    if (!query.trim()) { layout(null); return; }
    results.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      if (turn === asked) layout(body.hits);
    } catch (error) {
      if (turn === asked) count.textContent = say("search_failed");
    } finally {
      if (turn === asked) results.removeAttribute("aria-busy");
    }
  }

  document.querySelectorAll("[data-star]").forEach((star) => star.addEventListener("click", () => {
    const key = star.closest("[data-key]").dataset.key;
    const favourites = remembered(FAVOURITES).filter((other) => other !== key);
    remember(FAVOURITES, star.getAttribute("aria-pressed") === "true" ? favourites : [key, ...favourites]);
    if (input.value.trim()) marks(); else layout(null);
  }));
  form.addEventListener("submit", (event) => { event.preventDefault(); find(); });
  input.addEventListener("input", find);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { input.value = ""; find(); }
  });
  if (input.value.trim()) { marks(); find(); } else layout(null);
}

function setUpSelection() {
  const button = document.getElementById("samen");
  if (!button) return;
  const label = document.getElementById("gekozen");
  const boxes = Array.from(document.querySelectorAll('input[name="item"][form="several"]'));
  function update() {
    const n = boxes.filter((box) => box.checked).length;
    button.disabled = n === 0;
    label.textContent = n === 0 ? say("choose") : say("chosen", { count: n });
  }
  boxes.forEach((box) => box.addEventListener("change", update));
  // Back to the catalogue: the browser ticks the boxes again after the script ran; count again.
  window.addEventListener("pageshow", update);
  update();
}

function setUpPersonalForm(form) {
  const note = form.querySelector("#notitie");
  const counter = form.querySelector("[data-counter]");
  const result = form.parentElement.querySelector("[data-result]");
  const submit = form.querySelector('button[type="submit"]');
  const keys = (form.dataset.keys || "").split(" ").filter(Boolean);
  let pdfUrl = null;

  function count() {
    const max = Number(counter.dataset.max);
    counter.textContent = say("counter", { count: note.value.length, max });
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
    submit.textContent = say("wait");
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
        printed(keys);
      } else if (type.startsWith("application/json")) {
        const body = await response.json();
        showErrors(body.errors || { form: body.message || say("failed") });
      } else {
        showErrors({ form: say("failed_reload") });
      }
    } catch (error) {
      showErrors({ form: say("no_answer") });
    } finally {
      submit.disabled = false;
      submit.textContent = say("make_pdf");
    }
  });

  // "Nieuwe patiënt": the next patient starts from an empty form (the therapist stays chosen).
  function clear() {
    form.querySelector("#naam").value = "";
    note.value = "";
    form.querySelector("#datum").value = form.dataset.today;
    form.querySelectorAll('input[name="tip"]').forEach((tip) => { tip.checked = false; });
    showErrors({});
    count();
    result.hidden = true;
    result.querySelector("[data-record]").value = "";
    result.querySelector("[data-copied]").textContent = "";
    ["[data-open]", "[data-save]"].forEach((link) => result.querySelector(link).removeAttribute("href"));
    if (pdfUrl) URL.revokeObjectURL(pdfUrl);
    pdfUrl = null;
  }
  result.querySelector("[data-new-patient]").addEventListener("click", () => {
    clear();
    form.querySelector("#naam").focus();
  });
  // Back to this page from the browser's memory: no earlier patient's name or note on it.
  window.addEventListener("pageshow", (event) => { if (event.persisted) clear(); });
  // The handout printed as built counts as printed too (for "onlangs afgedrukt").
  document.querySelectorAll('main a[href^="/pdf/"], main a[href^="/download/"]').forEach((link) => {
    link.addEventListener("click", () => printed(keys));
  });

  const copy = result.querySelector("[data-copy]");
  copy.addEventListener("click", async () => {
    const field = result.querySelector("[data-record]");
    const said = result.querySelector("[data-copied]");
    try {
      await navigator.clipboard.writeText(field.value);
      said.textContent = say("copied");
    } catch (error) {
      field.select();
      said.textContent = say("selected");
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpCatalogue();
  setUpSelection();
  document.querySelectorAll("form[data-personal]").forEach(setUpPersonalForm);
});
