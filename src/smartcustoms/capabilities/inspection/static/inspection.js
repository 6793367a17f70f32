// Inspection report on the officer's phone (移动单兵). Vanilla JS, no build step.
// A lost network must not lose a report: the form is kept as a draft in localStorage (and on the server when
// online); a submitted report is first stored as "pending" with a client-generated idempotency key and sent
// when the connection returns. The server returns the same result for the same key, so nothing is doubled.
(function () {
  "use strict";
  var root = document.getElementById("insp-task");
  if (!root) { return; }
  var taskId = root.dataset.task;
  var csrf = root.dataset.csrf;
  var DRAFT = "sc-insp-draft-" + taskId;
  var PENDING = "sc-insp-pending-" + taskId;
  var form = document.getElementById("insp-form");
  var message = document.getElementById("insp-message");
  var outcome = document.getElementById("insp-outcome");
  var net = document.getElementById("insp-net");
  var state = { media: [], samples: [], key: null, signed: false };
  var saveTimer = null;
  var sending = false;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var a = new Uint8Array(16); window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function api(method, path, body, isForm) {
    var headers = { "X-CSRF-Token": csrf, "Accept": "application/json" };
    if (body && !isForm) { headers["Content-Type"] = "application/json"; }
    return fetch("/api/v1/inspection" + path, { method: method, headers: headers, credentials: "same-origin",
      body: body ? (isForm ? body : JSON.stringify(body)) : undefined });
  }
  function show(el, text, isError) {
    if (!el) { return; }
    el.textContent = text; el.className = isError ? "insp-error" : "";
  }
  function errorText(body) {
    if (!body) { return "error"; }
    var parts = [body.message || ""];
    (body.errors || []).forEach(function (e) { parts.push(e.message); });
    return parts.filter(Boolean).join(" · ");
  }
  function showNet() { if (net) { net.hidden = navigator.onLine; } }

  // --- the draw outcome, shown at once -------------------------------------------------------------------
  function showResult(result) {
    var d = result.draw || {};
    var text = root.dataset.msgSent + " · ";
    if (d.status === "unavailable") { text += root.dataset.msgNoDraw; }
    else { text += d.recheck ? root.dataset.msgRecheckYes : root.dataset.msgRecheckNo; }
    if (d.chief) { text += " · " + root.dataset.msgChiefYes; }
    outcome.textContent = text;
    outcome.dataset.recheck = d.recheck ? "yes" : "no";
    outcome.dataset.status = d.status || "";
    outcome.setAttribute("data-testid", "draw-outcome");
    if (form) { form.hidden = true; }
  }

  // --- pending reports: sent once the connection returns ----------------------------------------------------
  function sendPending() {
    var raw = localStorage.getItem(PENDING);
    if (!raw || sending) { return; }
    sending = true;
    var report = JSON.parse(raw);
    api("POST", "/tasks/" + taskId + "/report", report).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
    }).then(function (r) {
      sending = false;
      if (r.ok) {
        localStorage.removeItem(PENDING); localStorage.removeItem(DRAFT);
        showResult(r.body);
      } else {
        localStorage.removeItem(PENDING);  // refused: the officer corrects the draft and submits again
        if (form) { form.hidden = false; }
        show(message, errorText(r.body), true);
      }
    }).catch(function () {
      sending = false;
      show(message || outcome, root.dataset.msgQueued, false);
    });
  }
  window.addEventListener("online", function () { showNet(); sendPending(); });
  window.addEventListener("offline", showNet);
  showNet();

  var start = document.getElementById("insp-start");
  if (start) {
    start.addEventListener("click", function () {
      api("POST", "/tasks/" + taskId + "/start").then(function (resp) {
        if (resp.ok) { location.reload(); } else { resp.json().then(function (b) { show(outcome, errorText(b), true); }); }
      });
    });
  }
  if (localStorage.getItem(PENDING)) {
    if (form) { form.hidden = true; }
    show(outcome, root.dataset.msgQueued, false);
    if (navigator.onLine) { sendPending(); }
  }
  if (!form) { return; }

  // --- draft: collect, save, restore ------------------------------------------------------------------------
  var canvas = document.getElementById("insp-signature");
  function collect() {
    var findings = [];
    form.querySelectorAll(".insp-item").forEach(function (fs) {
      var seq = fs.dataset.seq;
      var checked = fs.querySelector("input[name=outcome-" + seq + "]:checked");
      if (!checked) { return; }
      findings.push({ item_seq: parseInt(seq, 10), outcome: checked.value,
        kind: checked.value === "discrepancy" ? fs.querySelector("select").value : "",
        note: fs.querySelector("textarea").value });
    });
    var samples = [];
    document.querySelectorAll("#insp-samples .insp-sample").forEach(function (row) {
      var label = row.querySelector("input[name=label]").value;
      var desc = row.querySelector("input[name=description]").value;
      if (label || desc) { samples.push({ label: label, description: desc }); }
    });
    return { key: state.key, findings: findings, samples: samples, media: state.media,
      note: form.querySelector("textarea[name=note]").value,
      signature: state.signed ? canvas.toDataURL("image/png") : "" };
  }
  function saveDraft() {
    var draft = collect();
    localStorage.setItem(DRAFT, JSON.stringify(draft));
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () {
      if (navigator.onLine) { api("PUT", "/tasks/" + taskId + "/draft", draft).catch(function () {}); }
    }, 800);
  }
  function addSample(label, desc) {
    var row = document.createElement("div");
    row.className = "insp-sample";
    row.innerHTML = '<input name="label" placeholder="label / 标签"><input name="description" placeholder="…">';
    row.querySelector("input[name=label]").value = label || "";
    row.querySelector("input[name=description]").value = desc || "";
    document.getElementById("insp-samples").appendChild(row);
  }
  function renderMedia() {
    var list = document.getElementById("insp-media-list");
    list.innerHTML = "";
    state.media.forEach(function (m) {
      var li = document.createElement("li");
      li.setAttribute("data-testid", "media-item");
      li.textContent = m.content_type + " · " + m.size + " B · SHA-256 " + m.sha256.slice(0, 12) + "…";
      list.appendChild(li);
    });
  }
  function restore(d) {
    if (!d) { return; }
    state.key = d.key || state.key;
    state.media = d.media || [];
    (d.findings || []).forEach(function (f) {
      var fs = form.querySelector(".insp-item[data-seq='" + f.item_seq + "']");
      if (!fs) { return; }
      var radio = fs.querySelector("input[value=" + f.outcome + "]"); if (radio) { radio.checked = true; }
      fs.querySelector("select").value = f.kind || ""; fs.querySelector("textarea").value = f.note || "";
    });
    (d.samples || []).forEach(function (s) { addSample(s.label, s.description); });
    form.querySelector("textarea[name=note]").value = d.note || "";
    if (d.signature) {
      var img = new Image();
      img.onload = function () { canvas.getContext("2d").drawImage(img, 0, 0); state.signed = true; };
      img.src = d.signature;
    }
    renderMedia();
  }
  var local = localStorage.getItem(DRAFT);
  if (local) { restore(JSON.parse(local)); }
  else {
    api("GET", "/tasks/" + taskId + "/draft").then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d && Object.keys(d).length) { restore(d); } }).catch(function () {});
  }
  if (!state.key) { state.key = newKey(); }
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  document.getElementById("insp-add-sample").addEventListener("click", function () { addSample(); saveDraft(); });

  // --- photos and videos ------------------------------------------------------------------------------------
  document.getElementById("insp-media").addEventListener("change", function (ev) {
    var files = Array.prototype.slice.call(ev.target.files);
    files.reduce(function (chain, file) {
      return chain.then(function () {
        var fd = new FormData();
        fd.append("file", file, file.name);
        fd.append("taken_at", new Date(file.lastModified || Date.now()).toISOString());
        return api("POST", "/tasks/" + taskId + "/media", fd, true).then(function (resp) {
          return resp.json().then(function (body) {
            if (resp.ok) { state.media.push(body); renderMedia(); saveDraft(); show(message, "", false); }
            else { show(message, errorText(body), true); }
          });
        }).catch(function () { show(message, root.dataset.msgQueued, true); });
      });
    }, Promise.resolve()).then(function () { ev.target.value = ""; });
  });

  // --- e-signature ------------------------------------------------------------------------------------------
  var ctx = canvas.getContext("2d");
  ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#112";
  var drawing = false;
  function pos(e) {
    var t = e.touches && e.touches.length ? e.touches[0] : e;
    var r = canvas.getBoundingClientRect();
    return { x: (t.clientX - r.left) * canvas.width / r.width, y: (t.clientY - r.top) * canvas.height / r.height };
  }
  function down(e) {
    if (drawing) { return; }
    drawing = true; var p = pos(e); ctx.beginPath(); ctx.moveTo(p.x, p.y);
    if (e.cancelable) { e.preventDefault(); }
  }
  function move(e) {
    if (!drawing) { return; }
    var p = pos(e); ctx.lineTo(p.x, p.y); ctx.stroke(); state.signed = true;
    if (e.cancelable) { e.preventDefault(); }
  }
  function up() { if (drawing) { drawing = false; saveDraft(); } }
  // Pointer events where supported; mouse and touch events as well (emulated phones send those), one stroke each.
  ["pointerdown", "mousedown", "touchstart"].forEach(function (n) { canvas.addEventListener(n, down); });
  ["pointermove", "mousemove", "touchmove"].forEach(function (n) { canvas.addEventListener(n, move); });
  ["pointerup", "mouseup", "touchend", "touchcancel"].forEach(function (n) { window.addEventListener(n, up); });
  document.getElementById("insp-clear-signature").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height); state.signed = false; saveDraft();
  });

  // --- submit -----------------------------------------------------------------------------------------------
  document.getElementById("insp-submit").addEventListener("click", function () {
    var d = collect();
    saveDraft();
    var report = { idempotency_key: state.key, findings: d.findings, samples: d.samples,
      media_ids: state.media.map(function (m) { return m.id; }), signature: d.signature, note: d.note };
    localStorage.setItem(PENDING, JSON.stringify(report));
    if (!navigator.onLine) { show(message, root.dataset.msgQueued, false); return; }
    sendPending();
  });
})();
