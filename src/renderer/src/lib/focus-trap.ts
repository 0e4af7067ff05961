/** What Tab can reach inside a dialog. */
const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), video, a[href]';

/** Keeps Tab (and Shift+Tab) cycling inside `container` while a dialog is open. */
export function trapTab(event: KeyboardEvent, container: HTMLElement | null): void {
  const focusable = [...(container?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
  if (focusable.length === 0) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (event.shiftKey && (document.activeElement === first || document.activeElement === container)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
