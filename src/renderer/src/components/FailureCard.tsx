import { fileName } from '../format';

export interface Failure {
  key: string;
  path: string;
  reason: string;
}

/** A card listing files that failed (to scan or to analyse) with the reason for each. */
export function FailureCard({
  title,
  total,
  failures,
}: {
  title: string;
  total: number;
  failures: Failure[];
}) {
  return (
    <div className="card">
      <h2>
        {title} {total > 0 && <span className="badge warn">{total}</span>}
      </h2>
      {failures.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="errors">
          <thead>
            <tr>
              <th>File</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {failures.map((f) => (
              <tr key={f.key}>
                <td title={f.path}>{fileName(f.path)}</td>
                <td>{f.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
