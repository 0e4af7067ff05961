/**
 * Main's sentences about image hosting point people to "Settings → Image hosting", which is
 * right anywhere else in the app. Shown inside that section, they are said as from there: the
 * pointer to where the person already is goes.
 */
const WHERE = 'Settings → Image hosting';

export function onHostingSection(message: string): string {
  return message
    .replace(new RegExp(`\\bIn ${WHERE}, (\\p{Ll})`, 'gu'), (_, first: string) => first.toUpperCase())
    .replace(new RegExp(` in ${WHERE}`, 'g'), '')
    .replace(new RegExp(WHERE, 'g'), 'this section');
}
