/**
 * The clustering state the Clusters and Map screens share: the active run's clusters, the run under
 * way (`clusters.status`, then `clusters.progress` events) and the actions that start, cancel and
 * export. The clusters reload when a run ends and when the library changes (a run may go stale).
 */
import { useCallback, useEffect, useState } from 'react';
import type { Request } from '../../shared/contract';
import type { ClusterList, ClusterProgress } from '../../shared/types';
import { client, errorMessage } from './api/client';
import { saveFile } from './download';
import { useApp, useEvent } from './hooks';

export interface ClustersState {
  list: ClusterList | null;
  error: string | null;
  progress: ClusterProgress | null;
  running: boolean;
  start(req: Request<'clusters.start'>): void;
  cancel(): void;
  exportFiles(req: Request<'clusters.export'>): Promise<void>;
  reload(): void;
}

export function useClusters(): ClustersState {
  const { notify } = useApp();
  const [list, setList] = useState<ClusterList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<ClusterProgress | null>(null);
  const [version, setVersion] = useState(0);

  const reload = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    let live = true;
    client.invoke('clusters.list', {}).then(
      (l) => {
        if (!live) return;
        setList(l);
        setError(null);
      },
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [version]);

  useEffect(() => {
    let live = true;
    client
      .invoke('clusters.status', {})
      .then((p) => live && setProgress(p))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);

  useEvent('clusters.progress', (p) => {
    setProgress(p);
    if (p.state === 'done') reload();
  });
  useEvent('library.changed', () => reload());

  const start = useCallback(
    (req: Request<'clusters.start'>) => {
      client.invoke('clusters.start', req).then(setProgress, (err: unknown) => notify(err));
    },
    [notify],
  );
  const cancel = useCallback(() => {
    client.invoke('clusters.cancel', {}).catch((err: unknown) => notify(err));
  }, [notify]);
  const exportFiles = useCallback(
    async (req: Request<'clusters.export'>) => {
      try {
        const { files } = await client.invoke('clusters.export', req);
        for (const f of files) saveFile(f);
        notify(
          files.length === 1 ? `Saved ${files[0].fileName}.` : `Saved ${files.length} playlists.`,
          'info',
        );
      } catch (err) {
        notify(err);
      }
    },
    [notify],
  );

  return {
    list,
    error,
    progress,
    running: progress?.state === 'running',
    start,
    cancel,
    exportFiles,
    reload,
  };
}
