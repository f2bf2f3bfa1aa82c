// Pipeline board: drag a card onto another stage (or use its "Move to…" button) to move it.
// Dropping on Closed Lost first asks for the lost reason. The card moves at once and goes
// back if the server refuses (a conflict, a missing reason); the server's answer carries
// every column's header, so counts and totals update without reloading the page.
(function () {
  "use strict";

  var dragged = null;
  var dialogDone = new WeakMap();

  function boardElement() {
    return document.querySelector("[data-board]");
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (error) {
      return "";
    }
  }

  // The same toasts as app.js shows for htmx errors, in the page's one #toasts region.
  function errorToast(message) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var item = document.createElement("div");
    item.className = "toast toast-error";
    item.setAttribute("role", "alert");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.classList.add("is-leaving"); }, 5000);
    setTimeout(function () { item.remove(); }, 5600);
  }

  function infoToast(message) {
    document.dispatchEvent(new CustomEvent("opportune:toast", { detail: { value: message } }));
  }

  // Cards sort by close date, then by id, as the server pages them.
  function sortsBefore(card, other) {
    var a = card.dataset.close, b = other.dataset.close;
    return a < b || (a === b && Number(card.dataset.id) < Number(other.dataset.id));
  }

  // Put a card among a column's cards in order (before its "Load more", if any).
  function place(card, column) {
    var list = column.querySelector(".board-cards");
    var cards = Array.prototype.slice.call(list.querySelectorAll("[data-card]"));
    var next = cards.find(function (other) { return other !== card && sortsBefore(card, other); });
    list.insertBefore(card, next || list.querySelector(".board-more"));
  }

  function refusal(text, status) {
    var doc = new DOMParser().parseFromString(text || "", "text/html");
    var node = doc.querySelector("[data-error-message]");
    if (node) return node.textContent.trim();
    return "The move did not work (" + status + "). Reload the board and try again.";
  }

  // Swap in the headers the answer carries and the card with its new version; a card
  // closed as won or lost leaves the board.
  function applyAnswer(card, text) {
    var doc = new DOMParser().parseFromString(text, "text/html");
    doc.querySelectorAll("[data-oob]").forEach(function (fresh) {
      var current = document.getElementById(fresh.id);
      if (!current) return;
      var changed = current.textContent.replace(/\s+/g, " ") !== fresh.textContent.replace(/\s+/g, " ");
      current.replaceWith(fresh);
      if (changed) fresh.classList.add("is-updated");
    });
    var moved = doc.querySelector("[data-moved-card] [data-card]");
    if (moved) {
      card.replaceWith(moved);
      return moved;
    }
    card.remove();
    return null;
  }

  // Where keyboard focus goes when its card leaves the board: a neighbouring card, or
  // the zone the card went to.
  function focusAfter(card, target) {
    var near = [card.nextElementSibling, card.previousElementSibling].find(function (item) {
      return item && item.hasAttribute("data-card");
    });
    return near ? near.querySelector("[data-move-button]") : target;
  }

  function finish(card, target, response, text, hadFocus) {
    var redirect = response.headers.get("HX-Redirect");
    if (redirect) {
      window.location.assign(redirect);
      return;
    }
    var fallback = focusAfter(card, target);
    var moved = applyAnswer(card, text);
    var trigger = JSON.parse(response.headers.get("HX-Trigger") || "{}");
    infoToast(trigger["opportune:toast"]);
    if (hadFocus) (moved ? moved.querySelector("[data-move-button]") : fallback).focus();
  }

  function send(card, target, reason) {
    var origin = card.closest("[data-drop]");
    var hadFocus = card.contains(document.activeElement);
    if (!target.hasAttribute("data-zone")) place(card, target);
    card.classList.add("is-saving");
    card.setAttribute("aria-busy", "true");
    var body = new URLSearchParams({ stage_id: target.dataset.stageId, version: card.dataset.version });
    if (reason) body.set("lost_reason", reason);
    var headers = { "X-CSRF-Token": csrfToken(), "HX-Request": "true", "HX-Current-URL": window.location.href };
    var url = "/pipeline/opportunities/" + card.dataset.id + "/move" + window.location.search;
    fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: body })
      .then(function (response) {
        return response.text().then(function (text) {
          if (!response.ok) throw { refused: refusal(text, response.status) };
          finish(card, target, response, text, hadFocus);
        });
      })
      .catch(function (error) {
        place(card, origin);
        card.classList.remove("is-saving");
        card.removeAttribute("aria-busy");
        if (hadFocus) card.querySelector("[data-move-button]").focus();
        errorToast(error && error.refused ? error.refused : "Cannot reach the server. Check your connection and try again.");
      });
  }

  function openDialog(dialog, done) {
    dialog.returnValue = "";
    dialogDone.set(dialog, done);
    dialog.showModal();
  }

  function askReason(card, target) {
    var dialog = document.getElementById("lost-dialog");
    var select = dialog.querySelector("select");
    dialog.querySelector("[data-dialog-name]").textContent = card.dataset.name;
    select.value = "";
    showReasonError(dialog, false);
    card.classList.add("is-pending");
    openDialog(dialog, function (confirmed) {
      card.classList.remove("is-pending");
      if (confirmed) send(card, target, select.value);
    });
  }

  function showReasonError(dialog, shown) {
    var select = dialog.querySelector("select");
    dialog.querySelector(".field-error").hidden = !shown;
    if (shown) select.setAttribute("aria-invalid", "true");
    else select.removeAttribute("aria-invalid");
  }

  function moveTo(card, target) {
    if (!card || target.dataset.stageId === card.dataset.stageId) return;
    if (target.hasAttribute("data-lost")) askReason(card, target);
    else send(card, target, "");
  }

  function chooseStage(card) {
    var dialog = document.getElementById("move-dialog");
    var select = dialog.querySelector("select");
    dialog.querySelector("[data-dialog-name]").textContent = card.dataset.name;
    select.value = card.dataset.stageId;
    openDialog(dialog, function (confirmed) {
      var board = boardElement();
      var target = board && board.querySelector('[data-drop][data-stage-id="' + select.value + '"]');
      if (confirmed && target) moveTo(card, target);
    });
  }

  // --- drag and drop ---------------------------------------------------------------------

  function dropTarget(event) {
    if (!dragged || !event.target.closest) return null;
    return event.target.closest("[data-drop]");
  }

  function endDrag() {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    document.body.classList.remove("is-dragging-card");
    document.querySelectorAll("[data-drop].is-over").forEach(function (zone) { zone.classList.remove("is-over"); });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-card]");
    if (!card || card.classList.contains("is-saving")) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.name);
    card.classList.add("is-dragging");
    document.body.classList.add("is-dragging-card");
  });
  document.addEventListener("dragend", endDrag);
  document.addEventListener("dragover", function (event) {
    var target = dropTarget(event);
    if (!target) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    target.classList.add("is-over");
  });
  document.addEventListener("dragleave", function (event) {
    var target = dropTarget(event);
    if (target && !target.contains(event.relatedTarget)) target.classList.remove("is-over");
  });
  document.addEventListener("drop", function (event) {
    var target = dropTarget(event);
    if (!target) return;
    event.preventDefault();
    var card = dragged;
    endDrag();
    moveTo(card, target);
  });

  // --- keyboard: "Move to…", the dialogs ---------------------------------------------------

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-move-button]");
    if (button) chooseStage(button.closest("[data-card]"));
  });

  // A reason is required to confirm a loss; Cancel and Escape close without moving.
  document.addEventListener("submit", function (event) {
    var dialog = event.target.closest("dialog");
    if (!dialog || dialog.id !== "lost-dialog") return;
    var confirming = event.submitter && event.submitter.value === "confirm";
    if (confirming && !dialog.querySelector("select").value) {
      event.preventDefault();
      showReasonError(dialog, true);
      dialog.querySelector("select").focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("dialog.board-dialog").forEach(function (dialog) {
      dialog.addEventListener("close", function () {
        var done = dialogDone.get(dialog);
        dialogDone.delete(dialog);
        if (done) done(dialog.returnValue === "confirm");
      });
    });
  });

  // "Load more" may bring a card that was moved into the column before: keep the one the
  // server placed, in order.
  document.addEventListener("htmx:afterSwap", function () {
    var seen = {};
    document.querySelectorAll("[data-board] [data-card]").forEach(function (card) {
      if (seen[card.id]) seen[card.id].remove();
      seen[card.id] = card;
    });
  });
})();
