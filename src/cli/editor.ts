// The user's editor and browser, as kubectl and gh find them: $PACHSVC_EDITOR, then $EDITOR, then vi;
// xdg-open (Linux) or open (macOS) for a URL.
import { spawn } from 'node:child_process';

function waitFor(command: string, args: string[], inherit: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: inherit ? 'inherit' : 'ignore', detached: !inherit });
    child.on('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${signal ? `was killed by ${signal}` : `exited with status ${code}`}`));
    });
    if (!inherit) child.unref();
  });
}

export async function runEditor(path: string, env: Record<string, string | undefined>): Promise<void> {
  const editor = (env.PACHSVC_EDITOR || env.EDITOR || 'vi').trim();
  // An editor given with arguments ("code --wait") runs through the shell, the file as "$1".
  if (/\s/.test(editor)) await waitFor('/bin/sh', ['-c', `${editor} "$1"`, 'pachsvc-editor', path], true);
  else await waitFor(editor, [path], true);
}

export async function openUrl(url: string, env: Record<string, string | undefined>): Promise<void> {
  const opener = env.PACHSVC_BROWSER || (process.platform === 'darwin' ? 'open' : 'xdg-open');
  await waitFor(opener, [url], false);
}
