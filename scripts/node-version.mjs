// Whether a Node is older than package.json's `engines` (the Node inside Electron, where the app's
// main process runs). Plain ESM that any Node can parse: npm scripts and the CLI both use it.

/** The one line a person sees when this Node is too old; undefined when it is new enough. */
export function nodeTooOld(version, engines) {
  const min = /(\d+)\.(\d+)\.(\d+)/.exec(engines)?.slice(1).map(Number);
  if (!min) return undefined;
  const have = version.replace(/^v/, '').split('.').map(Number);
  const older = have[0] - min[0] || have[1] - min[1] || have[2] - min[2];
  if (older >= 0) return undefined;
  return (
    `LTX Batch Studio needs Node ${min.join('.')} or newer (the Node inside Electron), but this is Node ${version.replace(/^v/, '')}. ` +
    `Install Node ${min[0]} (\`nvm install\` reads .nvmrc) and run the command again.`
  );
}
