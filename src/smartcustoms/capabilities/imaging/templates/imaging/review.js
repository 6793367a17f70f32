// Scan viewer for /imaging/scans/<id>: zoom (buttons, wheel), pan (pan mode drag), contrast (server-side gamma),
// region marking (mark mode drag) into the decision form's hidden "regions" field. Vanilla JS, no dependencies.
(function () {
  "use strict";
  var canvas = document.getElementById("scan-canvas");
  if (!canvas) { return; }
  var ctx = canvas.getContext("2d");
  var W = parseInt(canvas.dataset.width, 10), H = parseInt(canvas.dataset.height, 10);
  var editable = canvas.dataset.editable === "true";
  var aiRegions = JSON.parse(canvas.dataset.aiRegions || "[]");
  var marked = JSON.parse(canvas.dataset.marked || "[]");
  var regions = editable ? [] : marked;
  var img = new Image();
  var base = 1, zoom = 1, ox = 0, oy = 0, drag = null;
  var field = document.getElementById("regions-field");
  var list = document.getElementById("region-list");

  function fit() {
    canvas.width = canvas.clientWidth || 1100;
    base = canvas.width / W;
    canvas.height = Math.round(H * base);
  }
  function scale() { return base * zoom; }
  function toImage(ev) {
    var r = canvas.getBoundingClientRect();
    var cx = (ev.clientX - r.left) * canvas.width / r.width, cy = (ev.clientY - r.top) * canvas.height / r.height;
    return { x: (cx - ox) / scale(), y: (cy - oy) / scale() };
  }
  function rect(r, colour, dashed) {
    ctx.save();
    ctx.strokeStyle = colour; ctx.lineWidth = 2;
    if (dashed) { ctx.setLineDash([5, 4]); }
    ctx.strokeRect(ox + r.x * scale(), oy + r.y * scale(), r.w * scale(), r.h * scale());
    ctx.restore();
  }
  function draw() {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (img.complete && img.naturalWidth) { ctx.drawImage(img, ox, oy, W * scale(), H * scale()); }
    aiRegions.forEach(function (r) { rect(r, "#e00", true); });
    regions.forEach(function (r) { rect(r, "#ff0", false); });
    if (drag && drag.mode === "mark" && drag.cur) { rect(box(drag.start, drag.cur), "#ff0", true); }
  }
  function box(a, b) {
    var x = Math.max(0, Math.min(a.x, b.x)), y = Math.max(0, Math.min(a.y, b.y));
    var x1 = Math.min(W, Math.max(a.x, b.x)), y1 = Math.min(H, Math.max(a.y, b.y));
    return { x: Math.round(x), y: Math.round(y), w: Math.round(x1 - x), h: Math.round(y1 - y), label: "anomaly" };
  }
  function sync() {
    if (field) { field.value = JSON.stringify(regions); }
    if (!list) { return; }
    list.innerHTML = "";
    regions.forEach(function (r, i) {
      var li = document.createElement("li");
      li.setAttribute("data-testid", "marked-region");
      li.textContent = "#" + (i + 1) + " x=" + r.x + " y=" + r.y + " w=" + r.w + " h=" + r.h + " ";
      if (editable) {
        var sel = document.createElement("select");
        ["anomaly", "weapon", "drug", "high_z", "contraband", "mismatch", "waste"].forEach(function (l) {
          var o = document.createElement("option"); o.value = l; o.textContent = l; sel.appendChild(o);
        });
        sel.value = r.label;
        sel.setAttribute("data-testid", "region-label");
        sel.addEventListener("change", function () { r.label = sel.value; sync(); });
        li.appendChild(sel);
      }
      list.appendChild(li);
    });
  }
  function mode() { var m = document.querySelector("input[name=mode]:checked"); return m ? m.value : "pan"; }
  function load(contrast) {
    img.onload = draw;
    img.src = canvas.dataset.src + "?contrast=" + encodeURIComponent(contrast);
  }
  canvas.addEventListener("mousedown", function (ev) {
    var m = editable ? mode() : "pan";
    drag = { mode: m, start: toImage(ev), sx: ev.clientX, sy: ev.clientY, ox: ox, oy: oy };
  });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    if (drag.mode === "pan") {
      var r = canvas.getBoundingClientRect(), k = canvas.width / r.width;
      ox = drag.ox + (ev.clientX - drag.sx) * k; oy = drag.oy + (ev.clientY - drag.sy) * k;
    } else { drag.cur = toImage(ev); }
    draw();
  });
  window.addEventListener("mouseup", function (ev) {
    if (drag && drag.mode === "mark") {
      var b = box(drag.start, toImage(ev));
      if (b.w >= 2 && b.h >= 2) { regions.push(b); sync(); }
    }
    drag = null; draw();
  });
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    zoomAt(ev.deltaY < 0 ? 1.25 : 0.8);
  }, { passive: false });
  function zoomAt(f) {
    var cx = canvas.width / 2, cy = canvas.height / 2;
    var nz = Math.min(16, Math.max(1, zoom * f));
    ox = cx - (cx - ox) * nz / zoom; oy = cy - (cy - oy) * nz / zoom; zoom = nz;
    if (zoom === 1) { ox = 0; oy = 0; }
    draw();
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoomAt(1.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomAt(1 / 1.5); });
  document.getElementById("zoom-reset").addEventListener("click", function () { zoom = 1; ox = 0; oy = 0; draw(); });
  document.getElementById("contrast").addEventListener("change", function (ev) { load(ev.target.value); });
  var clear = document.getElementById("clear-regions");
  if (clear) { clear.addEventListener("click", function () { regions = []; sync(); draw(); }); }
  fit(); sync(); load(1);
  window.addEventListener("resize", function () { fit(); draw(); });
}());
