// Narrow screens show each table row as a card (book.css): every cell gets its column's name as data-label.
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll(".bd-article table")) {
    const headRows = table.querySelectorAll("thead tr");
    if (!headRows.length) continue;
    const names = [...headRows[headRows.length - 1].children].map((cell) => cell.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => { if (names[i]) cell.setAttribute("data-label", names[i]); });
    }
    table.classList.add("reflow");
  }
});
