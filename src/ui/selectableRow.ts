/**
 * A table row a person selects by clicking it or, from the keyboard, with Enter or Space, so
 * every table of the console (instances, volumes, snapshots) answers the same keys. The row
 * still needs tabindex="0" and aria-selected, which follow the selection.
 */
import type { Action } from "svelte/action";

export const selectableRow: Action<HTMLElement, () => void> = (row, select) => {
  let current = select;
  const onClick = () => current();
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    // Space would scroll the page.
    event.preventDefault();
    current();
  };
  row.addEventListener("click", onClick);
  row.addEventListener("keydown", onKey);
  return {
    update(next) {
      current = next;
    },
    destroy() {
      row.removeEventListener("click", onClick);
      row.removeEventListener("keydown", onKey);
    },
  };
};
