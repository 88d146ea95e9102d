// Progressive enhancement of the form builder: drag a page or question to a new place. It
// posts to the same move endpoint as the buttons (with the position dropped at), then
// reloads; the buttons stay, so keyboard and no-JavaScript users lose nothing.
for (const list of document.querySelectorAll('ol[data-reorder]')) {
  const base = list.getAttribute('data-reorder');
  const token = document.querySelector('input[name="_csrf"]')?.value;
  const items = () => [...list.children].filter((li) => li.dataset.id);
  let dragged;
  for (const item of items()) {
    item.draggable = true;
    item.addEventListener('dragstart', (event) => {
      dragged = item;
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', item.dataset.id);
    });
    item.addEventListener('dragover', (event) => {
      if (!dragged || dragged === item) return;
      event.preventDefault();
      const box = item.getBoundingClientRect();
      list.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? item.nextSibling : item);
    });
    item.addEventListener('dragend', async () => {
      if (!dragged) return;
      const moved = dragged;
      dragged = undefined;
      const body = new URLSearchParams({ _csrf: token ?? '', to: String(items().indexOf(moved)) });
      const response = await fetch(`${base}/${encodeURIComponent(moved.dataset.id)}/move`, {
        method: 'POST',
        body,
        credentials: 'same-origin',
      });
      // The server's order is the truth: show it (numbers, first/last buttons) as a page load would.
      if (response.ok || response.redirected) window.location.reload();
    });
  }
}
