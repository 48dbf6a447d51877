// Progressive enhancement only: every form works without this file.
// A form sent once stays sent: its buttons are disabled after the browser has read the
// clicked button's value, so a double click cannot send a payout or a decision twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) {
    return;
  }
  window.setTimeout(() => {
    for (const button of form.querySelectorAll("button")) {
      button.disabled = true;
    }
  }, 0);
});

// After a refusal, move focus to the message so screen readers and keyboards start there.
document.addEventListener("DOMContentLoaded", () => {
  const alert = document.querySelector('.messages[role="alert"]');
  if (alert) {
    alert.setAttribute("tabindex", "-1");
    alert.focus();
  }
});
