/** The single window: sidebar, the current screen, notices and the player bar. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AnalysisProgress, LibraryStats, ScanProgress, Track } from '../../shared/types';
import { client, errorMessage, mode, onConnectionChange } from './api/client';
import { PlayerBar } from './components/PlayerBar';
import { TrackMenuProvider } from './components/TrackMenu';
import { nf } from './format';
import { AppContext, useApp, useEvent } from './hooks';
import type { AppApi, Notice, Route, Screen } from './hooks';
import { PlayerProvider, usePlayer } from './player';
import { useShortcuts } from './playback/shortcuts';
import { countRender } from './render-count';
import { parseHash, routeHash } from './routes';
import { AlbumScreen } from './screens/Album';
import { AlbumsScreen } from './screens/Albums';
import { AnalysisScreen } from './screens/Analysis';
import { ArtistScreen } from './screens/Artist';
import { ArtistsScreen } from './screens/Artists';
import { ClustersScreen } from './screens/Clusters';
import { MapScreen } from './screens/Map';
import { LibraryScreen } from './screens/Library';
import { QueueScreen } from './screens/Queue';
import { ScanScreen } from './screens/Scan';
import { SettingsScreen } from './screens/Settings';
import { SimilarScreen } from './screens/Similar';

const nav: { id: Screen; label: string; icon: string }[] = [
  { id: 'library', label: 'Library', icon: '♫' },
  { id: 'albums', label: 'Albums', icon: '▦' },
  { id: 'artists', label: 'Artists', icon: '◍' },
  { id: 'queue', label: 'Now playing', icon: '▶' },
  { id: 'similar', label: 'Similar', icon: '≈' },
  { id: 'clusters', label: 'Clusters', icon: '⁂' },
  { id: 'map', label: 'Map', icon: '◇' },
  { id: 'scan', label: 'Add music', icon: '+' },
  { id: 'analysis', label: 'Analysis', icon: '◔' },
  { id: 'settings', label: 'Settings', icon: '⚙' },
];

/** The nav entry a screen belongs to (an album page is under Albums). */
const navOf = (screen: Screen): Screen =>
  screen === 'album' ? 'albums' : screen === 'artist' ? 'artists' : screen;

function Shell({
  route,
  stats,
  statsError,
  scan,
  analysis,
  onAnalysis,
}: {
  route: Route;
  stats: LibraryStats | null;
  statsError: string | null;
  scan: ScanProgress | null;
  analysis: AnalysisProgress | null;
  onAnalysis(progress: AnalysisProgress): void;
}) {
  countRender('Shell');
  const { go } = useApp();
  const player = usePlayer();
  const { screen } = route;
  useShortcuts({
    toggle: player.toggle,
    next: player.next,
    previous: player.previous,
    seekBy: player.seekBy,
    volumeBy: (delta) => player.setVolume(player.volume + delta),
  });

  const scanning = scan && scan.phase !== 'done' && scan.phase !== 'cancelled';
  const analysing = analysis && (analysis.state === 'running' || analysis.state === 'paused');

  return (
    <div className="app">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark">◉</span> Timbre
        </div>
        <nav>
          {nav.map((item) => (
            <button
              key={item.id}
              className={`nav-item${navOf(screen) === item.id ? ' active' : ''}`}
              onClick={() => go(item.id)}
              data-screen={item.id}
            >
              <span className="nav-icon">{item.icon}</span>
              {item.label}
              {item.id === 'queue' && player.queue.length > 0 && (
                <span className="badge">{player.queue.length}</span>
              )}
              {item.id === 'scan' && scanning && <span className="badge live">scanning</span>}
              {item.id === 'analysis' && analysing && (
                <span className="badge live">
                  {analysis.total > 0
                    ? Math.floor(((analysis.done + analysis.failed) / analysis.total) * 100)
                    : 0}
                  %
                </span>
              )}
            </button>
          ))}
        </nav>
        <div className="sidebar-stats">
          {stats ? (
            <>
              <div>
                <strong>{nf.format(stats.tracks)}</strong> tracks
              </div>
              <div>
                <strong>{nf.format(stats.analysed)}</strong> analysed
              </div>
              <div>
                {nf.format(stats.artists)} artists · {nf.format(stats.albums)} albums
              </div>
            </>
          ) : (
            <div className="muted" title={statsError ?? undefined}>
              {statsError ? 'Library statistics unavailable' : 'Loading…'}
            </div>
          )}
          <div className="muted small">
            {mode === 'electron' ? 'Desktop app' : 'Browser mode (127.0.0.1)'}
          </div>
        </div>
      </aside>
      <main className="content">
        {screen === 'library' && <LibraryScreen stats={stats} />}
        {screen === 'albums' && <AlbumsScreen />}
        {screen === 'album' && route.param && <AlbumScreen key={route.param} id={route.param} />}
        {screen === 'artists' && <ArtistsScreen />}
        {screen === 'artist' && route.param && <ArtistScreen key={route.param} name={route.param} />}
        {screen === 'queue' && <QueueScreen />}
        {screen === 'similar' && <SimilarScreen />}
        {screen === 'clusters' && <ClustersScreen stats={stats} />}
        {screen === 'map' && <MapScreen />}
        {screen === 'scan' && <ScanScreen progress={scan} />}
        {screen === 'analysis' && (
          <AnalysisScreen progress={analysis} stats={stats} onProgress={onAnalysis} />
        )}
        {screen === 'settings' && <SettingsScreen />}
      </main>
      <PlayerBar />
    </div>
  );
}

export function App() {
  countRender('App');
  // The hash holds the route, so a reload or a bookmark comes back to the same screen.
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  const routeRef = useRef(route);
  const leaveGuards = useRef(new Map<number, string>());
  const nextGuard = useRef(1);
  const [selected, setSelected] = useState<Track | null>(null);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [stats, setStats] = useState<LibraryStats | null>(null);
  const [statsError, setStatsError] = useState<string | null>(null);
  const [scan, setScan] = useState<ScanProgress | null>(null);
  const [analysis, setAnalysis] = useState<AnalysisProgress | null>(null);
  const [connected, setConnected] = useState(true);
  const nextId = useRef(1);

  const notify = useCallback((message: unknown, kind: Notice['kind'] = 'error') => {
    const text = typeof message === 'string' ? message : errorMessage(message);
    const id = nextId.current++;
    setNotices((list) => [...list.slice(-3), { id, kind, text }]);
    setTimeout(() => setNotices((list) => list.filter((n) => n.id !== id)), kind === 'error' ? 9000 : 4000);
  }, []);

  const refreshStats = useCallback(() => {
    client
      .invoke('library.stats', {})
      .then((s) => {
        setStats(s);
        setStatsError(null);
      })
      .catch((err: unknown) => setStatsError(errorMessage(err)));
  }, []);

  useEffect(() => {
    refreshStats();
    client
      .invoke('analysis.status', {})
      .then(setAnalysis)
      .catch(() => undefined);
  }, [refreshStats]);

  useEffect(() => onConnectionChange(setConnected), []);

  useEvent('library.changed', () => refreshStats());
  useEvent('scan.progress', (p) => setScan(p));
  const lastStatsAt = useRef(0);
  const onAnalysis = useCallback(
    (p: AnalysisProgress) => {
      setAnalysis(p);
      refreshStats();
    },
    [refreshStats],
  );
  useEvent('analysis.progress', (p) => {
    setAnalysis(p);
    // The sidebar counts follow analysis, at most every 3 s (and once when it stops).
    const now = Date.now();
    if (p.state === 'idle' || now - lastStatsAt.current > 3000) {
      lastStatsAt.current = now;
      refreshStats();
    }
  });

  /** True when nothing holds unsaved edits, or the user agreed to drop them. */
  const mayLeave = useCallback((): boolean => {
    const pending = [...leaveGuards.current.values()];
    if (pending.length === 0) return true;
    if (!window.confirm(pending[0])) return false;
    leaveGuards.current.clear();
    return true;
  }, []);

  const navigate = useCallback(
    (next: Route) => {
      const cur = routeRef.current;
      if (cur.screen === next.screen && cur.param === next.param) return;
      if (!mayLeave()) return;
      routeRef.current = next;
      setRoute(next);
      if (window.location.hash !== routeHash(next)) window.location.hash = routeHash(next);
    },
    [mayLeave],
  );

  useEffect(() => {
    const onHash = (): void => {
      const next = parseHash(window.location.hash);
      const cur = routeRef.current;
      if (cur.screen === next.screen && cur.param === next.param) return;
      // Back/forward while a screen has unsaved edits: stay unless the user agrees.
      if (!mayLeave()) {
        window.history.replaceState(null, '', routeHash(cur));
        return;
      }
      routeRef.current = next;
      setRoute(next);
    };
    const onUnload = (e: BeforeUnloadEvent): void => {
      if (leaveGuards.current.size > 0) e.preventDefault();
    };
    window.addEventListener('hashchange', onHash);
    window.addEventListener('beforeunload', onUnload);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('beforeunload', onUnload);
    };
  }, [mayLeave]);

  const api = useMemo<AppApi>(
    () => ({
      go: (screen, param) => navigate({ screen, param }),
      route,
      showAlbum: (ref) => {
        if ('id' in ref) {
          navigate({ screen: 'album', param: ref.id });
          return;
        }
        client
          .invoke('library.album', { trackId: ref.trackId })
          .then((album) => {
            if (album) navigate({ screen: 'album', param: album.id });
            else notify('This track is no longer in the library.');
          })
          .catch((err: unknown) => notify(err));
      },
      showArtist: (name) => navigate({ screen: 'artist', param: name }),
      guardLeave: (message) => {
        const id = nextGuard.current++;
        leaveGuards.current.set(id, message);
        return () => {
          leaveGuards.current.delete(id);
        };
      },
      selected,
      select: setSelected,
      notify,
    }),
    [navigate, route, selected, notify],
  );

  return (
    <AppContext.Provider value={api}>
      <PlayerProvider>
        <TrackMenuProvider>
          <Shell
            route={route}
            stats={stats}
            statsError={statsError}
            scan={scan}
            analysis={analysis}
            onAnalysis={onAnalysis}
          />
        </TrackMenuProvider>
      </PlayerProvider>
      <div className="notices" role="status" aria-live="polite">
        {!connected && <div className="notice error">Lost the connection to Timbre; retrying…</div>}
        {notices.map((n) => (
          <div
            key={n.id}
            className={`notice ${n.kind}`}
            onClick={() => setNotices((l) => l.filter((x) => x.id !== n.id))}
          >
            {n.text}
          </div>
        ))}
      </div>
    </AppContext.Provider>
  );
}
