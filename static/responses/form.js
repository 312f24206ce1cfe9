/*
 * The questionnaire page: autosave, conditional questions, rows, uploads.
 *
 * Each question (.question[data-code]) saves itself: typing is debounced (800 ms), a
 * change or leaving the field saves at once. A save posts the question's own fields (the
 * same names as the full form, so the server parses both the same way) with its base
 * revision, one request at a time per question. The server answers JSON
 * {revision, saved, errors, conflicts, progress, changed}.
 *
 * Nothing typed is lost: on a network or server error the value stays in the field, the
 * question shows "Not saved — retrying" and the save is retried with a growing delay.
 * Without this script the page still works: the "Save" button posts the whole form.
 *
 * A session that ends (signed out elsewhere, timeouts) keeps what is waiting in the page.
 * Once the person signs in again in another tab, that sign-in rotated the CSRF token: the
 * page asks the server for the current one (when it regains focus or becomes visible, and
 * every few seconds) and saves what was waiting, with the base revisions it had, so the
 * usual conflict rule protects anything newer. The page knows whose answers it holds: if
 * someone else signed in, nothing is saved (the server refuses it too).
 */
(function () {
  "use strict";

  const root = document.querySelector("[data-questionnaire]");
  if (!root) return;
  const form = document.getElementById(root.dataset.form);
  const autosave = root.hasAttribute("data-autosave");
  const conditional = root.hasAttribute("data-conditional");
  let csrf = form ? (form.querySelector("input[name=csrfmiddlewaretoken]") || {}).value : "";
  const typedBy = root.dataset.user || "";
  const msg = (name) => root.dataset["msg" + name] || "";
  const DEBOUNCE_MS = 800;
  const MAX_RETRY_MS = 30000;
  const SESSION_POLL_MS = 5000;
  // Set when the session ended or the token was refused: saves wait until a sign-in is seen.
  const session = { lost: false, message: "", timer: null, checking: null };
  const states = new Map(); // code -> {timer, retryTimer, inFlight, dirty, attempts, status}

  document.querySelectorAll("[data-js-only]").forEach((el) => { el.hidden = false; });
  document.querySelectorAll("[data-nojs-only]").forEach((el) => { el.hidden = true; });

  function questionOf(el) {
    return el.closest ? el.closest(".question[data-code]") : null;
  }

  function stateOf(question) {
    const code = question.dataset.code;
    if (!states.has(code)) {
      states.set(code, { timer: null, retryTimer: null, inFlight: false, dirty: false, attempts: 0, status: "" });
    }
    return states.get(code);
  }

  function questionByCode(code) {
    return root.querySelector('.question[data-code="' + CSS.escape(code) + '"]');
  }

  function isAnswerField(el) {
    return el.name && el.form === form && el.type !== "file" && !el.name.endsWith("__rev");
  }

  // --- What the fields hold -------------------------------------------------------------

  function fieldsOf(question) {
    return Array.from(question.querySelectorAll("input, select, textarea")).filter(isAnswerField);
  }

  function collect(question) {
    const data = new FormData();
    fieldsOf(question).forEach((el) => {
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (el.tagName === "SELECT" && el.multiple) {
        Array.from(el.selectedOptions).forEach((option) => data.append(el.name, option.value));
        return;
      }
      data.append(el.name, el.value);
    });
    data.append("base_revision", question.dataset.revision || "0");
    data.append("typed_by", typedBy);
    data.append("csrfmiddlewaretoken", csrf);
    return data;
  }

  function currentValue(code) {
    const question = questionByCode(code);
    if (!question || question.hidden) return null;
    const special = question.querySelector("[data-special]");
    if (special && special.value) return { special: special.value };
    const checked = Array.from(question.querySelectorAll('input[name="' + CSS.escape(code) + '"]'))
      .filter((el) => (el.type === "checkbox" || el.type === "radio") && el.checked)
      .map((el) => el.value);
    const radios = question.querySelector('input[type=radio][name="' + CSS.escape(code) + '"]');
    if (radios) return checked.length ? checked[0] : null;
    return checked;
  }

  // --- Conditional questions ------------------------------------------------------------

  function updateVisibility() {
    if (!conditional) return;
    // In document order, so a hidden question also hides the questions depending on it.
    root.querySelectorAll(".question[data-show-if]").forEach((question) => {
      const condition = JSON.parse(question.dataset.showIf);
      const value = currentValue(condition.question);
      const shown = Array.isArray(value)
        ? value.some((v) => condition.in.includes(v))
        : value !== null && condition.in.includes(value);
      question.hidden = !shown;
    });
  }

  function updateSpecial(question) {
    const special = question.querySelector("[data-special]");
    if (!special) return;
    question.classList.toggle("special-set", Boolean(special.value));
    const label = question.querySelector("[data-special-label]");
    if (label) label.textContent = special.value ? special.selectedOptions[0].textContent : "";
  }

  // --- Showing the state ----------------------------------------------------------------

  function setState(question, status, text) {
    const st = stateOf(question);
    st.status = status;
    const place = question.querySelector("[data-save-state]");
    if (place) {
      place.dataset.state = status;
      place.textContent = text !== undefined ? text : {
        saving: msg("Saving"), saved: msg("Saved"), retrying: msg("Retrying"),
        error: msg("Error"), conflict: msg("Conflict"), pending: "",
      }[status] || "";
    }
    updateGlobal();
  }

  function showError(question, message) {
    const error = question.querySelector("[data-error]");
    if (error) error.textContent = message || "";
    question.classList.toggle("has-error", Boolean(message));
    fieldsOf(question).forEach((el) => {
      if (message) el.setAttribute("aria-invalid", "true");
      else el.removeAttribute("aria-invalid");
    });
  }

  function updateGlobal() {
    const place = document.getElementById("save-status");
    if (!place) return;
    let busy = false;
    let unsaved = false;
    states.forEach((st) => {
      if (st.status === "saving" || st.status === "pending" || st.inFlight) busy = true;
      if (st.status === "retrying" || st.status === "error" || st.status === "conflict") unsaved = true;
    });
    place.dataset.state = unsaved ? "unsaved" : busy ? "saving" : "saved";
    place.textContent = unsaved ? msg("Unsaved") : busy ? msg("Saving") : msg("AllSaved");
  }

  function updateProgress(progress) {
    if (!progress) return;
    Object.keys(progress).forEach((section) => {
      const p = progress[section];
      const text = p.required_answered + "/" + p.required;
      if (section === "__all__") {
        const all = document.getElementById("progress-all");
        if (all) all.textContent = text;
        const bar = document.getElementById("progress-bar");
        if (bar) { bar.max = p.required; bar.value = p.required_answered; }
        return;
      }
      const badge = document.getElementById("progress-" + section);
      if (badge) {
        badge.textContent = text;
        badge.classList.toggle("text-bg-success", p.required_answered === p.required);
        badge.classList.toggle("text-bg-light", p.required_answered !== p.required);
      }
    });
  }

  // --- Saving ---------------------------------------------------------------------------

  function schedule(question, delay) {
    if (!autosave) return;
    const st = stateOf(question);
    // A conflict waits for the person's choice (keep theirs / overwrite with mine).
    if (st.status === "conflict") return;
    clearTimeout(st.timer);
    clearTimeout(st.retryTimer);
    st.attempts = 0;
    if (st.status !== "saving") setState(question, "pending");
    st.timer = setTimeout(() => { st.timer = null; save(question); }, delay);
  }

  function retry(question, text) {
    const st = stateOf(question);
    st.attempts += 1;
    const delay = Math.min(MAX_RETRY_MS, 1000 * Math.pow(2, st.attempts - 1));
    setState(question, "retrying", text ? msg("Retrying") + " — " + text : undefined);
    clearTimeout(st.retryTimer);
    st.retryTimer = setTimeout(() => save(question), delay);
  }

  function setRevision(question, revision) {
    question.dataset.revision = String(revision);
    const input = question.querySelector("[data-revision-input]");
    if (input) input.value = String(revision);
  }

  // --- A session that ended ------------------------------------------------------------

  function waitForSignIn(question, message) {
    session.lost = true;
    if (message) session.message = message;
    const st = stateOf(question);
    clearTimeout(st.retryTimer);
    setState(question, "retrying", msg("Retrying") + " — " + (session.message || msg("SessionEnded")));
    if (!session.timer) session.timer = setInterval(resumeAfterSignIn, SESSION_POLL_MS);
  }

  function saveWaiting() {
    states.forEach((st, code) => {
      const question = questionByCode(code);
      if (question && st.status === "retrying") { clearTimeout(st.retryTimer); save(question); }
    });
  }

  async function checkSignIn() {
    let data = null;
    try {
      const reply = await fetch(root.dataset.sessionUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      });
      if ((reply.headers.get("Content-Type") || "").includes("application/json")) data = await reply.json();
      if (!reply.ok || !data || !data.token) {
        if (data && data.error) session.message = data.error;
        return false;
      }
    } catch (error) {
      return false;
    }
    if (String(data.user) !== typedBy) {
      session.message = msg("OtherPerson");
      return false;
    }
    csrf = data.token;
    // The full form and the upload forms post their own token field: it must be the new one.
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach((el) => { el.value = csrf; });
    return true;
  }

  async function resumeAfterSignIn() {
    if (!session.lost) return;
    if (!session.checking) session.checking = checkSignIn().finally(() => { session.checking = null; });
    const back = await session.checking;
    if (!back) {
      states.forEach((st, code) => {
        const question = questionByCode(code);
        if (question && st.status === "retrying") setState(question, "retrying", msg("Retrying") + " — " + session.message);
      });
      return;
    }
    session.lost = false;
    session.message = "";
    clearInterval(session.timer);
    session.timer = null;
    saveWaiting();
  }

  async function save(question) {
    const st = stateOf(question);
    if (st.inFlight) { st.dirty = true; return; }
    if (!question.isConnected) return;
    if (session.lost) { waitForSignIn(question); return; }
    st.inFlight = true;
    st.dirty = false;
    setState(question, "saving");
    const code = question.dataset.code;
    let reply;
    let data = null;
    try {
      reply = await fetch(question.dataset.url, {
        method: "POST",
        body: collect(question),
        headers: { Accept: "application/json", "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      if ((reply.headers.get("Content-Type") || "").includes("application/json")) data = await reply.json();
    } catch (error) {
      st.inFlight = false;
      retry(question, msg("Offline"));
      return;
    }
    st.inFlight = false;
    if (reply.status === 401 || (reply.status === 403 && !data)) {
      // Signed out, someone else signed in, or a token from before a sign-in (the CSRF
      // refusal is a page, not JSON): wait for the person's own session to come back.
      waitForSignIn(question, data && data.error);
      st.dirty = false;
      return;
    }
    if (reply.status === 403 || reply.status === 404) {
      // Refused for good (the draft was submitted, or access withdrawn): keep the text, stop.
      setState(question, "error");
      showError(question, (data && data.error) || msg("Error"));
      return;
    }
    if (!data || reply.status >= 500 || reply.status === 429) {
      retry(question, data && data.error ? data.error : msg("Offline"));
      return;
    }
    if (data.errors && data.errors[code]) {
      setState(question, "error");
      showError(question, data.errors[code]);
    } else if (data.conflicts && data.conflicts[code]) {
      showConflict(question, data.conflicts[code]);
    } else if (data.saved && code in data.saved) {
      setRevision(question, data.saved[code]);
      showError(question, "");
      hideConflict(question);
      setState(question, "saved");
      const carried = question.querySelector("[data-carried]");
      if (carried) carried.remove();
      const changed = question.querySelector("[data-changed]");
      if (changed && data.changed) {
        changed.textContent = msg("Changed").replace("{who}", data.changed.by).replace("{when}", data.changed.at);
      }
      updateProgress(data.progress);
    } else {
      retry(question, data.error || "");
      return;
    }
    if (st.dirty) save(question);
  }

  function showConflict(question, conflict) {
    const box = question.querySelector("[data-conflict]");
    question.dataset.conflictRevision = String(conflict.revision);
    box.querySelector("[data-conflict-by]").textContent = conflict.by;
    box.querySelector("[data-conflict-at]").textContent = conflict.at;
    // Both values are rendered and escaped by the server.
    box.querySelector("[data-conflict-theirs]").innerHTML = conflict.theirs_html;
    box.querySelector("[data-conflict-yours]").innerHTML = conflict.yours_html;
    box.hidden = false;
    question.classList.add("has-conflict");
    setState(question, "conflict");
  }

  function hideConflict(question) {
    const box = question.querySelector("[data-conflict]");
    if (box) box.hidden = true;
    question.classList.remove("has-conflict");
  }

  async function replaceQuestion(question, html) {
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const fresh = holder.firstElementChild;
    states.delete(question.dataset.code);
    question.replaceWith(fresh);
    fresh.querySelectorAll("[data-js-only]").forEach((el) => { el.hidden = false; });
    fresh.querySelectorAll("[data-nojs-only]").forEach((el) => { el.hidden = true; });
    updateVisibility();
    updateGlobal();
    return fresh;
  }

  async function keepTheirs(question) {
    try {
      const reply = await fetch(question.dataset.url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (!reply.ok) throw new Error(String(reply.status));
      const fresh = await replaceQuestion(question, await reply.text());
      setState(fresh, "saved");
    } catch (error) {
      setState(question, "conflict", msg("Offline"));
    }
  }

  function overwrite(question) {
    setRevision(question, question.dataset.conflictRevision);
    hideConflict(question);
    save(question);
  }

  function showUploadError(uploadForm, message) {
    const place = uploadForm.querySelector("[data-upload-error]");
    if (place) place.textContent = message || "";
    const input = uploadForm.querySelector("input[type=file]");
    if (!input) return;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  async function upload(uploadForm) {
    const question = questionOf(uploadForm);
    const input = uploadForm.querySelector("input[type=file]");
    if (!input || !input.files.length) return;
    // A refused file changes nothing in the answer: the question keeps the state it had.
    const before = stateOf(question).status;
    showUploadError(uploadForm, "");
    setState(question, "saving", msg("Uploading"));
    let reply;
    let data = null;
    try {
      reply = await fetch(uploadForm.action, {
        method: "POST",
        body: new FormData(uploadForm),
        headers: { Accept: "application/json", "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      if ((reply.headers.get("Content-Type") || "").includes("application/json")) data = await reply.json();
    } catch (error) {
      setState(question, before);
      showUploadError(uploadForm, msg("Offline"));
      return;
    }
    if (!reply.ok || !data || !data.html) {
      setState(question, before);
      showUploadError(uploadForm, (data && data.error) || msg("UploadRefused").replace("{status}", String(reply.status)));
      input.focus();
      return;
    }
    const fresh = await replaceQuestion(question, data.html);
    setState(fresh, "saved");
  }

  // --- Events (delegated, so replaced questions keep working) ----------------------------

  root.addEventListener("input", (event) => {
    const question = questionOf(event.target);
    if (!question || !isAnswerField(event.target)) return;
    schedule(question, DEBOUNCE_MS);
  });

  root.addEventListener("change", (event) => {
    const question = questionOf(event.target);
    if (!question || !isAnswerField(event.target)) return;
    if (event.target.matches("[data-special]")) updateSpecial(question);
    updateVisibility();
    schedule(question, 0);
  });

  root.addEventListener("focusout", (event) => {
    const question = questionOf(event.target);
    if (!question || !isAnswerField(event.target)) return;
    const st = stateOf(question);
    if (st.timer) {
      clearTimeout(st.timer);
      st.timer = null;
      save(question);
    }
  });

  root.addEventListener("click", (event) => {
    const question = questionOf(event.target);
    const add = event.target.closest("[data-add-row]");
    if (add) {
      const rows = add.closest("[data-rows]");
      const index = Number(rows.dataset.next);
      const html = rows.querySelector("template").innerHTML
        .replaceAll("__INDEX__", String(index)).replaceAll("__NUMBER__", String(index + 1));
      rows.querySelector("tbody").insertAdjacentHTML("beforeend", html);
      rows.dataset.next = String(index + 1);
      const first = rows.querySelector("tbody tr:last-child input, tbody tr:last-child select, tbody tr:last-child textarea");
      if (first) first.focus();
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      remove.closest("[data-row]").remove();
      if (question) schedule(question, 0);
      return;
    }
    if (event.target.closest("[data-keep-theirs]")) keepTheirs(question);
    else if (event.target.closest("[data-overwrite]")) overwrite(question);
  });

  root.addEventListener("submit", (event) => {
    const uploadForm = event.target.closest("[data-upload]");
    if (uploadForm && autosave) {
      event.preventDefault();
      upload(uploadForm);
    }
  });

  if (autosave && form) {
    // With scripts, "Save" saves every question that is waiting, without leaving the page.
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      states.forEach((st, code) => {
        const question = questionByCode(code);
        if (question && st.status !== "saved" && st.status !== "conflict") {
          clearTimeout(st.timer);
          clearTimeout(st.retryTimer);
          st.timer = null;
          save(question);
        }
      });
      updateGlobal();
    });
    const comeBack = () => { if (session.lost) resumeAfterSignIn(); else saveWaiting(); };
    window.addEventListener("online", comeBack);
    // Back from the tab where the person signed in again.
    window.addEventListener("focus", comeBack);
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") comeBack(); });
    window.addEventListener("beforeunload", (event) => {
      let unsaved = false;
      states.forEach((st) => {
        if (st.inFlight || st.timer || ["pending", "saving", "retrying", "error"].includes(st.status)) unsaved = true;
      });
      if (unsaved) {
        event.preventDefault();
        event.returnValue = msg("Leave");
      }
    });
  }

  root.querySelectorAll(".question[data-code]").forEach(updateSpecial);
  updateVisibility();
})();
