/**
 * The URL hash as the window's state: `#/albums`, `#/album/<id>`, `#/artist/<name>` …, so a reload
 * (or a bookmark) comes back to the same screen and the browser's back button works.
 */
import type { Route, Screen } from './hooks';

const screens: readonly Screen[] = [
  'library',
  'albums',
  'album',
  'artists',
  'artist',
  'scan',
  'analysis',
  'queue',
  'similar',
  'clusters',
  'map',
  'settings',
];
const needsParam: readonly Screen[] = ['album', 'artist'];

export function parseHash(hash: string): Route {
  const [name, ...rest] = hash.replace(/^#\/?/, '').split('/');
  const screen = screens.find((s) => s === name);
  if (!screen) return { screen: 'library' };
  if (!needsParam.includes(screen)) return { screen };
  let param: string;
  try {
    param = decodeURIComponent(rest.join('/'));
  } catch {
    return { screen: screen === 'album' ? 'albums' : 'artists' };
  }
  return param ? { screen, param } : { screen: screen === 'album' ? 'albums' : 'artists' };
}

export function routeHash(route: Route): string {
  return route.param ? `#/${route.screen}/${encodeURIComponent(route.param)}` : `#/${route.screen}`;
}
