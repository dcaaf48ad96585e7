/* The admin panel's keyboard shortcuts and bulk selection.
 *
 * Everything here only enhances pages that work without it: the queue's
 * forms post as they are. On the queue page:
 *   j / k  next / previous comment      a  approve      s  spam
 *   r      reject: focus the reason list; Enter there submits the rejection
 *   o      open the comment's thread    x  select the comment for a bulk action
 */
(function () {
  "use strict";

  var items = Array.prototype.slice.call(document.querySelectorAll(".items > .item"));
  var current = -1;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function focusItem(index) {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (item, i) {
      item.classList.toggle("current", i === current);
    });
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  }

  function press(item, action) {
    var button = item.querySelector('.actions button[value="' + action + '"]');
    if (!button) return;
    var form = button.form;
    if (form.requestSubmit) form.requestSubmit(button);
    else button.click();
  }

  function currentItem() {
    if (current < 0) {
      var active = document.activeElement && document.activeElement.closest(".item");
      if (active) current = items.indexOf(active);
    }
    return current >= 0 ? items[current] : null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var reason = event.target && event.target.closest && event.target.closest(".reject select");
    if (reason && event.key === "Enter" && reason.value) {
      event.preventDefault();
      press(reason.closest(".item"), "reject");
      return;
    }
    if (typing(event.target)) return;
    var item = currentItem();
    switch (event.key) {
      case "j":
        focusItem(current + 1);
        break;
      case "k":
        focusItem(current - 1);
        break;
      case "a":
        if (item) press(item, "approve");
        break;
      case "s":
        if (item) press(item, "spam");
        break;
      case "r":
        if (item) {
          var select = item.querySelector(".reject select");
          if (select) select.focus();
        }
        break;
      case "o":
        if (item) {
          var link = item.querySelector("a.open-thread");
          if (link) window.location.assign(link.href);
        }
        break;
      case "x":
        if (item) {
          var box = item.querySelector("input.pick");
          box.checked = !box.checked;
        }
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  items.forEach(function (item, i) {
    item.addEventListener("focusin", function () {
      current = i;
      items.forEach(function (other, j) {
        other.classList.toggle("current", j === i);
      });
    });
  });

  var all = document.getElementById("select-all");
  if (all) {
    all.closest("label").hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("input.pick").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }
})();
