/** Inline SVG icons (emoji and symbol glyphs are missing from many system fonts). */
import type { ReactNode } from 'react';

function Svg({ children, size = 16 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="currentColor"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

export const PlayIcon = () => (
  <Svg>
    <path d="M7 4.5v15a1 1 0 0 0 1.5.86l12.5-7.5a1 1 0 0 0 0-1.72L8.5 3.64A1 1 0 0 0 7 4.5z" />
  </Svg>
);

export const PauseIcon = () => (
  <Svg>
    <rect x="6" y="4" width="4" height="16" rx="1" />
    <rect x="14" y="4" width="4" height="16" rx="1" />
  </Svg>
);

export const PrevIcon = () => (
  <Svg>
    <rect x="4" y="5" width="2.5" height="14" rx="1" />
    <path d="M20 5.5v13a1 1 0 0 1-1.53.85L8.5 13.1a1.3 1.3 0 0 1 0-2.2l9.97-6.25A1 1 0 0 1 20 5.5z" />
  </Svg>
);

export const NextIcon = () => (
  <Svg>
    <rect x="17.5" y="5" width="2.5" height="14" rx="1" />
    <path d="M4 5.5v13a1 1 0 0 0 1.53.85l9.97-6.25a1.3 1.3 0 0 0 0-2.2L5.53 4.65A1 1 0 0 0 4 5.5z" />
  </Svg>
);

export const VolumeIcon = ({ muted }: { muted?: boolean }) => (
  <Svg>
    <path d="M4 9h3.5L12 5v14l-4.5-4H4a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1z" />
    {muted ? (
      <path d="M16 9l5 6M21 9l-5 6" stroke="currentColor" strokeWidth="2" strokeLinecap="round" fill="none" />
    ) : (
      <path
        d="M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        fill="none"
      />
    )}
  </Svg>
);
