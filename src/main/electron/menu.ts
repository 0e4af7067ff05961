import { Menu, shell, type MenuItemConstructorOptions } from 'electron';

/** The usual menus and shortcuts: app, edit, view, window, help. */
export function installMenu(appName: string): void {
  const mac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ label: appName, role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }]
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'APIXO documentation', click: () => void shell.openExternal('https://docs.apixo.ai') }] }
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
