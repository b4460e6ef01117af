// Say at once when a chosen image is over the size limit, instead of
// sending it and getting "413 Content Too Large" back. The server checks
// the limit anyway: this only saves a wasted upload.
"use strict";
(function () {
  const input = document.getElementById("image");
  const hint = document.getElementById("image-hint");
  const limit = Number(input.dataset.maxBytes);
  input.addEventListener("change", () => {
    const file = input.files[0];
    const tooBig = Boolean(limit && file && file.size > limit);
    input.setCustomValidity(tooBig ? "This image is too large." : "");
    hint.hidden = !tooBig;
    hint.textContent = tooBig
      ? `This image is ${(file.size / 1048576).toFixed(1)} MB; the limit is ${(limit / 1048576).toFixed(1)} MB.`
      : "";
  });
})();
