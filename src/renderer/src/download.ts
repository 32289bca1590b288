/**
 * Saves a file the core made (`clusters.export`) on the user's machine: a Blob and an <a download>
 * click. Browser mode downloads it; Electron shows its save dialog for the same download.
 */
import type { ExportFile } from '../../shared/types';

export function saveFile(file: ExportFile): void {
  const blob = new Blob([file.content], { type: `${file.mimeType};charset=utf-8` });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked after the click has been handled (the download holds its own reference by then).
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
