import { Menu, shell, type MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openLogs(): void;
  copyDiagnostics(): void;
  checkForUpdates?(): void;
}

/**
 * The usual menus and shortcuts: app, edit, view, window, help. Reload and the developer tools
 * exist only in development builds: in the packaged app nobody can open a console on the window.
 */
export function installMenu(appName: string, options: { dev: boolean; actions: MenuActions }): void {
  const mac = process.platform === 'darwin';
  const { actions } = options;
  const devItems: MenuItemConstructorOptions[] = options.dev ? [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] : [];
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ label: appName, role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [...devItems, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }]
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'APIXO documentation', click: () => void shell.openExternal('https://docs.apixo.ai') },
        { type: 'separator' },
        { label: 'Open logs folder', click: () => actions.openLogs() },
        { label: 'Copy diagnostics', click: () => actions.copyDiagnostics() },
        ...(actions.checkForUpdates ? [{ type: 'separator' as const }, { label: 'Check for updates…', click: () => actions.checkForUpdates!() }] : [])
      ]
    }
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
