/**
 * What a person does to library videos, on the one in the player or on the selection: favourite,
 * copy prompts, use settings, re-run, show in folder, move to the trash, export. Errors and
 * notices are shown where the action was started (its scope).
 */
import type { ShallowReactive, ShallowRef, Ref } from 'vue';
import type { LibraryBulkResult, LibraryDeleteResult, LibraryDetail, LibraryItem, Verdict } from '@shared/library';
import { formatUsd, type Micros } from '@shared/pricing';
import { plural } from '../lib/format';
import { captureFrame, type CapturedFrame } from '../lib/frame';
import { useComposerStore } from './composer';
import { mediaUrl, type createActions } from './ipc';
import type { useTimedNotices } from './library-notices';
import { useQueueStore } from './queue';

/** Where an action was started: errors and notices are shown there. */
export type ActionScope = 'player' | 'selection' | 'grid' | 'compare';

export interface LibraryActionsContext {
  pages: ShallowReactive<Map<number, LibraryItem[]>>;
  selection: ShallowReactive<Map<string, LibraryItem>>;
  openPath: Ref<string | null>;
  detail: ShallowRef<LibraryDetail | null>;
  /** The videos side by side in the compare view, if it is open. */
  compare: ShallowRef<LibraryItem[] | null>;
  /** Short results of actions ("Copied 3 videos to …"), by scope; they go away on their own (library-notices.ts). */
  notices: ReturnType<typeof useTimedNotices<ActionScope>>;
  actions: ReturnType<typeof createActions>;
  /** Drops videos that are gone from everything held. */
  forget(paths: Iterable<string>): void;
  reload(): Promise<void>;
  /** Closes the player. */
  close(): void;
}

export function useLibraryActions(ctx: LibraryActionsContext) {
  const { pages, selection, openPath, detail, compare, actions } = ctx;
  const { say } = ctx.notices;

  /** The videos an action applies to: the one in the player, or the selection. */
  function targets(scope: ActionScope): string[] {
    if (scope === 'player') return openPath.value ? [openPath.value] : [];
    return [...selection.keys()];
  }

  function itemsOf(scope: ActionScope): LibraryItem[] {
    if (scope === 'player') return detail.value ? [detail.value] : [];
    return [...selection.values()];
  }

  /** What generating these videos again would cost, when every one has a known cost. */
  function estimate(scope: ActionScope, takes = 1): Micros | undefined {
    const items = itemsOf(scope);
    if (items.length === 0 || items.some((i) => i.costMicros === undefined)) return undefined;
    return items.reduce((sum, i) => sum + i.costMicros!, 0) * takes;
  }

  /** The estimate of a re-run in words, or '' when a cost is unknown. */
  function estimateText(scope: ActionScope, takes = 1): string {
    const micros = estimate(scope, takes);
    return micros === undefined ? '' : formatUsd(micros);
  }

  function startAction(scope: ActionScope): void {
    ctx.notices.dismissNotice(scope);
  }

  /** Says which videos an action could not do, in the place it was started. */
  function reportFailures(scope: ActionScope, verb: string, result: LibraryBulkResult): void {
    if (result.failed.length === 0) return;
    const first = result.failed[0];
    const name = first.path.split('/').pop();
    const more = result.failed.length > 1 ? ` (and ${plural(result.failed.length - 1, 'other')})` : '';
    actions.fail(scope, `${plural(result.failed.length, 'video')} could not be ${verb}: “${name}”: ${first.message}${more}`);
  }

  function patchItems(paths: Set<string>, patch: Partial<LibraryItem>): void {
    for (const [page, items] of pages) {
      if (items.some((i) => paths.has(i.path)))
        pages.set(
          page,
          items.map((i) => (paths.has(i.path) ? { ...i, ...patch } : i))
        );
    }
    for (const path of paths) {
      const held = selection.get(path);
      if (held) selection.set(path, { ...held, ...patch });
    }
    if (detail.value && paths.has(detail.value.path)) detail.value = { ...detail.value, ...patch };
    if (compare.value?.some((i) => paths.has(i.path))) compare.value = compare.value.map((i) => (paths.has(i.path) ? { ...i, ...patch } : i));
  }

  async function setFavourite(scope: ActionScope, on: boolean, paths = targets(scope)): Promise<boolean> {
    if (paths.length === 0) return false;
    startAction(scope);
    const result = await actions.run(scope, 'library:favourite', paths, on);
    if (!result) return false;
    const failed = new Set(result.failed.map((f) => f.path));
    patchItems(new Set(paths.filter((p) => !failed.has(p))), { favourite: on });
    reportFailures(scope, on ? 'marked as favourites' : 'unmarked', result);
    return result.failed.length === 0;
  }

  async function copyPrompts(scope: ActionScope): Promise<boolean> {
    startAction(scope);
    actions.clear(scope);
    const prompts = itemsOf(scope)
      .map((i) => i.prompt)
      .filter((p) => p.trim() !== '');
    if (prompts.length === 0) {
      actions.fail(scope, 'There is no prompt to copy: this video was not made by LTX Batch Studio, so its prompt is unknown.');
      return false;
    }
    try {
      await navigator.clipboard.writeText(prompts.join('\n'));
    } catch {
      actions.fail(scope, 'The clipboard could not be written. Select the prompt and copy it by hand.');
      return false;
    }
    say(scope, prompts.length === 1 ? 'Copied the prompt.' : `Copied ${plural(prompts.length, 'prompt')}, one per line.`);
    return true;
  }

  /** Fills the composer with a video's prompt, settings, seed and source image; true when it did. */
  async function useSettings(scope: ActionScope): Promise<boolean> {
    const [path] = targets(scope);
    if (!path) return false;
    startAction(scope);
    const draft = await actions.run(scope, 'library:use', path);
    if (!draft) return false;
    useComposerStore().prefill(draft);
    ctx.close();
    return true;
  }

  /**
   * "Continue from the last frame" / "from this frame": the frame of the video in the player,
   * captured in the window at its full size, becomes the source image of one composer row with
   * the video's prompt (architecture.md, "Lineage"); true when the composer is ready.
   */
  async function continueFrom(atSec: number | 'last'): Promise<boolean> {
    const item = detail.value;
    if (!item) return false;
    startAction('player');
    actions.clear('player');
    let frame: CapturedFrame;
    try {
      frame = await captureFrame(mediaUrl(item.video), atSec);
    } catch (error) {
      actions.fail('player', `The frame could not be taken: ${(error as Error).message}`);
      return false;
    }
    const draft = await actions.run('player', 'library:continue', item.path, frame.frameSec, frame.dataUrl);
    if (!draft) return false;
    useComposerStore().prefill(draft);
    ctx.close();
    return true;
  }

  /** Generates the videos again as a new batch (same seeds, or `takes` new ones each); true when it was added. */
  async function rerun(scope: ActionScope, seeds: 'same' | 'new', takes = 1): Promise<boolean> {
    const paths = targets(scope);
    if (paths.length === 0) return false;
    if (seeds === 'new' && !(Number.isInteger(takes) && takes >= 1 && takes <= 10)) {
      actions.fail(scope, 'Takes must be a whole number from 1 to 10.');
      return false;
    }
    startAction(scope);
    const summary = await actions.run(scope, 'library:rerun', { paths, seeds, takes: seeds === 'same' ? 1 : takes });
    if (!summary) return false;
    useQueueStore().addCreated(summary);
    ctx.close();
    return true;
  }

  async function reveal(scope: ActionScope): Promise<boolean> {
    const [path] = targets(scope);
    if (!path) return false;
    startAction(scope);
    const shownInFolder = await actions.run(scope, 'library:reveal', path);
    if (shownInFolder === false) actions.fail(scope, 'The file could not be shown: it may have been moved or deleted outside the app.');
    return shownInFolder === true;
  }

  /** Keep, reject, or back to unreviewed (null): written to each video's sidecar. True when every one took it. */
  async function setVerdict(scope: ActionScope, verdict: Verdict | null, paths = targets(scope)): Promise<boolean> {
    if (paths.length === 0) return false;
    startAction(scope);
    const result = await actions.run(scope, 'library:verdict', paths, verdict);
    if (!result) return false;
    const failed = new Set(result.failed.map((f) => f.path));
    patchItems(new Set(paths.filter((p) => !failed.has(p))), { verdict: verdict ?? undefined });
    reportFailures(scope, verdict === 'keep' ? 'kept' : verdict === 'reject' ? 'rejected' : 'marked as unreviewed', result);
    return result.failed.length === 0;
  }

  /** What a delete did: the videos leave the window, and Undo is offered for as long as main holds them. */
  function afterDelete(scope: ActionScope, paths: string[], result: LibraryDeleteResult): void {
    const failed = new Set(result.failed.map((f) => f.path));
    ctx.forget(paths.filter((p) => !failed.has(p)));
    if (result.done > 0) {
      const text = `Moved ${plural(result.done, 'video')} to the trash.`;
      if (result.undo) ctx.notices.offerUndo({ text, token: result.undo, graceMs: result.graceMs, count: result.done });
      else say('grid', text);
    }
    reportFailures(scope, 'moved to the trash', result);
    void ctx.reload();
  }

  /** Moves the videos (with their sidecars and source images) to the trash, with an undo while the grace lasts. */
  async function remove(scope: ActionScope): Promise<boolean> {
    const paths = targets(scope);
    if (paths.length === 0) return false;
    startAction(scope);
    const result = await actions.run(scope, 'library:delete', paths);
    if (!result) return false;
    afterDelete(scope, paths, result);
    return result.failed.length === 0;
  }

  /** Moves every rejected video of a batch to the trash, with an undo. */
  async function trashRejected(batchId: string): Promise<boolean> {
    startAction('grid');
    const result = await actions.run('grid', 'library:trash-rejected', batchId);
    if (!result) return false;
    if (result.done === 0 && result.failed.length === 0) say('grid', 'This batch has no rejected videos left.');
    afterDelete('grid', [], result);
    return result.failed.length === 0;
  }

  /** Puts back the videos of the last delete, while its grace lasts. */
  async function undoDelete(): Promise<boolean> {
    const offer = ctx.notices.undoOffer.value;
    if (!offer) return false;
    startAction('grid');
    const result = await actions.run('grid', 'library:undo-delete', offer.token);
    if (!result) return false;
    ctx.notices.dismissUndo();
    if (result.done > 0) say('grid', `Put back ${plural(result.done, 'video')}.`);
    reportFailures('grid', 'put back', result);
    void ctx.reload();
    return result.failed.length === 0;
  }

  /** Hands a video to the OS drag (main starts it with the file and its poster). */
  async function dragOut(path: string): Promise<boolean> {
    const started = await actions.run('grid', 'library:drag-out', path);
    if (started === false) actions.fail('grid', 'The video could not be dragged: it may have been moved or deleted outside the app.');
    return started === true;
  }

  /** Asks for a folder and copies the videos there with a manifest; false when cancelled or failed. */
  async function exportTo(scope: ActionScope): Promise<boolean> {
    const paths = targets(scope);
    if (paths.length === 0) return false;
    startAction(scope);
    // Main's folder dialog; the export names the chosen folder by its token, never by a path.
    const folder = await actions.run(scope, 'dialog:choose-folder', 'export');
    if (!folder) return false;
    const result = await actions.run(scope, 'library:export', paths, folder.token);
    if (!result) return false;
    say(
      scope,
      `Copied ${plural(result.done, 'video')} to ${result.folder}. The manifest is ${result.manifest} (and, for spreadsheets, ${result.manifestXlsx}).`
    );
    reportFailures(scope, 'copied', result);
    return result.failed.length === 0;
  }

  function clearError(scope: ActionScope): void {
    actions.clear(scope);
  }

  return {
    estimate,
    estimateText,
    setFavourite,
    setVerdict,
    copyPrompts,
    useSettings,
    continueFrom,
    rerun,
    reveal,
    remove,
    trashRejected,
    undoDelete,
    dragOut,
    exportTo,
    clearError
  };
}
