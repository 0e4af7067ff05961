/**
 * Dragging a video out of the window into another app. The page's own drag is cancelled and
 * main takes over with the OS drag (Electron's webContents.startDrag, with the file and its
 * poster): the page sets no drag image or URL of its own. That OS drag carries a file, so while
 * it is on its way the window's own drop handling (DropOverlay) must not take it for a file
 * dropped in: drag events are kept from it until the drag ends.
 */

let draggingOut = false;

const DRAG_EVENTS = ['dragenter', 'dragover', 'dragleave', 'drop'] as const;
const END_EVENTS = ['mousemove', 'pointerdown', 'keydown'] as const;

function swallow(event: Event): void {
  if (!draggingOut) return;
  event.stopImmediatePropagation();
  // Over the window, the OS drag shows "no drop here" rather than a copy.
  if (event.type === 'dragover' || event.type === 'drop') event.preventDefault();
  if (event.type === 'drop') end();
}

function end(): void {
  if (!draggingOut) return;
  draggingOut = false;
  for (const type of DRAG_EVENTS) window.removeEventListener(type, swallow, true);
  for (const type of END_EVENTS) window.removeEventListener(type, end, true);
}

/**
 * On `dragstart` of a card or the player's video: cancels the page's drag and asks main to
 * start the OS drag of `path`. The drag ends with a drop on the window, or with the pointer's
 * next move over it (the OS sends none while it drags).
 */
export function startDragOut(event: DragEvent, path: string, dragOut: (path: string) => Promise<boolean>): void {
  event.preventDefault();
  if (!draggingOut) {
    draggingOut = true;
    // Capturing on the window runs before DropOverlay's own window listeners.
    for (const type of DRAG_EVENTS) window.addEventListener(type, swallow, true);
    for (const type of END_EVENTS) window.addEventListener(type, end, true);
  }
  void dragOut(path).then((started) => {
    if (!started) end();
  });
}
