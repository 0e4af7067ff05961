/**
 * Which folders may hold the library, the data folder or an export (architecture.md,
 * "Security"): a full path to a folder that exists, never a system folder or the home folder
 * itself. The same rules check a folder chosen in the dialog and one read from a hand-edited
 * settings file.
 */
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { posix, resolve, win32 } from 'node:path';
import { WindowRefusal } from './chosen-files';

/** POSIX folders that are refused themselves and everything inside them (the system's own files). */
const POSIX_SYSTEM_TREES = [
  '/bin',
  '/boot',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/sbin',
  '/sys',
  '/usr',
  '/System',
  '/private/etc',
  '/cores'
];
/** POSIX folders refused themselves, though folders inside them may be fine (`/home/ana`, `/Volumes/Disk/Videos`, `/tmp/x`). */
const POSIX_SYSTEM_FOLDERS = [
  '/',
  '/dev',
  '/home',
  '/media',
  '/mnt',
  '/opt',
  '/root',
  '/run',
  '/srv',
  '/tmp',
  '/var',
  '/Applications',
  '/Library',
  '/Network',
  '/Users',
  '/Volumes',
  '/private',
  '/private/tmp',
  '/private/var'
];
/** Windows folders (below any drive) refused with everything inside them. */
const WINDOWS_SYSTEM_TREES = ['\\Windows', '\\Program Files', '\\Program Files (x86)', '\\ProgramData', '\\$Recycle.Bin', '\\System Volume Information'];
/** Windows folders refused themselves: a drive's root, the users folder. */
const WINDOWS_SYSTEM_FOLDERS = ['\\', '\\Users'];

/** Every folder named above, for the docs and the tests. */
export const SYSTEM_FOLDERS = {
  posixTrees: POSIX_SYSTEM_TREES,
  posixFolders: POSIX_SYSTEM_FOLDERS,
  windowsTrees: WINDOWS_SYSTEM_TREES,
  windowsFolders: WINDOWS_SYSTEM_FOLDERS
} as const;

export interface FolderRuleOptions {
  platform?: NodeJS.Platform;
  home?: string;
}

function inside(tree: string, path: string, sep: string): boolean {
  return path === tree || path.startsWith(tree.endsWith(sep) ? tree : tree + sep);
}

/**
 * Why `path` cannot hold the app's files, judged from the path alone: not a full path, a
 * system folder (or inside one) or the home folder itself. Undefined when it may.
 */
export function folderPathProblem(path: string, options: FolderRuleOptions = {}): string | undefined {
  const windows = (options.platform ?? process.platform) === 'win32';
  const paths = windows ? win32 : posix;
  if (!paths.isAbsolute(path) || (windows && !/^([a-z]:[\\/]|\\\\)/i.test(path))) {
    return `“${path}” is not a full path to a folder.`;
  }
  const home = options.home ?? homedir();
  let full = paths.resolve(path);
  if (full.length > 1 && full.endsWith(paths.sep) && !(windows && /^[a-z]:\\$/i.test(full))) full = full.slice(0, -1);
  if (windows) {
    const lower = full.toLowerCase();
    const below = lower.replace(/^[a-z]:/, '');
    if (lower.replace(/\\$/, '') === paths.resolve(home).toLowerCase().replace(/\\$/, '')) return `${full} is your home folder itself.`;
    if (WINDOWS_SYSTEM_FOLDERS.some((f) => below === f.toLowerCase()) || WINDOWS_SYSTEM_TREES.some((t) => inside(t.toLowerCase(), below, '\\'))) {
      return `${full} is a system folder.`;
    }
    return undefined;
  }
  if (full === paths.resolve(home)) return `${full} is your home folder itself.`;
  if (POSIX_SYSTEM_FOLDERS.includes(full) || POSIX_SYSTEM_TREES.some((t) => inside(t, full, '/'))) return `${full} is a system folder.`;
  return undefined;
}

const DO_INSTEAD: Record<string, string> = {
  'library folder': 'Choose or make a folder of your own for the videos, such as one inside your Videos folder.',
  'data folder': 'Choose or make a folder of your own for the queue’s files, such as one inside your Documents folder.',
  'export folder': 'Choose or make a folder of your own to copy the videos into.'
};

/**
 * Checks a folder the person chose, before the app writes there: the path rules above, for the
 * folder and for where its links really lead, and that it exists and is a folder. Answers the
 * folder's full path as chosen; throws a WindowRefusal saying what is wrong and what to do.
 */
export async function checkChosenFolder(path: string, what: 'library folder' | 'data folder' | 'export folder', channel: string): Promise<string> {
  const instead = DO_INSTEAD[what];
  const refuse = (problem: string): never => {
    throw new WindowRefusal(`${problem} It cannot be the ${what}. ${instead}`, `${channel}: ${what} ${JSON.stringify(path)} refused: ${problem}`);
  };
  const problem = folderPathProblem(path);
  if (problem) refuse(problem);
  let real: string;
  try {
    real = await realpath(path);
    if (!(await stat(real)).isDirectory()) refuse(`${path} is a file, not a folder.`);
  } catch (error) {
    if (error instanceof WindowRefusal) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    refuse(code === 'ENOENT' ? `${path} does not exist (any more).` : `${path} cannot be opened (${code ?? (error as Error).message}).`);
  }
  const realProblem = folderPathProblem(real!);
  if (realProblem) refuse(`${path} leads to ${real!}: ${realProblem}`);
  return resolve(path);
}
