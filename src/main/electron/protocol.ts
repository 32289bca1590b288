/**
 * `timbre-media://track/<id>`: how the renderer's <audio> element reaches a catalogued file
 * (and `timbre-media://cover/<id>` its cover thumbnail, made lazily by the core).
 * The handler answers Range requests itself with 206 (a plain `net.fetch('file://…')` ignores
 * Range, which breaks seeking) and serves only what `service.mediaFile` resolves (and still is the catalogued file).
 */
import { protocol } from 'electron';
import { MEDIA_SCHEME } from '../../shared/csp';
import { ffmpegForService } from '../api/media';
import type { TimbreService } from '../api/service-types';
import { answerMediaRequest } from './media-response';

/** Must run before the app is ready. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: MEDIA_SCHEME,
      privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true },
    },
  ]);
}

/** Installs the handler (after ready). */
export function handleMediaProtocol(service: TimbreService): void {
  const ffmpeg = ffmpegForService(service);
  protocol.handle(MEDIA_SCHEME, (request) => answerMediaRequest(service, request, ffmpeg));
}
