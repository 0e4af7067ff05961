// Dragging a library video out of the window into another app: the app service's `startDrag`
// port over Electron's `webContents.startDrag`. The window calls `library:drag-out` from its
// `dragstart` (after `preventDefault()`), while the pointer is still down; the file and its
// poster come from main (media-handlers.ts), never from the page.
import { nativeImage, type NativeImage, type WebContents } from 'electron';
import type { DragOut, StartDrag } from '../core/app/media-handlers';

/** The widest picture under the pointer: a poster frame is shrunk to this. */
const DRAG_ICON_WIDTH = 160;

/** A non-empty picture for the drag (macOS refuses an empty one): the poster, else the app's icon. */
function dragImage(icon: string, fallback: string): NativeImage | undefined {
  for (const path of [icon, fallback]) {
    const image = nativeImage.createFromPath(path);
    if (image.isEmpty()) continue;
    return image.getSize().width > DRAG_ICON_WIDTH ? image.resize({ width: DRAG_ICON_WIDTH, quality: 'good' }) : image;
  }
  return undefined;
}

/** Starts the drag from the window's contents (the one window that called); false when there is no window or no picture. */
export function dragPort(contents: () => WebContents | undefined, fallbackIcon: string): StartDrag {
  return ({ file, icon }: DragOut) => {
    const target = contents();
    const image = dragImage(icon, fallbackIcon);
    if (!target || !image) return false;
    target.startDrag({ file, icon: image });
    return true;
  };
}
