// Printing from the desk: "Afdrukken op <printer>" sends the job to CUPS and shows its state;
// "Afdrukken" without CUPS opens the browser's print dialog at once, from a hidden frame.
// Its words come from say() in desk.js, which every page loads before it.
"use strict";

const POLL_MS = 1000;
const POLL_LIMIT = 600; // about ten minutes, then the page stops asking

// The browser path: the PDF in a hidden frame, and its print dialog opened straight away.
function setUpFramePrint(link) {
  link.addEventListener("click", (event) => {
    if (!link.href) return;
    event.preventDefault();
    document.querySelectorAll("iframe[data-print-frame]").forEach((old) => old.remove());
    const frame = document.createElement("iframe");
    frame.hidden = true;
    frame.dataset.printFrame = "";
    frame.title = say("print");
    frame.addEventListener("load", () => {
      try {
        frame.contentWindow.focus();
        frame.contentWindow.print();
        frame.dataset.printFrame = "opened";
      } catch (error) {
        window.open(link.href, "_blank", "noopener"); // a browser that will not: the PDF in a tab
      }
    });
    frame.src = link.href;
    document.body.appendChild(frame);
  });
}

// The personal form's fields go along with a personalised print (they live for one request).
function personalFields(form, body) {
  const result = form.closest("[data-result]");
  const personal = result && result.parentElement.querySelector("form[data-personal]");
  if (!personal) return;
  for (const [key, value] of new FormData(personal)) {
    if (key !== "csrf_token") body.append(key, value);
  }
}

function setUpPrintForm(form) {
  const button = form.querySelector("[data-print-button]");
  const name = form.querySelector("[data-print-name]");
  const printer = form.querySelector("[data-print-printer]");
  const error = form.querySelector("[data-print-error]");
  const status = form.querySelector("[data-print-status]");
  let polling = 0;

  printer.addEventListener("change", () => { name.textContent = printer.value; });

  function show(label, kind) {
    status.hidden = false;
    status.textContent = label;
    status.dataset.state = kind;
  }

  async function poll(url, token, count) {
    if (token !== polling || count > POLL_LIMIT) return;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      const body = await response.json();
      if (!response.ok) { show(body.message || say("unknown"), "failed"); return; }
      show(`${body.job}: ${body.label}`, body.state);
      if (body.done) return;
    } catch (failure) {
      show(say("no_answer"), "failed");
      return;
    }
    window.setTimeout(() => poll(url, token, count + 1), POLL_MS);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const body = new FormData(form);
    if (form.hasAttribute("data-print-personal")) personalFields(form, body);
    button.disabled = true;
    polling += 1;
    show(say("sending"), "sending");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      const answer = await response.json();
      if (response.status === 202) {
        show(`${answer.job}: ${answer.label}`, "queued");
        poll(answer.status, polling, 0);
      } else {
        status.hidden = true;
        error.textContent = answer.errors ? Object.values(answer.errors).join(" ") : answer.message;
      }
    } catch (failure) {
      status.hidden = true;
      error.textContent = say("no_answer");
    } finally {
      button.disabled = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("a[data-print-frame], [data-result] a[data-open]").forEach(setUpFramePrint);
  document.querySelectorAll("form[data-print]").forEach(setUpPrintForm);
});
