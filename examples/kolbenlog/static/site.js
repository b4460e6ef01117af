// Every page: a form with data-confirm="Question?" asks before it is sent
// (the delete button). In a file rather than an onsubmit attribute, because
// the Content-Security-Policy allows no inline script.
"use strict";
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
