// Self-checking answer boxes for the exercises (the chapters' expected answers come from analysis/answers.py,
// computed under the edition's parameters). Offline, keyboard-operable, results announced to screen readers.
(() => {
  const MULTIPLIERS = { thousand: 1e3, k: 1e3, million: 1e6, m: 1e6, billion: 1e9, bn: 1e9, b: 1e9, trillion: 1e12, t: 1e12 };
  // Factors a unit slip produces, with the hint that names the slip.
  const SLIPS = [
    [3.6e6, "a factor of 3,600,000: joules against kilowatt-hours? (1 kWh = 3,600,000 J)"],
    [3600, "a factor of 3,600: joules against watt-hours, or seconds against hours? (1 Wh = 3,600 J)"],
    [1000, "a factor of 1,000: watts against kilowatts, or Wh against kWh?"],
    [100, "a factor of 100: a fraction against a percentage?"],
    [10, "a factor of 10: a misplaced decimal point or power of ten?"],
  ];

  function parse(text) {
    let t = text.trim().toLowerCase().replace(/[\u2009\u202f\s,_$]/g, "").replace(/[×x*]10\^?([-+−]?\d+)/, "e$1").replace("−", "-");
    const m = t.match(/^([-+]?\d*\.?\d+(?:e[-+]?\d+)?)([a-z]*)/);
    if (!m) return null;
    const word = m[2];
    return parseFloat(m[1]) * (MULTIPLIERS[word] || 1);
  }

  function judge(value, expected, tolerance) {
    const close = (a, b) => Math.abs(a - b) <= tolerance * Math.abs(b);
    if (close(value, expected)) return { ok: true, text: "Correct: within " + +(tolerance * 100).toPrecision(2) + " % of the computed answer." };
    for (const [factor, hint] of SLIPS) {
      if (close(value, expected * factor) || close(value, expected / factor)) return { ok: false, text: "Not quite: your answer is off by " + hint };
    }
    return { ok: false, text: "Not yet: that is " + (value > expected ? "too high" : "too low") + ". Check each step and try again." };
  }

  function box(label, spec) {
    const form = document.createElement("form");
    form.className = "answer-box";
    form.noValidate = true;
    const id = "answer-" + label;
    form.innerHTML =
      `<label for="${id}">Your answer${spec.unit ? " (" + spec.unit + ")" : ""}</label> ` +
      `<input id="${id}" type="text" inputmode="decimal" autocomplete="off" spellcheck="false"> ` +
      `<button type="submit">Check</button>` +
      `<p class="answer-feedback" role="status" aria-live="polite"></p>`;
    const input = form.querySelector("input"), feedback = form.querySelector(".answer-feedback");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = parse(input.value);
      if (value === null || Number.isNaN(value)) {
        feedback.textContent = "Type a number, with or without its unit (for example 2.3 or 2.33 $/h).";
        feedback.dataset.result = "invalid";
        return;
      }
      const verdict = judge(value, spec.expected, spec.tolerance);
      feedback.textContent = verdict.text;
      feedback.dataset.result = verdict.ok ? "right" : "wrong";
    });
    return form;
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const block of document.querySelectorAll("script.answer-data")) {
      const answers = JSON.parse(block.textContent);
      for (const [label, spec] of Object.entries(answers)) {
        const exercise = document.getElementById(label);
        if (!exercise) continue;
        (exercise.querySelector(".exercise-content, .admonition-body") || exercise).appendChild(box(label, spec));
      }
    }
  });
})();
